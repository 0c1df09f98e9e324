"""Rotation grace over real HTTP: a refresh whose answer was lost, two refreshes racing with
one token, and the same token presented after the grace period (reuse: the family dies)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from privet_manager.kit import db as kit_db
from sqlalchemy import text

from tests.conftest import TEST_PASSWORD, Factory
from tests.live import LiveServer, live_server

GRACE = 3  # seconds: short, so that the test can wait it out
AUTH = "/api/manager/auth"


@pytest.fixture(scope="module")
def api(database_url: str) -> Iterator[LiveServer]:
    env = {"REFRESH_REUSE_GRACE_SECONDS": str(GRACE), "LOG_LEVEL": "INFO"}
    with live_server(env) as server:
        yield server


@pytest.fixture
async def browser(api: LiveServer, clean_db: kit_db.Database) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=api.url, timeout=30) as c:
        yield c


async def _login(c: httpx.AsyncClient, factory: Factory) -> str:
    manager = await factory.manager()
    r = await c.post(f"{AUTH}/login", json={"email": manager.email, "password": TEST_PASSWORD})
    assert r.status_code == 200, r.text
    return _cookie(r)


def _cookie(r: httpx.Response) -> str:
    value = r.cookies.get("pm_refresh")
    assert value
    return value


async def _refresh_with(c: httpx.AsyncClient, token: str) -> httpx.Response:
    """The refresh as a browser holding `token` makes it (no cookie jar between the calls)."""
    c.cookies.clear()
    return await c.post(f"{AUTH}/refresh", headers={"Cookie": f"pm_refresh={token}"})


async def _me(c: httpx.AsyncClient, access: str) -> int:
    r = await c.get(f"{AUTH}/me", headers={"Authorization": f"Bearer {access}"})
    return r.status_code


def _security_events(api: LiveServer, event: str) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in api.log().splitlines() if line.startswith("{")]
    return [e for e in lines if e.get("event") == event]


async def _family(db: kit_db.Database) -> list[tuple[str, bool, str | None]]:
    """(jti, used, the session's revocation reason) of every refresh token there is."""
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT t.jti, t.used_at IS NOT NULL, s.revoked_reason"
                " FROM manager_refresh_tokens t JOIN manager_auth_sessions s"
                " ON s.id = t.session_id ORDER BY t.issued_at"
            )
        )
        return [(r[0], r[1], r[2]) for r in rows]


async def test_a_refresh_whose_answer_was_lost_gets_the_current_token(
    api: LiveServer, browser: httpx.AsyncClient, factory: Factory, clean_db: kit_db.Database
) -> None:
    first = await _login(browser, factory)
    r = await _refresh_with(browser, first)
    assert r.status_code == 200
    successor = _cookie(r)
    assert successor != first

    # The answer never reached the tablet: it presents the rotated token again.
    grace = await _refresh_with(browser, first)
    assert grace.status_code == 200, grace.text
    assert _cookie(grace) == successor  # the current refresh cookie, not a new one
    assert await _me(browser, grace.json()["access_token"]) == 200
    family = await _family(clean_db)
    assert [used for _, used, _ in family] == [True, False]
    assert {reason for *_, reason in family} == {None}  # the family is kept
    events = _security_events(api, "refresh_grace")
    assert events and events[-1]["level"] == "info"

    # The family goes on rotating from the successor.
    after = await _refresh_with(browser, successor)
    assert after.status_code == 200
    assert _cookie(after) not in (first, successor)


async def test_parallel_refreshes_with_one_token_rotate_it_once(
    api: LiveServer, browser: httpx.AsyncClient, factory: Factory, clean_db: kit_db.Database
) -> None:
    token = await _login(browser, factory)

    async def one() -> httpx.Response:
        async with httpx.AsyncClient(base_url=api.url, timeout=30) as c:
            return await _refresh_with(c, token)

    answers = await asyncio.gather(*(one() for _ in range(8)))
    assert [r.status_code for r in answers] == [200] * 8
    cookies = {r.cookies.get("pm_refresh") for r in answers}
    assert len(cookies) == 1  # one rotation; every racer got its result
    family = await _family(clean_db)
    assert [used for _, used, _ in family] == [True, False]
    assert {reason for *_, reason in family} == {None}
    for r in answers:
        assert await _me(browser, r.json()["access_token"]) == 200


async def test_a_token_reused_after_the_grace_period_revokes_the_family(
    api: LiveServer, browser: httpx.AsyncClient, factory: Factory, clean_db: kit_db.Database
) -> None:
    stolen = await _login(browser, factory)
    r = await _refresh_with(browser, stolen)
    assert r.status_code == 200
    access, rotated = r.json()["access_token"], _cookie(r)

    await asyncio.sleep(GRACE + 0.5)
    reuse = await _refresh_with(browser, stolen)
    assert reuse.status_code == 401
    assert reuse.json()["code"] == "session_revoked"
    assert (await _refresh_with(browser, rotated)).status_code == 401
    assert await _me(browser, access) == 401
    assert {reason for *_, reason in await _family(clean_db)} == {"refresh_reuse"}
    events = _security_events(api, "refresh_reuse")
    assert events and events[-1]["level"] == "warning"
    assert float(str(events[-1]["rotated_seconds_ago"])) >= GRACE
