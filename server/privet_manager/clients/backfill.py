"""Create a manager_clients row for every user that has none, and refresh the copies of
the users' name, phone and email that search relies on."""

from __future__ import annotations

from sqlalchemy import CursorResult, text
from sqlalchemy.ext.asyncio import AsyncSession

_INSERT_MISSING = text(
    """
    INSERT INTO manager_clients (user_id, name, phone, email)
    SELECT u.id, u.name, u.phone, u.email
    FROM users u
    WHERE NOT EXISTS (SELECT 1 FROM manager_clients c WHERE c.user_id = u.id)
    ORDER BY u.id
    LIMIT :limit
    ON CONFLICT (user_id) DO NOTHING
    """
)
_REFRESH_COPIES = text(
    """
    UPDATE manager_clients c
    SET name = u.name, phone = u.phone, email = u.email
    FROM users u
    WHERE u.id = c.user_id
      AND (c.name, c.phone, c.email) IS DISTINCT FROM (u.name, u.phone, u.email)
    """
)


async def backfill_clients(session: AsyncSession, limit: int | None = None) -> tuple[int, int]:
    """Return (rows created, rows refreshed); create at most `limit` rows (None: all)."""
    created = await session.execute(_INSERT_MISSING, {"limit": limit})
    refreshed = await session.execute(_REFRESH_COPIES)
    assert isinstance(created, CursorResult) and isinstance(refreshed, CursorResult)
    return created.rowcount, refreshed.rowcount
