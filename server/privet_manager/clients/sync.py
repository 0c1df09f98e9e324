"""Users of Привет Супер appear as new clients without anyone running a command.

Привет Супер inserts `users` rows on its own and cannot be asked to create ours. A task each
API process starts in its lifespan (`run_forever`) does it off the request path:

- every NEWER_SYNC_SECONDS it inserts rows for users whose id is above the highest user_id we
  know (an index range scan on users' primary key: effectively free);
- every FULL_SYNC_SECONDS the full `backfill` (an anti-join catching users committed out of
  id order, plus a refresh of the name/phone/email copies) runs as well, in one replica at a
  time (an advisory lock);
- `privet-manager backfill-clients` runs the full one on demand, without limits: run it once
  at installation (creating 100,000 rows takes seconds; the passes above create at most BATCH
  rows at a time).
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import CursorResult, text
from sqlalchemy.exc import DBAPIError

from privet_manager.clients.backfill import backfill_clients
from privet_manager.kit.db import transaction

log = logging.getLogger("privet_manager.clients.sync")

FULL_SYNC_SECONDS = 300.0
NEWER_SYNC_SECONDS = 1.0
BATCH = 2000
# First key of the two-key advisory lock: "PMSY".
_LOCK_NAMESPACE = 0x504D5359

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
_TRY_FULL_LOCK = text("SELECT pg_try_advisory_xact_lock(:ns, 1)")


async def sync_once(*, full: bool) -> int:
    """One pass; returns how many client rows it created (and, for a full pass, refreshed)."""
    async with transaction() as session:
        inserted = await session.execute(_INSERT_NEWER, {"limit": BATCH})
        assert isinstance(inserted, CursorResult)
        created = inserted.rowcount
        if full and await session.scalar(_TRY_FULL_LOCK, {"ns": _LOCK_NAMESPACE}):
            more, refreshed = await backfill_clients(session, limit=BATCH)
            created += more + refreshed
    return int(created)


async def run_forever() -> None:
    """The lifespan's task: passes at their intervals until cancelled; a failing pass (the
    database restarting) is logged and tried again at the next tick."""
    loop = asyncio.get_running_loop()
    next_full = loop.time()
    while True:
        full = loop.time() >= next_full
        try:
            changed = await sync_once(full=full)
        except (DBAPIError, OSError) as exc:
            log.warning("clients sync failed", extra={"error": type(exc).__name__})
        else:
            if full:
                next_full = loop.time() + FULL_SYNC_SECONDS
            if changed:
                log.info("clients synced", extra={"rows": changed, "full": full})
        await asyncio.sleep(NEWER_SYNC_SECONDS)
