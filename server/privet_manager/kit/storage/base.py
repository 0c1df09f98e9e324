"""The object store interface: S3 (MinIO) in production, a local folder by default."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, Protocol


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    content_type: str | None


@dataclass(frozen=True)
class UploadTarget:
    """How the browser sends one object straight to the store.

    POST: a multipart form with `fields` first and the file last (an S3 POST policy).
    PUT: the raw body with `headers` (the local backend; `url` is relative to the API).
    The store itself enforces the key, the Content-Type and the size limit.
    """

    method: Literal["POST", "PUT"]
    url: str
    expires_at: datetime
    fields: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


class StorageUnavailable(Exception):
    """The object store did not answer."""


class Storage(Protocol):
    async def check(self) -> None:
        """Raise if the store is unreachable."""

    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, key: str) -> bytes:
        """Raise KeyError when absent."""

    async def stat(self, key: str) -> ObjectInfo | None: ...

    async def delete(self, key: str) -> None: ...

    async def list_keys(self, prefix: str) -> list[str]:
        """Keys starting with `prefix`, sorted (backups use it for retention)."""

    async def presign_upload(
        self, key: str, content_type: str, max_size: int, expires: timedelta
    ) -> UploadTarget:
        """Upload instructions for exactly this key, type and at most `max_size` bytes."""

    async def presign_download(self, key: str, expires: timedelta) -> str:
        """A short-lived URL to read the object (absolute for S3, relative for local)."""
