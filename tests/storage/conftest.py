"""The photo/storage suite runs once per backend: local folder and SeaweedFS (real S3)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from privet_manager.kit import storage as kit_storage
from privet_manager.kit.storage.local import LocalStorage
from privet_manager.kit.storage.s3 import S3Storage
from privet_manager.settings import get_settings

from tests.s3 import SeaweedFS

MAX_MB = 1


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Swap the app's store for this test, with MAX_PHOTO_MB = 1 (fast over-limit uploads)."""
    previous = kit_storage._storage
    if request.param == "s3":
        server: SeaweedFS = request.getfixturevalue("seaweedfs")
        store: kit_storage.Storage = S3Storage(
            server.endpoint,
            server.access_key,
            server.secret_key,
            "pm-test",  # one bucket: each bucket takes a set of SeaweedFS volumes
        )
    else:
        store = LocalStorage(tmp_path / "storage", get_settings().storage_signing_secret)
    settings = get_settings()
    old_max = settings.max_photo_mb
    settings.max_photo_mb = MAX_MB
    kit_storage.set_storage(store)
    try:
        yield request.param
    finally:
        kit_storage.set_storage(previous)
        settings.max_photo_mb = old_max
