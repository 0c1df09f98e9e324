"""Fixed-window counters in PostgreSQL, shared by every API replica.

They run in the caller's transaction. A counted failure is raised as an error with
`keeps_writes` (kit/errors.py), so the request's transaction commits the count before the
refusal is answered; a request that fails for another reason counts nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, Integer, String, case, delete, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from privet_manager.kit.db import Base


class RateLimit(Base):
    __tablename__ = "manager_rate_limits"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    window_started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


async def blocked_for(session: AsyncSession, keys: list[str]) -> int:
    """Seconds until every key is unblocked (0 when none is blocked)."""
    now = datetime.now(UTC)
    until = [
        u
        for u in await session.scalars(
            select(RateLimit.blocked_until).where(
                RateLimit.key.in_(keys), RateLimit.blocked_until > now
            )
        )
        if u is not None
    ]
    if not until:
        return 0
    return max(1, int((max(until) - now).total_seconds()) + 1)


async def hit(
    session: AsyncSession, key: str, *, limit: int, window: timedelta, block: timedelta
) -> bool:
    """Count one event atomically; return True when this event reached the limit."""
    now = datetime.now(UTC)
    ins = insert(RateLimit).values(key=key, hits=1, window_started_at=now)
    stmt = ins.on_conflict_do_update(
        index_elements=[RateLimit.key],
        set_={
            # A window that has expired starts again at one.
            "hits": _case_expired(now - window, 1, RateLimit.hits + 1),
            "window_started_at": _case_expired(now - window, now, RateLimit.window_started_at),
        },
    ).returning(RateLimit.hits)
    hits = (await session.execute(stmt)).scalar_one()
    if hits < limit:
        return False
    await session.execute(
        update(RateLimit)
        .where(RateLimit.key == key)
        .values(blocked_until=now + block, hits=0, window_started_at=now)
    )
    return True


def _case_expired(cutoff: datetime, if_expired: Any, otherwise: Any) -> Any:
    return case(
        (RateLimit.window_started_at < cutoff, literal(if_expired)),
        else_=otherwise,
    )


async def reset(session: AsyncSession, key: str) -> None:
    await session.execute(delete(RateLimit).where(RateLimit.key == key))
