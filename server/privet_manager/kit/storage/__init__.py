"""`get_storage()`: the configured object store for this process."""

from __future__ import annotations

from privet_manager.kit.storage.base import ObjectInfo, Storage, StorageUnavailable, UploadTarget
from privet_manager.kit.storage.local import LocalStorage
from privet_manager.settings import Settings

__all__ = [
    "ObjectInfo",
    "Storage",
    "StorageUnavailable",
    "UploadTarget",
    "get_storage",
    "init_storage",
    "set_storage",
]

_storage: Storage | None = None


def init_storage(settings: Settings) -> Storage:
    global _storage
    if _storage is None:
        if settings.s3_enabled:
            from privet_manager.kit.storage.s3 import S3Storage

            _storage = S3Storage.from_settings(settings)
        else:
            _storage = LocalStorage(
                settings.privet_data_dir / "storage", settings.storage_signing_secret
            )
    return _storage


def get_storage() -> Storage:
    if _storage is None:
        raise RuntimeError("storage not initialised")
    return _storage


def set_storage(storage: Storage | None) -> None:
    """Swap the process's store (tests run the same suite against each backend)."""
    global _storage
    _storage = storage


def reset_storage() -> None:
    global _storage
    _storage = None
