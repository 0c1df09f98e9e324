"""Refresh rotation in-process (the live-server tests of tests/auth/test_refresh_grace.py run
the API in another process): the grace answer is the family's own current token, the grace
and the session's cap end exactly at their boundary, a token whose id and session do not
belong together is refused, and a rotation waits for the locks of its token and session."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
import time_machine
from privet_manager.auth.models import AuthSession, RefreshToken
from privet_manager.kit.db import Database
from privet_manager.kit.security import create_jwt
from privet_manager.settings import get_settings
from sqlalchemy import select, text

from tests.auth.test_revocation import ended, session_of, sign_in
from tests.conftest import Factory

AUTH = "/api/manager/auth"


async def rotate(client: httpx.AsyncClient, token: str) -> httpx.Response:
    client.cookies.clear()
    return await client.post(f"{AUTH}/refresh", headers={"Cookie": f"pm_refresh={token}"})


def cookie(r: httpx.Response) -> str:
    assert r.status_code == 200, r.text
    value = r.cookies.get("pm_refresh")
    assert value
    return value


def sid(access_or_refresh: str) -> uuid.UUID:
    return uuid.UUID(jwt.decode(access_or_refresh, options={"verify_signature": False})["sid"])


async def used_at(db: Database, token: str) -> datetime:
    jti = jwt.decode(token, options={"verify_signature": False})["jti"]
    async with db.sessionmaker() as s:
        at = await s.scalar(select(RefreshToken.used_at).where(RefreshToken.jti == jti))
    assert at is not None
    return at


def security_events(caplog: pytest.LogCaptureFixture, event: str) -> list[tuple[str, int, float]]:
    """(level, manager id, seconds since the rotation) of each such event; the seconds a
    float rounded to a tenth."""
    found = [r for r in caplog.records if getattr(r, "event", None) == event]
    assert all(isinstance(getattr(r, "rotated_seconds_ago", None), float) for r in found)
    return [
        (r.levelname, getattr(r, "manager_id"), getattr(r, "rotated_seconds_ago")) for r in found
    ]


async def test_the_grace_answer_is_the_familys_current_token(
    client: httpx.AsyncClient,
    factory: Factory,
    clean_db: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    manager = await factory.manager()
    a_headers, a1 = await sign_in(client, manager)
    _, b1 = await sign_in(client, manager)
    a2 = cookie(await rotate(client, a1))
    b2 = cookie(await rotate(client, b1))  # issued after a2: the newest unused token anywhere
    grace = get_settings().refresh_reuse_grace_seconds
    at = await used_at(clean_db, a1) + timedelta(seconds=grace - 0.74)
    security = caplog.at_level(logging.INFO, logger="privet_manager.security")
    with security, time_machine.travel(at, tick=False):
        again = await rotate(client, a1)
    assert cookie(again) == a2 != b2
    assert security_events(caplog, "refresh_grace") == [
        ("INFO", manager.id, round(grace - 0.74, 1))
    ]
    assert sid(again.json()["access_token"]) == session_of(a_headers)
    # Answered again, not rotated: a2 is still the family's live token.
    assert cookie(await rotate(client, a2)) not in (a1, a2)


@pytest.mark.parametrize("late", [0, 0.26])
async def test_the_grace_ends_exactly_at_its_boundary(
    client: httpx.AsyncClient,
    factory: Factory,
    clean_db: Database,
    caplog: pytest.LogCaptureFixture,
    late: float,
) -> None:
    manager = await factory.manager()
    headers, first = await sign_in(client, manager)
    _, other = await sign_in(client, manager)
    cookie(await rotate(client, first))
    grace = get_settings().refresh_reuse_grace_seconds
    at = await used_at(clean_db, first) + timedelta(seconds=grace + late)
    security = caplog.at_level(logging.INFO, logger="privet_manager.security")
    with security, time_machine.travel(at, tick=False):
        r = await rotate(client, first)
    assert r.status_code == 401 and r.json()["code"] == "session_revoked"
    assert security_events(caplog, "refresh_reuse") == [
        ("WARNING", manager.id, round(grace + late, 1))
    ]
    sessions = await ended(clean_db, manager.id)
    assert sessions[session_of(headers)][1] == "refresh_reuse"
    assert sessions[sid(other)] == (None, None)  # another family of the same manager lives


async def test_the_session_cap_ends_exactly_at_its_boundary(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    manager = await factory.manager()
    _, token = await sign_in(client, manager)
    async with clean_db.sessionmaker() as s:
        expires_at = await s.scalar(
            select(AuthSession.expires_at).where(AuthSession.id == sid(token))
        )
    assert expires_at is not None
    with time_machine.travel(expires_at - timedelta(seconds=1), tick=False):
        token = cookie(await rotate(client, token))
    with time_machine.travel(expires_at, tick=False):
        r = await rotate(client, token)
        assert r.status_code == 401 and r.json()["code"] == "session_expired"
        # The token's own exp ends with the session: one minted with the key to outlive it
        # is refused by the session's cap alone, from its very instant.
        outliving = mint(jwt.decode(token, options={"verify_signature": False}))
        r = await rotate(client, outliving)
        assert r.status_code == 401 and r.json()["code"] == "session_expired"


def mint(claims: dict[str, Any]) -> str:
    token, _ = create_jwt(
        get_settings().manager_jwt_secret,
        subject=claims["sub"],
        token_type="refresh",
        ttl=timedelta(hours=1),
        sid=claims["sid"],
        jti=claims["jti"],
    )
    return token


@pytest.mark.parametrize("mixed", ["another_session", "unknown_session", "unknown_jti"])
async def test_a_token_whose_id_and_session_do_not_match_is_refused(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database, mixed: str
) -> None:
    """Minted with the key itself: only the rows can tell the token is not one we issued."""
    manager = await factory.manager()
    _, mine = await sign_in(client, manager)
    _, theirs = await sign_in(client, manager)
    claims = jwt.decode(mine, options={"verify_signature": False})
    claims["sid"] = {
        "another_session": str(sid(theirs)),
        "unknown_session": str(uuid.uuid4()),
        "unknown_jti": claims["sid"],
    }[mixed]
    if mixed == "unknown_jti":
        claims["jti"] = uuid.uuid4().hex
    r = await rotate(client, mint(claims))
    assert r.status_code == 401 and r.json()["code"] == "session_expired"
    assert set((await ended(clean_db, manager.id)).values()) == {(None, None)}


@pytest.mark.parametrize("locked", [RefreshToken.__tablename__, AuthSession.__tablename__])
async def test_a_rotation_waits_for_the_rows_it_locks(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database, locked: str
) -> None:
    """Another transaction holds the token's or the session's row: the rotation waits for
    it (seen waiting on a lock in pg_stat_activity) and goes on once it ends."""
    manager = await factory.manager()
    _, token = await sign_in(client, manager)
    claims = jwt.decode(token, options={"verify_signature": False})
    key = ("jti", claims["jti"]) if locked == RefreshToken.__tablename__ else ("id", claims["sid"])
    async with clean_db.engine.connect() as holder, clean_db.engine.connect() as watcher:
        # NO KEY UPDATE: it conflicts with the rotation's FOR UPDATE, not with the foreign
        # key check of the token the rotation inserts.
        lock = f"SELECT 1 FROM {locked} WHERE {key[0]} = :v FOR NO KEY UPDATE"
        await holder.execute(text(lock), {"v": key[1] if key[0] == "jti" else uuid.UUID(key[1])})
        rotation = asyncio.create_task(rotate(client, token))
        waiting = 0
        for _ in range(600):  # up to a minute on a busy machine, polling every 0.1 s
            await asyncio.sleep(0.1)
            assert not rotation.done(), "the rotation did not wait for the lock"
            waiting = (
                await watcher.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND wait_event_type = 'Lock'"
                    )
                )
                or 0
            )
            if waiting:
                break
        assert waiting == 1
        await holder.rollback()
    assert cookie(await rotation) != token


async def test_a_manager_disabled_behind_the_sessions_back_cannot_refresh(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    """The account is checked at each rotation, not only the session (an account disabled
    by a writer that did not end its sessions)."""
    manager = await factory.manager()
    _, token = await sign_in(client, manager)
    token = cookie(await rotate(client, token))
    async with clean_db.engine.begin() as conn:
        await conn.execute(
            text("UPDATE manager_users SET is_active = false WHERE id = :id"), {"id": manager.id}
        )
    r = await rotate(client, token)
    assert r.status_code == 401 and r.json()["code"] == "session_expired"
