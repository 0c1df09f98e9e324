"""Every way a token can be wrong ends in 401, never 500."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx
import jwt
import pytest
from privet_manager.settings import get_settings

from tests.conftest import TEST_PASSWORD, Factory, login

ME = "/api/manager/auth/me"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def _claims(client: httpx.AsyncClient, factory: Factory) -> dict[str, Any]:
    headers = await login(client, await factory.manager())
    token = headers["Authorization"].split()[1]
    return jwt.decode(token, options={"verify_signature": False})


async def _status(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get(ME, headers={"Authorization": f"Bearer {token}"})


async def test_alg_none_is_refused(client: httpx.AsyncClient, factory: Factory) -> None:
    claims = await _claims(client, factory)
    token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    r = await _status(client, token)
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"


async def test_wrong_key_is_refused(client: httpx.AsyncClient, factory: Factory) -> None:
    claims = await _claims(client, factory)
    token = jwt.encode(claims, "another-secret-of-sufficient-length-0123", algorithm="HS256")
    assert (await _status(client, token)).status_code == 401


async def test_token_without_exp_is_refused(client: httpx.AsyncClient, factory: Factory) -> None:
    claims = await _claims(client, factory)
    claims.pop("exp")
    token = jwt.encode(claims, get_settings().manager_jwt_secret, algorithm="HS256")
    assert (await _status(client, token)).status_code == 401


async def test_expired_token_is_refused(client: httpx.AsyncClient, factory: Factory) -> None:
    claims = await _claims(client, factory)
    claims["iat"] = int(time.time()) - 7200
    claims["exp"] = int(time.time()) - 10
    token = jwt.encode(claims, get_settings().manager_jwt_secret, algorithm="HS256")
    assert (await _status(client, token)).status_code == 401


async def test_same_claims_correctly_signed_are_accepted(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    # The control for the tests above: re-signing the real claims with the real key works.
    claims = await _claims(client, factory)
    token = jwt.encode(claims, get_settings().manager_jwt_secret, algorithm="HS256")
    assert (await _status(client, token)).status_code == 200


async def test_refresh_token_is_not_an_access_token(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    await login(client, await factory.manager())
    refresh = client.cookies.get("pm_refresh", path="/api/manager/auth")
    assert refresh is not None
    assert refresh
    assert (await _status(client, refresh)).status_code == 401


@pytest.mark.parametrize(
    "header", [b"Bearer", b"Bearer ", b"Basic abc", b"Bearer a.b.c", "Bearer ☃".encode()]
)
async def test_garbage_authorization(client: httpx.AsyncClient, header: bytes) -> None:
    r = await client.get(ME, headers={"Authorization": header})  # type: ignore[arg-type]  # bytes on purpose
    assert r.status_code == 401
    assert r.json()["status"] == 401


async def test_login_sets_refresh_cookie_and_refresh_rotates(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager = await factory.manager()
    await login(client, manager)
    first = client.cookies.get("pm_refresh", path="/api/manager/auth")
    r = await client.post("/api/manager/auth/refresh")
    assert r.status_code == 200, r.text
    second = client.cookies.get("pm_refresh", path="/api/manager/auth")
    assert second and second != first
    assert (await _status(client, r.json()["access_token"])).status_code == 200


async def test_reused_refresh_token_revokes_the_family(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    import time_machine

    await login(client, await factory.manager())
    stolen = client.cookies.get("pm_refresh", path="/api/manager/auth")
    assert stolen is not None
    r = await client.post("/api/manager/auth/refresh")
    assert r.status_code == 200
    access = r.json()["access_token"]
    rotated = client.cookies.get("pm_refresh", path="/api/manager/auth")
    assert rotated is not None

    # The old token comes back after the grace period (REFRESH_REUSE_GRACE_SECONDS, 60 by
    # default; an attacker, or a replay): refused, and the family dies.
    client.cookies.clear()
    client.cookies.set("pm_refresh", stolen, path="/api/manager/auth")
    with time_machine.travel(time.time() + 61):
        reuse = await client.post("/api/manager/auth/refresh")
    assert reuse.status_code == 401
    assert reuse.json()["code"] == "session_revoked"

    client.cookies.clear()
    client.cookies.set("pm_refresh", rotated, path="/api/manager/auth")
    assert (await client.post("/api/manager/auth/refresh")).status_code == 401
    # The access token of the revoked session is dead as well.
    assert (await _status(client, access)).status_code == 401


async def test_refresh_without_cookie(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/manager/auth/refresh")
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"


async def test_refresh_session_is_capped_at_twelve_hours(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    import time_machine

    manager = await factory.manager()
    with time_machine.travel(time.time(), tick=True) as traveller:
        await login(client, manager)
        traveller.shift(11 * 3600)
        assert (await client.post("/api/manager/auth/refresh")).status_code == 200
        traveller.shift(3600 + 5)
        r = await client.post("/api/manager/auth/refresh")
        assert r.status_code == 401


async def test_logout_ends_access_and_refresh(client: httpx.AsyncClient, factory: Factory) -> None:
    headers = await login(client, await factory.manager())
    refresh = client.cookies.get("pm_refresh", path="/api/manager/auth")
    assert refresh is not None
    r = await client.post("/api/manager/auth/logout")
    assert r.status_code == 204
    assert (await client.get(ME, headers=headers)).status_code == 401
    client.cookies.set("pm_refresh", refresh, path="/api/manager/auth")
    assert (await client.post("/api/manager/auth/refresh")).status_code == 401


async def test_login_password_field_is_never_echoed(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager = await factory.manager()
    r = await client.post("/api/manager/auth/login", json={"email": manager.email, "password": 5})
    assert r.status_code == 422
    assert TEST_PASSWORD not in r.text


async def test_a_token_already_accepted_is_still_checked_on_every_request(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    # Verified tokens are cached (auth/service.py); the cache must not outlive the session,
    # the token's exp or a changed signing key.
    import time_machine

    manager = await factory.manager()
    with time_machine.travel(time.time(), tick=True) as traveller:
        headers = await login(client, manager)
        assert (await client.get(ME, headers=headers)).status_code == 200
        traveller.shift(get_settings().manager_access_token_expire_minutes * 60 + 5)
        r = await client.get(ME, headers=headers)
        assert r.status_code == 401 and r.json()["code"] == "invalid_token"

    headers = await login(client, manager)
    assert (await client.get(ME, headers=headers)).status_code == 200
    settings = get_settings()
    secret = settings.manager_jwt_secret
    settings.manager_jwt_secret = secret + "-rotated"
    try:
        assert (await client.get(ME, headers=headers)).status_code == 401
    finally:
        settings.manager_jwt_secret = secret
    assert (await client.get(ME, headers=headers)).status_code == 200
    assert (await client.post("/api/manager/auth/logout")).status_code == 204
    r = await client.get(ME, headers=headers)
    assert r.status_code == 401 and r.json()["code"] == "session_revoked"
