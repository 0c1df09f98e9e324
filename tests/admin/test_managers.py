"""Managing managers: one-time passwords, the guards, and the audit log of every action."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import text

from tests.conftest import Factory, login

API = "/api/manager"
M = f"{API}/admin/managers"


async def _audit(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    r = await client.get(f"{API}/admin/audit", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_created_manager_gets_a_one_time_password_that_logs_in(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.manager(role="admin")
    headers = await login(client, admin)
    r = await client.post(
        M, json={"email": "Olga@Privet-Super.ru", "name": "Ольга"}, headers=headers
    )
    assert r.status_code == 201, r.text
    created = r.json()
    password = created["password"]
    assert len(password) >= 16
    ok = await client.post(
        f"{API}/auth/login", json={"email": "olga@privet-super.ru", "password": password}
    )
    assert ok.status_code == 200, ok.text
    listed = await client.get(M, headers=headers)
    assert all("password" not in m for m in listed.json())
    (entry,) = await _audit(client, headers)
    assert entry["action"] == "manager.created"
    assert entry["target_id"] == str(created["id"])
    assert entry["admin_id"] == admin.id and entry["admin_name"] == admin.name


async def test_reset_password_ends_sessions_and_the_new_one_works(
    client: httpx.AsyncClient, factory: Factory, admin_headers: dict[str, str]
) -> None:
    manager = await factory.manager()
    old = await login(client, manager)
    r = await client.post(f"{M}/{manager.id}/reset-password", headers=admin_headers)
    assert r.status_code == 200, r.text
    assert (await client.get(f"{API}/auth/me", headers=old)).status_code == 401
    ok = await client.post(
        f"{API}/auth/login", json={"email": manager.email, "password": r.json()["password"]}
    )
    assert ok.status_code == 200
    (entry,) = await _audit(client, admin_headers)
    assert entry["action"] == "manager.password_changed"
    assert entry["payload"] == {"generated": True}


async def test_the_last_active_admin_cannot_be_disabled_or_demoted(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.manager(role="admin")
    await factory.manager(role="admin", is_active=False)  # a disabled admin does not count
    headers = await login(client, admin)
    r = await client.patch(f"{M}/{admin.id}", json={"is_active": False}, headers=headers)
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["code"] == "last_admin"
    assert "последний активный администратор" in body["detail"]
    assert (await client.get(f"{API}/auth/me", headers=headers)).json()["is_active"] is True
    assert await _audit(client, headers) == []
    # With a second active admin, the first may leave (its sessions end).
    other = await factory.manager(role="admin")
    r = await client.patch(f"{M}/{admin.id}", json={"is_active": False}, headers=headers)
    assert r.status_code == 200, r.text
    assert (await client.get(f"{API}/auth/me", headers=headers)).status_code == 401
    # Now `other` is the last one: demoting it is refused as well (here by itself: own role
    # first), and another admin cannot take its role away once it would leave none.
    oh = await login(client, other)
    r = await client.patch(f"{M}/{other.id}", json={"role": "manager"}, headers=oh)
    assert r.status_code == 403 and r.json()["code"] == "own_role"
    r = await client.patch(f"{M}/{other.id}", json={"is_active": False}, headers=oh)
    assert r.status_code == 409 and r.json()["code"] == "last_admin"


async def test_an_admin_cannot_change_their_own_role(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.manager(role="admin")
    await factory.manager(role="admin")
    headers = await login(client, admin)
    r = await client.patch(f"{M}/{admin.id}", json={"role": "manager"}, headers=headers)
    assert r.status_code == 403 and r.json()["code"] == "own_role"
    assert r.json()["errors"][0]["loc"] == ["body", "role"]
    # Naming the role one has already is no change, and renaming oneself is fine.
    r = await client.patch(
        f"{M}/{admin.id}", json={"role": "admin", "name": "Старший"}, headers=headers
    )
    assert r.status_code == 200 and r.json()["name"] == "Старший"


async def test_two_admins_disabling_each_other_at_once_leave_one(
    client: httpx.AsyncClient, factory: Factory, clean_db
) -> None:
    a = await factory.manager(role="admin")
    b = await factory.manager(role="admin")
    ha, hb = await login(client, a), await login(client, b)
    r1, r2 = await asyncio.gather(
        client.patch(f"{M}/{b.id}", json={"is_active": False}, headers=ha),
        client.patch(f"{M}/{a.id}", json={"is_active": False}, headers=hb),
    )
    # The loser meets the guard (409) or, when its own account went first, its ended
    # session (401): never both through.
    assert sorted([r1.status_code, r2.status_code]) in ([200, 401], [200, 409]), (
        r1.text,
        r2.text,
    )
    async with clean_db.sessionmaker() as s:
        active = await s.scalar(
            text("SELECT count(*) FROM manager_users WHERE role = 'admin' AND is_active")
        )
    assert active == 1


async def test_every_admin_action_is_in_the_audit_log(
    client: httpx.AsyncClient, factory: Factory, admin_headers: dict[str, str]
) -> None:
    manager = await factory.manager()
    steps = [
        {"name": "Пётр Новый"},
        {"role": "admin"},
        {"role": "manager"},
        {"is_active": False},
        {"is_active": True},
        {"password": "Another-Horse-Battery-9"},
    ]
    for body in steps:
        r = await client.patch(f"{M}/{manager.id}", json=body, headers=admin_headers)
        assert r.status_code == 200, r.text
    # A refused change logs nothing.
    r = await client.patch(f"{M}/{manager.id}", json={"password": "short"}, headers=admin_headers)
    assert r.status_code == 422
    actions = [e["action"] for e in reversed(await _audit(client, admin_headers))]
    assert actions == [
        "manager.renamed",
        "manager.role_changed",
        "manager.role_changed",
        "manager.disabled",
        "manager.enabled",
        "manager.password_changed",
    ]
    assert all(e["target_type"] == "manager" for e in await _audit(client, admin_headers))


async def test_audit_is_paged(
    client: httpx.AsyncClient, factory: Factory, admin_headers: dict[str, str]
) -> None:
    manager = await factory.manager()
    for i in range(5):
        r = await client.patch(
            f"{M}/{manager.id}", json={"name": f"Имя {i}"}, headers=admin_headers
        )
        assert r.status_code == 200
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        r = await client.get(f"{API}/admin/audit", params=params, headers=admin_headers)
        assert r.status_code == 200
        page = r.json()
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen, reverse=True) and len(seen) == 5
    r = await client.get(f"{API}/admin/audit?cursor=nonsense", headers=admin_headers)
    assert r.status_code == 422


async def test_a_manager_gets_403_on_every_admin_and_analytics_route(
    client: httpx.AsyncClient, app, manager_headers: dict[str, str]
) -> None:
    routes = [
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith((f"{API}/admin", f"{API}/analytics"))
        for method in operations
    ]
    assert len(routes) >= 10, routes
    for method, path in routes:
        url = (
            path.replace("{manager_id}", "1")
            .replace("{client_id}", "1")
            .replace("{contract_id}", "1")
            .replace("{code}", "basic")
        )
        r = await client.request(method, url, headers=manager_headers, json={})
        assert r.status_code == 403, (method, path, r.text)
        assert r.json()["code"] == "admin_only"
