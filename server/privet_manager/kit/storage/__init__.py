"""`get_storage()`: the configured object store for this process."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from privet_manager.kit.storage.base import ObjectInfo, Storage, StorageUnavailable, UploadTarget
from privet_manager.kit.storage.local import LocalStorage
from privet_manager.settings import Settings

__all__ = [
    "ObjectInfo",
    "Storage",
    "StorageUnavailable",
    "UploadGuard",
    "UploadTarget",
    "get_storage",
    "get_upload_guard",
    "init_storage",
    "set_storage",
    "set_upload_guard",
]

# Asked with the object key before the local backend stores a browser upload: raises an
# AppError to refuse it (a domain decides, e.g. "the client has signed"); kit itself knows
# no domain.
UploadGuard = Callable[[str], Awaitable[None]]


_storage: Storage | None = None
_upload_guard: UploadGuard | None = None


def set_upload_guard(guard: UploadGuard | None) -> None:
    global _upload_guard
    _upload_guard = guard


def get_upload_guard() -> UploadGuard | None:
    return _upload_guard


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
