from __future__ import annotations

import httpx

from tests.conftest import TEST_PASSWORD, Factory, login


async def test_login_me_round_trip(client: httpx.AsyncClient, factory: Factory) -> None:
    manager = await factory.manager(role="admin")
    r = await client.post(
        "/api/manager/auth/login", json={"email": manager.email.upper(), "password": TEST_PASSWORD}
    )
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 120 * 60
    assert body["manager"]["role"] == "admin"
    cookie = r.headers["set-cookie"]
    assert "pm_refresh=" in cookie and "HttpOnly" in cookie
    assert "Path=/api/manager/auth" in cookie and "SameSite=strict" in cookie
    me = await client.get(
        "/api/manager/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json()["email"] == manager.email


async def test_me_requires_token(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/manager/auth/me")
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"


async def test_login_helper(client: httpx.AsyncClient, factory: Factory) -> None:
    headers = await login(client, await factory.manager())
    assert (await client.get("/api/manager/auth/me", headers=headers)).status_code == 200


async def test_a_manager_created_as_admin_is_one(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """The role asked for is the role stored (the model's default is "manager")."""
    r = await client.post(
        "/api/manager/admin/managers",
        headers=admin_headers,
        json={"email": "Second.Admin@example.ru", "name": " Вторая ", "role": "admin"},
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert (created["role"], created["email"], created["name"]) == (
        "admin",
        "Second.Admin@example.ru",
        "Вторая",
    )
    r = await client.post(
        "/api/manager/auth/login",
        json={"email": "second.admin@example.ru", "password": created["password"]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["manager"]["role"] == "admin"
