"""An access token never outlives its session's cap, and bcrypt's 72-byte boundary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from privet_manager.auth.models import AuthSession
from privet_manager.kit.security import verify_password
from privet_manager.settings import get_settings
from sqlalchemy import update

from tests.conftest import Factory, login

ME = "/api/manager/auth/me"


async def cap_sessions(factory: Factory, expires_at: datetime) -> None:
    async with factory.db.engine.begin() as conn:
        await conn.execute(update(AuthSession).values(expires_at=expires_at))


async def test_an_access_token_past_its_session_cap_is_refused(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    headers = await login(client, await factory.manager())
    assert (await client.get(ME, headers=headers)).status_code == 200
    assert (await client.get("/api/manager/clients?tab=new", headers=headers)).status_code == 200
    # The token's own `exp` is still ahead; its session's 12 hours are over.
    await cap_sessions(factory, datetime.now(UTC) - timedelta(seconds=1))
    assert (await client.get(ME, headers=headers)).status_code == 401
    # The read paths (the lists, on the read pool) check the same.
    assert (await client.get("/api/manager/clients?tab=new", headers=headers)).status_code == 401


async def test_a_token_issued_near_the_cap_expires_with_the_session(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    await login(client, await factory.manager())
    await cap_sessions(factory, datetime.now(UTC) + timedelta(minutes=10))
    r = await client.post("/api/manager/auth/refresh")
    assert r.status_code == 200, r.text
    assert 590 <= r.json()["expires_in"] <= 600  # not the 120 minutes of a fresh session


async def _create(
    client: httpx.AsyncClient, headers: dict[str, str], password: str
) -> httpx.Response:
    return await client.post(
        "/api/manager/admin/managers",
        headers=headers,
        json={"email": "edge@privet-super.ru", "name": "Граница", "password": password},
    )


@pytest.mark.parametrize(("size", "status"), [(72, 201), (73, 422)])
async def test_the_72_byte_boundary(
    client: httpx.AsyncClient, admin_headers: dict[str, str], size: int, status: int
) -> None:
    # Cyrillic (2 bytes) plus ASCII to land on the exact byte count.
    password = "Ж" * 30 + "q7" + "x" * (size - 62)
    assert len(password.encode()) == size
    r = await _create(client, admin_headers, password)
    assert r.status_code == status, r.text
    login_ = await client.post(
        "/api/manager/auth/login", json={"email": "edge@privet-super.ru", "password": password}
    )
    assert login_.status_code == (200 if size == 72 else 401)
    if size == 72:  # the 73rd byte is not silently dropped: a longer password does not match
        r = await client.post(
            "/api/manager/auth/login",
            json={"email": "edge@privet-super.ru", "password": password[:-1] + "y"},
        )
        assert r.status_code == 401


@pytest.mark.parametrize("claim", ["exp", "iat", "sub", "typ", "sid"])
async def test_a_token_without_a_required_claim_is_refused(
    client: httpx.AsyncClient, factory: Factory, claim: str
) -> None:
    headers = await login(client, await factory.manager())
    claims = jwt.decode(headers["Authorization"].split()[1], options={"verify_signature": False})
    assert (await client.get(ME, headers=headers)).status_code == 200
    claims.pop(claim)
    token = jwt.encode(claims, get_settings().manager_jwt_secret, algorithm="HS256")
    r = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401


def test_a_stored_hash_that_is_not_bcrypt_matches_nothing() -> None:
    assert verify_password("anything", "not-a-bcrypt-hash") is False
    assert verify_password("anything", "") is False
