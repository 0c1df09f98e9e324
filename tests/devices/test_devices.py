"""Devices: typed in or imported, edited, removed; Idempotency-Key; client versions."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from privet_manager.devices.models import ManagerDevice
from privet_manager.kit.idempotency import IdempotencyKey
from privet_manager.legacy.models import Device
from sqlalchemy import func, select

from tests.clients.factories import load_client, make_client, make_user
from tests.conftest import Factory, login

C = "/api/manager/clients"
PHONE = {"kind": "phone", "brand": "Apple", "model": "iPhone 15", "declared_value": "79990.5"}


async def setup(client: httpx.AsyncClient, factory: Factory, db: Any) -> tuple[dict[str, str], Any]:
    me = await factory.manager()
    return await login(client, me), await make_client(db, manager=me)


async def count_devices(db: Any) -> int:
    async with db.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(ManagerDevice)) or 0)


async def test_create_edit_delete_with_versions(client, factory, clean_db):
    headers, c = await setup(client, factory, clean_db)
    r = await client.post(
        f"{C}/{c.id}/devices",
        json={
            **PHONE,
            "serial_number": "  SN 123  ",
            "purchase_date": "2024-01-15",
            "version": c.version,
        },
        headers=headers,
    )
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["declared_value"] == "79990.50"  # money is a decimal string
    assert d["serial_number"] == "SN 123" and d["photos"] == []
    assert d["client_version"] == c.version + 1
    # A stale version is refused and nothing changes.
    r = await client.patch(
        f"{C}/{c.id}/devices/{d['id']}",
        json={"brand": "Samsung", "version": c.version},
        headers=headers,
    )
    assert r.status_code == 409 and r.json()["code"] == "version_conflict"
    r = await client.patch(
        f"{C}/{c.id}/devices/{d['id']}",
        json={"brand": "Samsung", "declared_value": "100", "version": d["client_version"]},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["brand"] == "Samsung" and r.json()["model"] == "iPhone 15"
    assert r.json()["declared_value"] == "100.00"
    for bad in (
        {"declared_value": "-1"},
        {"declared_value": "1.005"},
        {"declared_value": "1e20"},
        {"kind": "spaceship"},
        {"brand": None},
        {"purchase_date": "2999-01-01"},
    ):
        r = await client.patch(f"{C}/{c.id}/devices/{d['id']}", json=bad, headers=headers)
        assert r.status_code == 422, (bad, r.text)
    card = (await client.get(f"{C}/{c.id}", headers=headers)).json()
    assert [x["brand"] for x in card["devices"]] == ["Samsung"]
    r = await client.delete(f"{C}/{c.id}/devices/{d['id']}", params={"version": 1}, headers=headers)
    assert r.status_code == 409
    r = await client.delete(f"{C}/{c.id}/devices/{d['id']}", headers=headers)
    assert r.status_code == 200 and await count_devices(clean_db) == 0
    assert (
        await client.delete(f"{C}/{c.id}/devices/{d['id']}", headers=headers)
    ).status_code == 404
    timeline = [
        e["action"] for e in (await client.get(f"{C}/{c.id}", headers=headers)).json()["timeline"]
    ]
    assert timeline[:3] == ["device.deleted", "device.updated", "device.added"]


async def test_required_fields_unless_imported(client, factory, clean_db):
    headers, c = await setup(client, factory, clean_db)
    r = await client.post(f"{C}/{c.id}/devices", json={"declared_value": "10"}, headers=headers)
    assert r.status_code == 422
    assert {tuple(e["loc"]) for e in r.json()["errors"]} == {
        ("body", "kind"),
        ("body", "brand"),
        ("body", "model"),
    }
    assert await count_devices(clean_db) == 0


async def test_import_a_device_of_the_same_user_only(client, factory, clean_db):
    headers, c = await setup(client, factory, clean_db)
    stranger = await make_user(clean_db)
    async with clean_db.sessionmaker() as s, s.begin():
        own = Device(
            user_id=c.user_id,
            kind="laptop",
            brand="Lenovo",
            model="ThinkPad X1",
            serial_number="PF-1",
        )
        odd = Device(user_id=c.user_id, kind="квадрокоптер", brand="DJI", model="Mini 4")
        foreign = Device(user_id=stranger.id, kind="phone", brand="Xiaomi", model="13")
        s.add_all([own, odd, foreign])
    shared = (await client.get(f"{C}/{c.id}/shared-devices", headers=headers)).json()
    assert {d["id"] for d in shared} == {own.id, odd.id}
    r = await client.post(
        f"{C}/{c.id}/devices",
        json={"source_device_id": own.id, "declared_value": "120000"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    assert (r.json()["kind"], r.json()["brand"], r.json()["serial_number"]) == (
        "laptop",
        "Lenovo",
        "PF-1",
    )
    assert r.json()["source_device_id"] == own.id
    r = await client.post(
        f"{C}/{c.id}/devices",
        json={"source_device_id": own.id, "declared_value": "1"},
        headers=headers,
    )
    assert r.status_code == 409 and r.json()["code"] == "device_already_imported"
    r = await client.post(
        f"{C}/{c.id}/devices",
        json={"source_device_id": odd.id, "declared_value": "1"},
        headers=headers,
    )
    assert r.status_code == 201 and r.json()["kind"] == "other"
    r = await client.post(
        f"{C}/{c.id}/devices",
        json={"source_device_id": foreign.id, "declared_value": "1"},
        headers=headers,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "source_device_id"]
    assert await count_devices(clean_db) == 2
    shared = (await client.get(f"{C}/{c.id}/shared-devices", headers=headers)).json()
    assert all(d["imported"] for d in shared)


async def test_idempotency_key(client, factory, clean_db):
    headers, c = await setup(client, factory, clean_db)
    key = {"Idempotency-Key": "5f0c6b1e-7d1f-4c33-9a57-1f1f8f2c9d10"}
    first = await client.post(f"{C}/{c.id}/devices", json=PHONE, headers={**headers, **key})
    assert first.status_code == 201, first.text
    again = await client.post(f"{C}/{c.id}/devices", json=PHONE, headers={**headers, **key})
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    assert await count_devices(clean_db) == 1
    assert (await load_client(clean_db, c.id)).version == c.version + 1
    # Same key, another body: refused, nothing written.
    other = await client.post(
        f"{C}/{c.id}/devices", json={**PHONE, "model": "iPhone 16"}, headers={**headers, **key}
    )
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert await count_devices(clean_db) == 1
    # Keys belong to a manager: another manager's identical key is another request.
    admin = await login(client, await factory.manager(role="admin"))
    r = await client.post(f"{C}/{c.id}/devices", json=PHONE, headers={**admin, **key})
    assert r.status_code == 201 and r.json()["id"] != first.json()["id"]
    # A failed request stores nothing: its retry runs for real.
    bad_key = {"Idempotency-Key": "retry-after-failure"}
    r = await client.post(
        f"{C}/{c.id}/devices", json={**PHONE, "version": 1}, headers={**headers, **bad_key}
    )
    assert r.status_code == 409
    async with clean_db.sessionmaker() as s:
        assert await s.get(IdempotencyKey, (c.assigned_manager_id, "retry-after-failure")) is None


async def test_concurrent_retries_have_one_effect(client, factory, clean_db):
    headers, c = await setup(client, factory, clean_db)
    key = {"Idempotency-Key": "tablet-retry-storm"}
    results = await asyncio.gather(
        *(
            client.post(f"{C}/{c.id}/devices", json=PHONE, headers={**headers, **key})
            for _ in range(5)
        )
    )
    codes = sorted(r.status_code for r in results)
    assert set(codes) <= {201, 409}, [r.text for r in results]
    assert 201 in codes
    ids = {r.json()["id"] for r in results if r.status_code == 201}
    assert len(ids) == 1
    for r in results:
        if r.status_code == 409:
            assert r.json()["code"] == "idempotency_in_progress"
    assert await count_devices(clean_db) == 1
