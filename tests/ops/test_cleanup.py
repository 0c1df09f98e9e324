from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from privet_manager.auth.models import AuthSession, RefreshToken
from privet_manager.kit.idempotency import IdempotencyKey
from privet_manager.kit.ratelimit import RateLimit
from privet_manager.ops.cleanup import cleanup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import Factory


async def test_cleanup_deletes_only_what_has_expired(
    session: AsyncSession, factory: Factory
) -> None:
    manager = await factory.manager()
    now = datetime.now(UTC)
    old, fresh = now - timedelta(days=40), now - timedelta(hours=1)
    ended = AuthSession(id=uuid.uuid4(), manager_id=manager.id, expires_at=old, created_at=old)
    live = AuthSession(id=uuid.uuid4(), manager_id=manager.id, expires_at=now + timedelta(hours=5))
    session.add_all([ended, live])
    await session.flush()
    session.add_all(
        [
            RefreshToken(jti="old-token", session_id=ended.id),
            RefreshToken(jti="live-token", session_id=live.id),
            IdempotencyKey(
                manager_id=manager.id,
                key="old",
                scope="POST /x",
                request_hash="h",
                created_at=now - timedelta(days=2),
            ),
            IdempotencyKey(
                manager_id=manager.id,
                key="new",
                scope="POST /x",
                request_hash="h",
                created_at=fresh,
            ),
            RateLimit(key="login:ip:old", hits=3, window_started_at=old),
            RateLimit(
                key="login:ip:blocked",
                hits=0,
                window_started_at=old,
                blocked_until=now + timedelta(minutes=5),
            ),
            RateLimit(key="login:ip:fresh", hits=1, window_started_at=fresh),
        ]
    )
    await session.commit()

    result = await cleanup(session)
    await session.commit()

    assert (result.idempotency_keys, result.rate_limits, result.auth_sessions) == (1, 1, 1)
    assert set(await session.scalars(select(IdempotencyKey.key))) == {"new"}
    assert set(await session.scalars(select(RateLimit.key))) == {
        "login:ip:blocked",
        "login:ip:fresh",
    }
    assert set(await session.scalars(select(RefreshToken.jti))) == {"live-token"}
    # A second run finds nothing more to do.
    again = await cleanup(session)
    assert (again.idempotency_keys, again.rate_limits, again.auth_sessions) == (0, 0, 0)
