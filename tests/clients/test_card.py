"""The card: every section, short-lived photo URLs, the timeline."""

from __future__ import annotations

import httpx

from tests.clients.arrange import filled_client
from tests.conftest import Factory, login


async def test_card_is_complete(client: httpx.AsyncClient, factory: Factory, clean_db):
    me = await factory.manager(name="Вера Менеджер")
    headers = await login(client, me)
    filled = await filled_client(client, clean_db, me, headers)
    r = await client.get(f"/api/manager/clients/{filled.client_id}", headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["tariff"] is None  # step 3: no tariff applied yet
    assert body["contract"] is None and body["payment"] is None and body["invoice"] is None
    assert body["assigned_manager"] == {"id": me.id, "name": "Вера Менеджер"}
    assert body["can_edit"] is True and body["current_step"] == "3"
    assert body["address"]["city"] == "Москва"
    photo = body["devices"][0]["photos"][0]
    assert "exp=" in photo["url"] and "sig=" in photo["url"]
    actions = [e["action"] for e in body["timeline"]]
    assert actions == [
        "passport.read",
        "photo.added",
        "device.added",
        "passport.updated",
        "profile.updated",
    ]
    assert body["timeline"][0]["manager"]["name"] == "Вера Менеджер"
    assert body["timeline"][0]["ip"] == "203.0.113.7"
