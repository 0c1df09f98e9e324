"""The object store interface: S3 (MinIO) in production, a local folder by default."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    content_type: str | None


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
