"""`privet-manager restore NAME`: a backup from the object store into an empty database.

pg_restore --no-owner --no-privileges in one transaction: either everything is restored or
nothing is. A dump written by pg_dump 17+ sets `transaction_timeout`, which servers before 17
reject; for those the archive is converted to SQL and replayed through psql without that line.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import psycopg

from privet_manager.kit.storage import Storage
from privet_manager.ops import pgtools
from privet_manager.ops.backup import resolve_key

Mode = Literal["auto", "direct", "sql"]
# Lines a newer pg_restore writes that an older server does not understand.
_TOO_NEW = re.compile(rb"^SET transaction_timeout = 0;\s*$")


class RestoreRefused(RuntimeError):
    """The target database is not empty and --force was not given."""


@dataclass(frozen=True)
class RestoreResult:
    key: str
    tables: int
    alembic_version: str | None
    mode: str
    pg_restore: str


def existing_tables(database_url: str) -> list[str]:
    conn = pgtools.connection(database_url)
    with psycopg.connect(conn.uri, password=conn.env.get("PGPASSWORD"), connect_timeout=10) as c:
        rows = c.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        ).fetchall()
    return [r[0] for r in rows]


def _alembic_version(database_url: str) -> str | None:
    conn = pgtools.connection(database_url)
    with psycopg.connect(conn.uri, password=conn.env.get("PGPASSWORD"), connect_timeout=10) as c:
        exists = c.execute("SELECT to_regclass('public.privet_manager_alembic_version')").fetchone()
        if not exists or exists[0] is None:
            return None
        row = c.execute("SELECT version_num FROM privet_manager_alembic_version").fetchone()
    return row[0] if row else None


def archive_major(path: Path) -> int:
    """The major version of the pg_dump that wrote the archive (from its table of contents)."""
    tool = pgtools.newest("pg_restore")
    out = pgtools.run([str(tool.path), "--list", str(path)], dict(os.environ)).stdout
    match = re.search(r"Dumped by pg_dump version: (\d+)", out)
    if not match:
        raise pgtools.PgToolError("not a pg_dump custom-format archive")
    return int(match.group(1))


def _direct(tool: pgtools.PgTool, path: Path, database_url: str, clean: bool) -> None:
    conn = pgtools.connection(database_url)
    args = [str(tool.path), "--no-owner", "--no-privileges", "--exit-on-error"]
    args += ["--single-transaction", "--no-password", f"--dbname={conn.uri}"]
    if clean:
        args += ["--clean", "--if-exists"]
    pgtools.run([*args, str(path)], conn.env)


def _via_sql(tool: pgtools.PgTool, path: Path, database_url: str, clean: bool) -> None:
    """pg_restore → SQL → (drop the lines an older server rejects) → psql, in one transaction."""
    psql = tool.path.with_name("psql")
    if not psql.exists():
        psql = pgtools.newest("psql").path
    conn = pgtools.connection(database_url)
    args = [str(tool.path), "--no-owner", "--no-privileges", "--file=-"]
    if clean:
        args += ["--clean", "--if-exists"]
    # stderr into files: a pipe nobody reads could fill up and stall the tool.
    with tempfile.TemporaryFile() as restore_err, tempfile.TemporaryFile() as psql_err:
        producer = subprocess.Popen([*args, str(path)], stdout=subprocess.PIPE, stderr=restore_err)
        replay = [str(psql), "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction"]
        consumer = subprocess.Popen(
            [*replay, "--no-password", f"--dbname={conn.uri}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_err,
            env=conn.env,
        )
        assert producer.stdout is not None and consumer.stdin is not None
        try:
            for line in producer.stdout:
                if not _TOO_NEW.match(line):
                    consumer.stdin.write(line)
        except BrokenPipeError:
            pass  # psql stopped on an error: reported below
        finally:
            with contextlib.suppress(BrokenPipeError):
                consumer.stdin.close()
            producer.stdout.close()
        consumer.wait()
        producer.wait()
        if consumer.returncode != 0:
            psql_err.seek(0)
            raise pgtools.PgToolError(f"psql failed: {psql_err.read().decode()[-2000:]}")
        if producer.returncode != 0:
            restore_err.seek(0)
            raise pgtools.PgToolError(f"pg_restore failed: {restore_err.read().decode()[-2000:]}")


def restore_file(
    path: Path, database_url: str, clean: bool = False, mode: Mode = "auto"
) -> tuple[str, pgtools.PgTool]:
    """Restore an archive file; returns (mode used, tool)."""
    tool = pgtools.pick("pg_restore", archive_major(path))
    if mode == "auto":
        mode = "sql" if tool.major >= 17 and pgtools.server_major(database_url) < 17 else "direct"
    (_via_sql if mode == "sql" else _direct)(tool, path, database_url, clean)
    return mode, tool


async def restore(
    name: str, database_url: str, storage: Storage, force: bool = False, mode: Mode = "auto"
) -> RestoreResult:
    """Fetch backup `name` and restore it into `database_url`, which must be empty unless
    `force` (then the dump's objects are dropped and recreated: --clean --if-exists)."""
    key = resolve_key(name)
    tables = await asyncio.to_thread(existing_tables, database_url)
    if tables and not force:
        ours = [t for t in tables if t.startswith(("manager_", "privet_manager_", "users_"))]
        raise RestoreRefused(
            f"the target database is not empty ({len(tables)} tables"
            + (f", {len(ours)} of them Privet Manager's" if ours else "")
            + "): restore into a new database, or pass --force to replace what the dump holds"
        )
    try:
        data = await storage.get(key)
    except KeyError as exc:
        raise FileNotFoundError(f"no backup {key} in the object store") from exc
    with tempfile.TemporaryDirectory(prefix="pm-restore-") as tmp:
        path = Path(tmp) / "db.dump"
        await asyncio.to_thread(path.write_bytes, data)
        used, tool = await asyncio.to_thread(restore_file, path, database_url, bool(tables), mode)
    return RestoreResult(
        key=key,
        tables=len(await asyncio.to_thread(existing_tables, database_url)),
        alembic_version=await asyncio.to_thread(_alembic_version, database_url),
        mode=used,
        pg_restore=f"{tool.path} ({tool.major})",
    )
