"""Users of Привет Супер appear as new clients without anyone running a command.

Привет Супер inserts `users` rows on its own and cannot be asked to create ours. Creating rows
lazily per request would be a scan of `users` on every list at 100,000 users, so:

- every listing of the `new` tab first inserts rows for users whose id is above the highest
  user_id we know (an index range scan on users' primary key: effectively free);
- at most every FULL_SYNC_SECONDS per process, the full `backfill` (an anti-join catching users
  committed out of id order, plus a refresh of the name/phone/email copies) runs as well;
- `privet-manager backfill-clients` runs the full one on demand, without limits: run it once
  at installation (creating 100,000 rows takes seconds, which no request should pay for;
  the passes above create at most BATCH rows at a time).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import psycopg
from sqlalchemy import text

from privet_manager.clients.backfill import backfill_clients
from privet_manager.kit.db import get_database
from privet_manager.kit.rawsql import driver_sql

log = logging.getLogger("privet_manager.clients.sync")

FULL_SYNC_SECONDS = 300.0
# The cheap catch-up of users with a higher id runs at most this often per process.
NEWER_SYNC_SECONDS = 1.0
BATCH = 2000

_INSERT_NEWER = text(
    """
    INSERT INTO manager_clients (user_id, name, phone, email)
    SELECT u.id, u.name, u.phone, u.email
    FROM users u
    WHERE u.id > (SELECT coalesce(max(c.user_id), 0) FROM manager_clients c)
    ORDER BY u.id
    LIMIT :limit
    ON CONFLICT (user_id) DO NOTHING
    """
)

_last_full = 0.0
_last_newer = 0.0
_full_lock = asyncio.Lock()


_INSERT_NEWER_SQL = driver_sql(_INSERT_NEWER, "limit")


async def sync_new_users(conn: psycopg.AsyncConnection[Any]) -> None:
    """Make sure users without a manager_clients row are listed (see the module docstring)."""
    global _last_full
    if time.monotonic() - _last_full >= FULL_SYNC_SECONDS and not _full_lock.locked():
        async with _full_lock:
            _last_full = time.monotonic()
            # Its own short transaction on the main pool (the request's connection is in
            # autocommit: each of the pass's statements must not commit alone).
            async with get_database().sessionmaker() as own, own.begin():
                created, refreshed = await backfill_clients(own, limit=BATCH)
            if created or refreshed:
                log.info("clients synced", extra={"created": created, "refreshed": refreshed})
    global _last_newer
    now = time.monotonic()
    if now - _last_newer >= NEWER_SYNC_SECONDS:
        _last_newer = now
        await conn.execute(_INSERT_NEWER_SQL, {"limit": BATCH})


def force_full_sync_next_time() -> None:
    global _last_full, _last_newer
    _last_full = _last_newer = 0.0
