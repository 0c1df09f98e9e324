"""What the operator commands of `privet-manager` do; cli.py only parses and prints."""

from __future__ import annotations

import asyncio

from privet_manager.kit.db import close_database, init_database, resolve_database_url
from privet_manager.kit.storage import init_storage
from privet_manager.ops import backup as backup_ops
from privet_manager.ops import restore as restore_ops
from privet_manager.ops import rotate_keys
from privet_manager.settings import Settings


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def run_backup(settings: Settings, keep: int, list_only: bool = False) -> list[str]:
    async def main() -> list[str]:
        storage = init_storage(settings)
        if list_only:
            return [
                k.removeprefix(backup_ops.PREFIX) for k in await backup_ops.list_backups(storage)
            ]
        result = await backup_ops.backup(resolve_database_url(settings), storage, keep=keep)
        lines = [
            f"stored {result.key} ({_mb(result.size)}, sha256 {result.sha256})",
            f"pg_dump {result.pg_dump}, {result.seconds:.1f} s",
        ]
        lines += [f"deleted old backup {key}" for key in result.deleted]
        return lines

    return asyncio.run(main())


def run_restore(settings: Settings, name: str, target_url: str | None, force: bool) -> list[str]:
    async def main() -> list[str]:
        storage = init_storage(settings)
        url = target_url or resolve_database_url(settings)
        result = await restore_ops.restore(name, url, storage, force=force)
        return [
            f"restored {result.key}: {result.tables} tables, "
            f"migration {result.alembic_version or 'none'}",
            f"pg_restore {result.pg_restore}, mode {result.mode}",
        ]

    return asyncio.run(main())


def run_rotate(settings: Settings, batch_size: int) -> list[str]:
    async def main() -> list[str]:
        db = init_database(settings)
        try:
            result = await rotate_keys.rotate_passport_key(db.sessionmaker, batch_size)
        finally:
            await close_database()
        lines = [
            f"re-encrypted {result.rotated} passports under key {result.key_id} "
            f"in {result.batches} batches"
        ]
        if result.remaining:
            lines.append(f"{result.remaining} rows were locked by other work: run it again")
        else:
            lines.append(f"every passport is under {result.key_id}: older keys can be removed")
        return lines

    return asyncio.run(main())
