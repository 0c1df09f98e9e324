"""Tariff catalogue, admin editing and applying a tariff to a client."""

from __future__ import annotations

from privet_manager.tariffs.models import ClientTariff, Tariff
from privet_manager.tariffs.service import seed_default_tariffs
from sqlalchemy import func, select

from tests.conftest import login
from tests.contracts.helpers import API, ready_client


async def test_seed_is_idempotent(clean_db, session) -> None:
    async with clean_db.sessionmaker() as s, s.begin():
        assert await seed_default_tariffs(s) == 3
    async with clean_db.sessionmaker() as s, s.begin():
        assert await seed_default_tariffs(s) == 0
    names = (await session.scalars(select(Tariff.name).order_by(Tariff.base_price))).all()
    assert names == ["Базовый", "Семейный", "Премиум"]


async def test_admin_manages_the_catalogue(
    client, admin_headers, manager_headers, clean_db
) -> None:
    async with clean_db.sessionmaker() as s, s.begin():
        await seed_default_tariffs(s)
    body = {
        "code": "biz",
        "name": "Бизнес",
        "base_price": "2990.00",
        "included_devices": 10,
        "extra_device_price": "150.50",
        "kind_multipliers": {"tv": "2.00"},
    }
    r = await client.post(f"{API}/admin/tariffs", json=body, headers=manager_headers)
    assert r.status_code == 403
    r = await client.post(f"{API}/admin/tariffs", json=body, headers=admin_headers)
    assert r.status_code == 201, r.text
    assert r.json()["extra_device_price"] == "150.50"
    assert r.json()["kind_multipliers"] == {"tv": "2.00"}
    r = await client.post(f"{API}/admin/tariffs", json=body, headers=admin_headers)
    assert r.status_code == 409 and r.json()["errors"][0]["loc"] == ["body", "code"]
    for bad in (
        {**body, "code": "Bad Code"},
        {**body, "base_price": "-1"},
        {**body, "base_price": 12.5},
        {**body, "kind_multipliers": {"spaceship": "1.00"}},
        {**body, "kind_multipliers": {"tv": "0"}},
        {**body, "included_devices": -1},
    ):
        r = await client.post(f"{API}/admin/tariffs", json=bad, headers=admin_headers)
        assert r.status_code == 422, bad

    r = await client.patch(
        f"{API}/admin/tariffs/biz", json={"base_price": "3190.00"}, headers=admin_headers
    )
    assert r.status_code == 200 and r.json()["base_price"] == "3190.00"
    listed = await client.get(f"{API}/tariffs", headers=manager_headers)
    assert "biz" in [t["code"] for t in listed.json()["items"]]
    r = await client.patch(
        f"{API}/admin/tariffs/biz", json={"is_active": False}, headers=admin_headers
    )
    assert r.status_code == 200 and r.json()["is_active"] is False
    listed = await client.get(f"{API}/tariffs", headers=manager_headers)
    assert [t["code"] for t in listed.json()["items"]] == ["basic", "family", "premium"]
    everything = await client.get(f"{API}/admin/tariffs", headers=admin_headers)
    assert len(everything.json()["items"]) == 4
    r = await client.patch(f"{API}/admin/tariffs/nope", json={}, headers=admin_headers)
    assert r.status_code == 404


async def test_apply_fixes_the_calculation_on_the_client(
    client, factory, clean_db, session
) -> None:
    manager = await factory.manager()
    headers = await login(client, manager)
    ready = await ready_client(clean_db, manager, devices=("phone", "tv", "laptop", "tablet"))
    url = f"{API}/clients/{ready.client_id}/tariff/apply"
    r = await client.post(url, json={"tariff_code": "family"}, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    # family: 990 covers three (laptop 1.40, tv 1.20, then the first of phone/tablet);
    # the fourth costs 250.
    assert body["base"] == "990.00"
    assert body["devices_part"] == "250.00"
    assert body["total"] == "1240.00"
    assert body["already_paid"] == "0.00"
    assert body["surcharge"] == "1240.00"
    assert body["current_step"] == "4"
    # The term the total is for, as the tariff states it (the screen says «за 12 месяцев»).
    assert body["period_months"] == 12
    card = (await client.get(f"{API}/clients/{ready.client_id}", headers=headers)).json()
    assert card["tariff"]["period_months"] == 12
    assert len(body["breakdown"]) == 5
    assert sum(float(x["amount"]) for x in body["breakdown"]) == 1240.0
    fixed = await session.scalar(select(ClientTariff))
    assert fixed is not None and fixed.tariff_code == "family" and fixed.device_count == 4

    r = await client.post(url, json={"tariff_code": "basic"}, headers=headers)
    assert r.status_code == 200
    assert await session.scalar(select(func.count()).select_from(ClientTariff)) == 1
    for bad, status in (("nope", 404), ("", 422)):
        r = await client.post(url, json={"tariff_code": bad}, headers=headers)
        assert r.status_code == status
    other = await login(client, await factory.manager())
    assert (await client.post(url, json={"tariff_code": "basic"}, headers=other)).status_code == 403


async def test_apply_needs_a_device(client, factory, clean_db) -> None:
    manager = await factory.manager()
    headers = await login(client, manager)
    ready = await ready_client(clean_db, manager, devices=())
    r = await client.post(
        f"{API}/clients/{ready.client_id}/tariff/apply",
        json={"tariff_code": "basic"},
        headers=headers,
    )
    assert r.status_code == 409 and r.json()["code"] == "no_devices"
