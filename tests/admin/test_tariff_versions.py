"""Tariff edits make versions; fixed calculations and contracts keep theirs; a retired tariff
leaves step 4 and stays readable on old contracts."""

from __future__ import annotations

import httpx

from tests.conftest import Factory, login
from tests.contracts.helpers import apply_and_generate, ready_client

API = "/api/manager"
T = f"{API}/admin/tariffs"
BODY = {
    "code": "biz",
    "name": "Бизнес",
    "base_price": "2990.00",
    "included_devices": 1,
    "extra_device_price": "150.00",
}


async def test_an_edit_makes_a_version_and_old_calculations_keep_theirs(
    client: httpx.AsyncClient, factory: Factory, clean_db
):
    admin, m = await factory.manager(role="admin"), await factory.manager()
    ha = await login(client, admin)
    first = await ready_client(clean_db, m, name="Первый Клиент Тарифович")
    second = await ready_client(clean_db, m, name="Второй Клиент Тарифович")
    hm = await login(client, m)
    r = await client.post(T, json=BODY, headers=ha)
    assert r.status_code == 201 and r.json()["version"] == 1
    contract = await apply_and_generate(client, hm, first.client_id, tariff="biz")
    before = (await client.get(f"{API}/clients/{first.client_id}", headers=hm)).json()
    assert before["tariff"]["tariff_version"] == 1
    assert before["tariff"]["base"] == "2990.00"

    r = await client.patch(f"{T}/biz", json={"base_price": "3490.00"}, headers=ha)
    assert r.status_code == 200 and r.json()["version"] == 2
    # The same values again: no new version, nothing logged.
    r = await client.patch(f"{T}/biz", json={"base_price": "3490.00"}, headers=ha)
    assert r.json()["version"] == 2

    after = (await client.get(f"{API}/clients/{first.client_id}", headers=hm)).json()
    assert after["tariff"] == before["tariff"]
    assert after["contract"]["number"] == contract["number"]
    assert after["contract"]["status"] == "awaiting_signature"
    r = await client.post(
        f"{API}/clients/{second.client_id}/tariff/apply", json={"tariff_code": "biz"}, headers=hm
    )
    assert r.status_code == 200, r.text
    assert r.json()["tariff_version"] == 2 and r.json()["base"] == "3490.00"

    versions = (await client.get(f"{T}/biz/versions", headers=ha)).json()["items"]
    assert [(v["version"], v["base_price"]) for v in versions] == [
        (2, "3490.00"),
        (1, "2990.00"),
    ]
    assert versions[0]["created_by_manager_id"] == admin.id

    # Retired: gone from step 4, refused there, still on the card of the old contract.
    r = await client.patch(f"{T}/biz", json={"is_active": False}, headers=ha)
    assert r.status_code == 200 and r.json()["version"] == 3
    listed = await client.get(f"{API}/tariffs", headers=hm)
    assert "biz" not in [t["code"] for t in listed.json()["items"]]
    r = await client.post(
        f"{API}/clients/{second.client_id}/tariff/apply", json={"tariff_code": "biz"}, headers=hm
    )
    assert r.status_code == 404 and r.json()["code"] == "tariff_not_found"
    card = (await client.get(f"{API}/clients/{first.client_id}", headers=hm)).json()
    assert card["tariff"]["tariff_name"] == "Бизнес" and card["tariff"]["tariff_version"] == 1
    assert card["contract"]["number"] == contract["number"]

    audit = (await client.get(f"{API}/admin/audit", headers=ha)).json()["items"]
    assert [(e["action"], e["payload"].get("version")) for e in audit] == [
        ("tariff.deactivated", 3),
        ("tariff.changed", 2),
        ("tariff.created", None),
    ]
    r = await client.get(f"{T}/nope/versions", headers=ha)
    assert r.status_code == 404


async def test_a_version_keeps_the_period_it_had(client: httpx.AsyncClient, factory: Factory):
    admin = await factory.manager(role="admin")
    ha = await login(client, admin)
    r = await client.post(T, json={**BODY, "code": "term", "period_months": 12}, headers=ha)
    assert r.status_code == 201, r.text
    r = await client.patch(f"{T}/term", json={"period_months": 24}, headers=ha)
    assert r.status_code == 200 and r.json()["version"] == 2
    assert r.json()["period_months"] == 24
    versions = (await client.get(f"{T}/term/versions", headers=ha)).json()["items"]
    assert [(v["version"], v["period_months"]) for v in versions] == [(2, 24), (1, 12)]
