"""The card: sections other domains register, short-lived photo URLs, the timeline."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from privet_manager.clients import card
from privet_manager.clients.models import Client
from sqlalchemy import bindparam, select

from tests.clients.arrange import filled_client
from tests.conftest import Factory, login


async def test_card_is_complete_and_sections_plug_in(
    client: httpx.AsyncClient, factory: Factory, clean_db, monkeypatch
):  # type: ignore[no-untyped-def]
    me = await factory.manager(name="Вера Менеджер")
    headers = await login(client, me)
    filled = await filled_client(client, clean_db, me, headers)

    # A section's select runs in the card's round trip; its rows hold model instances.
    statement = select(Client, Client.current_step).where(Client.id == bindparam("client_id"))

    async def tariff_section(rows: list[tuple[Any, ...]], c: Client) -> Mapping[str, object]:
        ((row_client, step),) = rows
        assert isinstance(row_client, Client) and row_client.id == c.id
        return {"tariff": {"code": "basic", "client": c.id, "step": step}, "not_a_field": 1}

    monkeypatch.setattr(card, "CARD_SECTIONS", [])
    card.card_section(statement)(tariff_section)
    card.card_section(statement)(tariff_section)  # registering twice is harmless
    assert len(card.CARD_SECTIONS) == 1
    r = await client.get(f"/api/manager/clients/{filled.client_id}", headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["tariff"] == {"code": "basic", "client": filled.client_id, "step": "3"}
    assert "not_a_field" not in body
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
