"""Objects as files under a folder: the embedded default."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

from privet_manager.kit.storage.base import ObjectInfo


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
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
        os.replace(tmp, path)
        path.with_name(path.name + ".meta").write_text(json.dumps({"content_type": content_type}))

    async def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError as exc:
            raise KeyError(key) from exc

    async def stat(self, key: str) -> ObjectInfo | None:
        path = self._path(key)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return None
        meta = path.with_name(path.name + ".meta")
        ctype = json.loads(meta.read_text()).get("content_type") if meta.exists() else None
        return ObjectInfo(key=key, size=size, content_type=ctype)

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
