"""Which sessions end, and how that is recorded: disabling a manager ends all of theirs (and
nobody else's) as "disabled"; a logout ends only the session of the refresh token it is
given, once ("logout"), never one already ended for another reason, and never for an access
token handed in as the refresh cookie."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from privet_manager.auth.models import AuthSession, Manager
from privet_manager.kit.db import Database
from sqlalchemy import select

from tests.conftest import TEST_PASSWORD, Factory, login

ME = "/api/manager/auth/me"
COOKIE, COOKIE_PATH = "pm_refresh", "/api/manager/auth"


async def sign_in(client: httpx.AsyncClient, manager: Manager) -> tuple[dict[str, str], str]:
    """A new session: its access header and its refresh token (the cookie)."""
    client.cookies.clear()
    headers = await login(client, manager)
    refresh = client.cookies.get(COOKIE, path=COOKIE_PATH)
    assert refresh is not None
    return headers, refresh


def session_of(headers: dict[str, str]) -> uuid.UUID:
    claims = jwt.decode(headers["Authorization"].split()[1], options={"verify_signature": False})
    return uuid.UUID(claims["sid"])


async def ended(
    db: Database, manager_id: int
) -> dict[uuid.UUID, tuple[datetime | None, str | None]]:
    """Each session of the manager: when it was revoked and why (None, None while live)."""
    async with db.sessionmaker() as s:
        rows = await s.execute(
            select(AuthSession.id, AuthSession.revoked_at, AuthSession.revoked_reason).where(
                AuthSession.manager_id == manager_id
            )
        )
        return {sid: (at, reason) for sid, at, reason in rows}


async def logout(client: httpx.AsyncClient, refresh: str) -> None:
    client.cookies.clear()
    client.cookies.set(COOKIE, refresh, path=COOKIE_PATH)
    assert (await client.post(f"{COOKIE_PATH}/logout")).status_code == 204


async def change_password(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    r = await client.post(
        f"{COOKIE_PATH}/password",
        headers=headers,
        json={"current_password": TEST_PASSWORD, "new_password": "Новый-пароль-на-день-9"},
    )
    assert r.status_code == 204, r.text


async def status(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    return (await client.get(ME, headers=headers)).status_code


async def test_disabling_ends_every_session_of_that_manager_only(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database, admin_headers: dict[str, Any]
) -> None:
    manager, other = await factory.manager(), await factory.manager()
    first, _ = await sign_in(client, manager)
    second, _ = await sign_in(client, manager)
    bystander, _ = await sign_in(client, other)
    gone, refresh = await sign_in(client, manager)
    await logout(client, refresh)
    logged_out = (await ended(clean_db, manager.id))[session_of(gone)]

    url = f"/api/manager/admin/managers/{manager.id}"
    r = await client.patch(url, headers=admin_headers, json={"is_active": False})
    assert r.status_code == 200, r.text
    sessions = await ended(clean_db, manager.id)
    assert sessions.pop(session_of(gone)) == logged_out  # ended before: left as it was
    assert set(sessions) == {session_of(first), session_of(second)}
    assert all(at is not None and reason == "disabled" for at, reason in sessions.values())
    assert set((await ended(clean_db, other.id)).values()) == {(None, None)}
    assert await status(client, bystander) == 200

    # Enabled again: the sessions ended stay ended as they were, a new login works.
    r = await client.patch(url, headers=admin_headers, json={"is_active": True})
    assert r.status_code == 200, r.text
    assert await ended(clean_db, manager.id) == {**sessions, session_of(gone): logged_out}
    assert await status(client, first) == 401
    fresh, _ = await sign_in(client, manager)
    assert await status(client, fresh) == 200
    assert (await ended(clean_db, manager.id))[session_of(fresh)] == (None, None)


async def test_a_logout_ends_its_own_session_only(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    manager, other = await factory.manager(), await factory.manager()
    kept, _ = await sign_in(client, manager)
    leaving, refresh = await sign_in(client, manager)
    bystander, _ = await sign_in(client, other)

    await logout(client, refresh)
    sessions = await ended(clean_db, manager.id)
    at, reason = sessions[session_of(leaving)]
    assert at is not None and reason == "logout"
    assert sessions[session_of(kept)] == (None, None)
    assert (await status(client, kept), await status(client, leaving)) == (200, 401)
    assert await status(client, bystander) == 200

    # The same cookie again ends nothing more and rewrites nothing.
    await logout(client, refresh)
    assert await ended(clean_db, manager.id) == sessions


async def test_a_logout_keeps_the_reason_a_session_ended_for(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    manager = await factory.manager()
    headers, refresh = await sign_in(client, manager)
    await change_password(client, headers)
    before = await ended(clean_db, manager.id)
    assert before[session_of(headers)][1] == "password_changed"
    await logout(client, refresh)
    assert await ended(clean_db, manager.id) == before


async def test_an_access_token_as_the_refresh_cookie_logs_nothing_out(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    manager = await factory.manager()
    headers, _ = await sign_in(client, manager)
    await logout(client, headers["Authorization"].split()[1])
    assert await status(client, headers) == 200
    assert set((await ended(clean_db, manager.id)).values()) == {(None, None)}


@pytest.fixture
def far_east_host(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's local time zone ten hours ahead of UTC."""
    monkeypatch.setenv("TZ", "Asia/Vladivostok")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


async def test_the_password_change_time_is_recorded_in_utc(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database, far_east_host: None
) -> None:
    manager = await factory.manager()
    headers, _ = await sign_in(client, manager)
    await change_password(client, headers)
    async with clean_db.sessionmaker() as s:
        changed = await s.scalar(
            select(Manager.password_changed_at).where(Manager.id == manager.id)
        )
    assert changed is not None
    assert abs(changed - datetime.now(UTC)) < timedelta(minutes=10)
