"""Manager B against every client-scoped endpoint of manager A's client: refused, nothing
changed. Routes are taken from the OpenAPI schema, so new endpoints are covered as they come."""

from __future__ import annotations

from typing import Any

import httpx
from privet_manager.activity.models import ActivityEntry
from privet_manager.clients.models import Client, Passport
from privet_manager.devices.models import DevicePhoto, ManagerDevice
from privet_manager.legacy.models import User
from sqlalchemy import select

from tests.clients.arrange import fill_path, filled_client
from tests.clients.factories import make_client
from tests.conftest import Factory, login

# Bookkeeping of logins and throttling may change; nothing else may.
IGNORED = {"manager_rate_limits", "manager_auth_sessions", "manager_refresh_tokens"}


async def snapshot(db: Any) -> dict[str, Any]:
    from privet_manager.models import Base

    async with db.sessionmaker() as s:
        out: dict[str, Any] = {}
        for table in Base.metadata.sorted_tables:
            if table.name in IGNORED:
                continue
            rows = (await s.execute(select(table))).all()
            out[table.name] = sorted(tuple(map(repr, r)) for r in rows)
        for model in (Client, User, Passport, ManagerDevice, DevicePhoto, ActivityEntry):
            assert out[model.__tablename__], model  # the arranged data is really there
        return out


def client_scoped_operations(app: Any) -> list[tuple[str, str]]:
    ops = []
    for path, methods in app.openapi()["paths"].items():
        if "{client_id}" in path:
            ops += [(m.upper(), path) for m in methods]
    return ops


async def test_manager_b_cannot_touch_manager_a_client(
    client: httpx.AsyncClient, factory: Factory, clean_db, app
):
    a, b = await factory.manager(), await factory.manager()
    ha, hb = await login(client, a), await login(client, b)
    filled = await filled_client(client, clean_db, a, ha)
    before = await snapshot(clean_db)
    ops = client_scoped_operations(app)
    writes = [(m, p) for m, p in ops if m != "GET"]
    assert len(writes) >= 9, writes  # claim, profile, passport, devices x3, photos x3 at least
    for method, path in ops:
        url = fill_path(path, filled)
        body: Any = {"version": 1}
        r = await client.request(
            method,
            url,
            json=body if method in ("POST", "PUT", "PATCH") else None,
            headers={**hb, "Idempotency-Key": f"matrix-{method}-{path}"},
        )
        if method == "GET":
            assert r.status_code in (200, 403, 404), (method, path, r.status_code, r.text)
            assert "739215" not in r.text, (path, "passport number leaked to another manager")
            continue
        expected = (403, 404, 409) if path.endswith("/claim") else (403, 404)
        assert r.status_code in expected, (method, path, r.status_code, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert await snapshot(clean_db) == before
    # The same holds with the ids of A's client under B's own client: no IDOR.
    own = await filled_client(client, clean_db, b, hb)
    before = await snapshot(clean_db)
    mixed = [
        ("PATCH", f"/api/manager/clients/{own.client_id}/devices/{filled.device_id}"),
        ("DELETE", f"/api/manager/clients/{own.client_id}/devices/{filled.device_id}"),
        (
            "POST",
            f"/api/manager/clients/{own.client_id}/devices/{filled.device_id}/photos/upload-url",
        ),
        ("POST", f"/api/manager/clients/{own.client_id}/devices/{filled.device_id}/photos"),
        (
            "DELETE",
            f"/api/manager/clients/{own.client_id}/devices/{own.device_id}/photos/{filled.photo_id}",
        ),
        (
            "DELETE",
            f"/api/manager/clients/{own.client_id}/devices/{filled.device_id}/photos/{filled.photo_id}",
        ),
    ]
    for method, url in mixed:
        body = (
            {"content_type": "image/jpeg", "size": 10}
            if url.endswith("upload-url")
            else {"file_key": filled.file_key}
            if url.endswith("/photos")
            else {"brand": "X"}
        )
        r = await client.request(method, url, json=body if method != "DELETE" else None, headers=hb)
        assert r.status_code == 404, (method, url, r.status_code, r.text)
    # A's photo key confirmed under B's own device is refused too.
    r = await client.post(
        f"/api/manager/clients/{own.client_id}/devices/{own.device_id}/photos",
        json={"file_key": filled.file_key},
        headers=hb,
    )
    assert r.status_code == 422
    assert await snapshot(clean_db) == before


async def test_the_refusal_says_whether_to_claim_first_or_whose_client_it_is(
    client: httpx.AsyncClient, factory: Factory, clean_db
) -> None:
    """An unclaimed client must be claimed first; another manager's is theirs; an admin may
    change either (clients/deps.py `client_for_write`)."""
    a, b = await factory.manager(), await factory.manager()
    hb = await login(client, b)
    free, theirs = await make_client(clean_db), await make_client(clean_db, a)
    for target, code in ((free, "client_not_claimed"), (theirs, "client_not_yours")):
        r = await client.patch(
            f"/api/manager/clients/{target.id}/profile",
            json={"version": target.version, "name": "Чужой Правит"},
            headers=hb,
        )
        assert r.status_code == 403 and r.json()["code"] == code, r.text
    admin = await login(client, await factory.manager(role="admin"))
    r = await client.patch(
        f"/api/manager/clients/{theirs.id}/profile",
        json={"version": theirs.version, "name": "Админ Правит"},
        headers=admin,
    )
    assert r.status_code == 200, r.text
