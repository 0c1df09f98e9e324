"""Objects as files under a folder: the embedded default.

Browsers upload to and download from the API itself (kit/storage/router.py) with URLs the
API signs (HMAC with STORAGE_SIGNING_SECRET over method, key, type, size limit and expiry),
so the local backend enforces the same limits an S3 POST policy does.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

from privet_manager.kit.security import constant_time_equals, hmac_sha256
from privet_manager.kit.storage.base import ObjectInfo, UploadTarget

URL_PREFIX = "/api/storage/objects/"


class UploadTooLarge(Exception):
    """The body went past the signed size limit; nothing was stored."""


class ObjectExists(Exception):
    """A browser upload to a key that already holds an object: uploads are write-once."""


class LocalStorage:
    def __init__(self, root: Path, signing_secret: str = "") -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.signing_secret = signing_secret

    def _path(self, key: str) -> Path:
        if not key or "\x00" in key or key.endswith((".part", ".meta")):
            raise ValueError("bad object key")
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise ValueError("object key escapes the storage root")
        return path

    async def check(self) -> None:
        if not os.access(self.root, os.W_OK):
            raise OSError(f"storage folder not writable: {self.root}")

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._put, key, data, content_type)

    def _put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        self._publish(tmp, path, content_type)

    def _publish(self, tmp: Path, path: Path, content_type: str) -> None:
        path.with_name(path.name + ".meta").write_text(json.dumps({"content_type": content_type}))
        os.replace(tmp, path)

    def _publish_once(self, tmp: Path, path: Path, content_type: str) -> None:
        """Publish only if the key is free: link(2) fails on an existing name, atomically,
        so of two uploads racing to one key exactly one is stored."""
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise ObjectExists() from None
        finally:
            tmp.unlink(missing_ok=True)
        path.with_name(path.name + ".meta").write_text(json.dumps({"content_type": content_type}))

    async def receive(
        self, key: str, chunks: AsyncIterator[bytes], content_type: str, max_size: int
    ) -> int:
        """Stream a browser's body into a new object; past `max_size` bytes, or when the key
        already holds an object (an upload URL works once), store nothing."""
        path = self._path(key)
        if path.exists():
            raise ObjectExists()
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex}.part")
        size = 0
        f = await asyncio.to_thread(tmp.open, "wb")
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_size:
                    raise UploadTooLarge()
                if chunk:
                    await asyncio.to_thread(f.write, chunk)
            await asyncio.to_thread(f.close)
            await asyncio.to_thread(self._publish_once, tmp, path, content_type)
        except BaseException:
            f.close()
            tmp.unlink(missing_ok=True)
            raise
        return size

    async def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise KeyError(key) from exc

    async def stat(self, key: str) -> ObjectInfo | None:
        path = self._path(key)
        try:
            st = path.stat()
        except FileNotFoundError:
            return None
        if not path.is_file():
            return None
        meta = path.with_name(path.name + ".meta")
        ctype = json.loads(meta.read_text()).get("content_type") if meta.exists() else None
        return ObjectInfo(key=key, size=st.st_size, content_type=ctype)

    async def delete(self, key: str) -> None:
        path = self._path(key)
        for p in (path, path.with_name(path.name + ".meta")):
            p.unlink(missing_ok=True)

    async def list_keys(self, prefix: str) -> list[str]:
        return await asyncio.to_thread(self._list_keys, prefix)

    def _list_keys(self, prefix: str) -> list[str]:
        # Walk only the folder the prefix names (photos may be many).
        folder = self._path(prefix.rpartition("/")[0]) if "/" in prefix else self.root
        keys = []
        for path in folder.rglob("*"):
            if path.is_file() and not path.name.endswith((".meta", ".part")):
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)

    # Signed URLs served by the API.

    def _signature(self, *parts: str) -> str:
        return hmac_sha256(self.signing_secret, "\n".join(parts))

    async def presign_upload(
        self, key: str, content_type: str, max_size: int, expires: timedelta
    ) -> UploadTarget:
        self._path(key)
        expires_at = datetime.now(UTC) + expires
        exp = str(int(expires_at.timestamp()))
        query = {
            "ct": content_type,
            "max": str(max_size),
            "exp": exp,
            "sig": self._signature("PUT", key, content_type, str(max_size), exp),
        }
        return UploadTarget(
            method="PUT",
            url=f"{URL_PREFIX}{quote(key)}?{urlencode(query)}",
            expires_at=expires_at,
            headers={"Content-Type": content_type},
        )

    def verify_upload(self, key: str, content_type: str, max_size: str, exp: str, sig: str) -> bool:
        return self._valid(exp) and constant_time_equals(
            sig, self._signature("PUT", key, content_type, max_size, exp)
        )

    async def presign_download(self, key: str, expires: timedelta) -> str:
        exp = str(int((datetime.now(UTC) + expires).timestamp()))
        query = {"exp": exp, "sig": self._signature("GET", key, exp)}
        return f"{URL_PREFIX}{quote(key)}?{urlencode(query)}"

    def verify_download(self, key: str, exp: str, sig: str) -> bool:
        return self._valid(exp) and constant_time_equals(sig, self._signature("GET", key, exp))

    @staticmethod
    def _valid(exp: str) -> bool:
        return (
            exp.isascii()
            and exp.isdigit()
            and len(exp) < 12
            and int(exp) >= datetime.now(UTC).timestamp()
        )
