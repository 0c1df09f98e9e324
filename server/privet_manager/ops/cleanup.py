"""Housekeeping for a periodic job (cron or a systemd timer): rows that only ever grow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import CursorResult, delete, or_
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.auth.models import AuthSession
from privet_manager.kit.idempotency import purge_expired
from privet_manager.kit.ratelimit import RateLimit

# Ended logins stay this long for audits of who was signed in when.
SESSION_RETENTION = timedelta(days=30)


@dataclass
class CleanupResult:
    idempotency_keys: int
    rate_limits: int
    auth_sessions: int


async def cleanup(session: AsyncSession, now: datetime | None = None) -> CleanupResult:
    """Delete expired idempotency keys, stale throttling counters and long-ended sessions
    (their refresh tokens go with them)."""
    now = now or datetime.now(UTC)
    keys = await purge_expired(session)
    limits = await session.execute(
        delete(RateLimit).where(
            or_(RateLimit.blocked_until.is_(None), RateLimit.blocked_until < now),
            RateLimit.window_started_at < now - timedelta(days=1),
        )
    )
    sessions = await session.execute(
        delete(AuthSession).where(
            or_(
                AuthSession.expires_at < now - SESSION_RETENTION,
                AuthSession.revoked_at < now - SESSION_RETENTION,
            )
        )
    )
    assert isinstance(limits, CursorResult) and isinstance(sessions, CursorResult)
    return CleanupResult(keys, limits.rowcount, sessions.rowcount)
