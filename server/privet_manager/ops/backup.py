"""`privet-manager backup`: pg_dump (custom format) of the database into the object store.

Objects are `backups/privet-manager-YYYYmmddTHHMMSSZ.dump`; the newest `keep` are kept. The dump
is read into memory before the upload (the Storage interface takes bytes), which is fine for a
database of a few GB; beyond that, dump to a file and copy it with `mc cp` / `aws s3 cp`.
The object store itself (photos, PDFs) is not in the dump: back it up with the store's own tools
(MinIO replication, `mc mirror`).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from privet_manager.kit.storage import Storage
from privet_manager.ops import pgtools

PREFIX = "backups/"
NAME_PREFIX = "privet-manager-"
NAME_RE = re.compile(r"^privet-manager-\d{8}T\d{6}Z\.dump$")
CONTENT_TYPE = "application/vnd.postgresql.custom-dump"


@dataclass(frozen=True)
class BackupResult:
    key: str
    size: int
    sha256: str
    seconds: float
    pg_dump: str
    deleted: list[str]


def backup_key(now: datetime) -> str:
    return f"{PREFIX}{NAME_PREFIX}{now.astimezone(UTC):%Y%m%dT%H%M%SZ}.dump"


def resolve_key(name: str) -> str:
    """Accept `privet-manager-…dump` or `backups/privet-manager-…dump`; refuse anything else."""
    base = name.removeprefix(PREFIX)
    if not NAME_RE.match(base):
        raise ValueError(
            f"not a backup name: {name!r} (expected {NAME_PREFIX}YYYYmmddTHHMMSSZ.dump)"
        )
    return PREFIX + base


async def list_backups(storage: Storage) -> list[str]:
    """Backup keys, oldest first (the names sort by time)."""
    keys = await storage.list_keys(PREFIX + NAME_PREFIX)
    return sorted(k for k in keys if NAME_RE.match(k.removeprefix(PREFIX)))


def dump_to_file(database_url: str, target: Path) -> pgtools.PgTool:
    """pg_dump --format=custom into `target` with a tool that can read this server."""
    tool = pgtools.pick("pg_dump", pgtools.server_major(database_url))
    conn = pgtools.connection(database_url)
    pgtools.run(
        [str(tool.path), "--format=custom", "--no-password", f"--file={target}", conn.uri],
        conn.env,
    )
    return tool


async def prune(storage: Storage, keep: int) -> list[str]:
    """Delete all but the newest `keep` backups; return what was deleted."""
    keys = await list_backups(storage)
    doomed = keys[:-keep] if keep > 0 else keys
    for key in doomed:
        await storage.delete(key)
    return doomed


async def backup(
    database_url: str, storage: Storage, keep: int = 14, now: datetime | None = None
) -> BackupResult:
    """Dump the database, store it under backups/, then keep only the newest `keep`."""
    if keep < 1:
        raise ValueError("keep must be at least 1")
    started = time.monotonic()
    key = backup_key(now or datetime.now(UTC))
    with tempfile.TemporaryDirectory(prefix="pm-backup-") as tmp:
        path = Path(tmp) / "db.dump"
        tool = await asyncio.to_thread(dump_to_file, database_url, path)
        data = await asyncio.to_thread(path.read_bytes)
    await storage.put(key, data, CONTENT_TYPE)
    info = await storage.stat(key)
    if info is None or info.size != len(data):
        raise RuntimeError(f"the stored backup {key} is missing or truncated")
    deleted = await prune(storage, keep)
    return BackupResult(
        key=key,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        seconds=time.monotonic() - started,
        pg_dump=f"{tool.path} ({tool.major})",
        deleted=deleted,
    )
