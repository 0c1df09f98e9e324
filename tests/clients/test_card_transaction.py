"""The card's one write, the passport-read log (an entry and the chain head on the client row),
commits or rolls back with the rest of the card: a failing section undoes it, and a manager who
may not see the passport writes nothing."""

from __future__ import annotations

from collections.abc import Mapping

import httpx
from privet_manager.activity.models import ActivityEntry
from privet_manager.activity.service import verify_chain
from privet_manager.clients import card
from privet_manager.clients.models import Client
from privet_manager.kit.errors import ServiceUnavailable
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.clients.arrange import filled_client
from tests.conftest import Factory, login


async def _log(db, client_id: int) -> tuple[int, int, list[str]]:  # type: ignore[no-untyped-def]
    async with db.sessionmaker() as s:
        head = await s.scalar(select(Client.activity_seq).where(Client.id == client_id))
        count = await s.scalar(
            select(func.count())
            .select_from(ActivityEntry)
            .where(ActivityEntry.client_id == client_id)
        )
        actions = list(
            await s.scalars(
                select(ActivityEntry.action)
                .where(ActivityEntry.client_id == client_id)
                .order_by(ActivityEntry.seq)
            )
        )
        ok, bad = await verify_chain(s, client_id)
        assert ok, bad
    return head, count, actions


async def test_failing_section_rolls_back_the_passport_read_log(
    client: httpx.AsyncClient, factory: Factory, clean_db, monkeypatch
):  # type: ignore[no-untyped-def]
    me = await factory.manager()
    headers = await login(client, me)
    filled = await filled_client(client, clean_db, me, headers)
    before = await _log(clean_db, filled.client_id)

    async def broken(session: AsyncSession, c: Client) -> Mapping[str, object]:
        raise ServiceUnavailable("Раздел недоступен", code="section_down")

    monkeypatch.setattr(card, "CARD_SECTIONS", [broken])
    r = await client.get(f"/api/manager/clients/{filled.client_id}", headers=headers)
    assert r.status_code == 503, r.text
    # The passport was decrypted but not shown: the read entry and the chain head are undone.
    assert await _log(clean_db, filled.client_id) == before

    monkeypatch.setattr(card, "CARD_SECTIONS", [])
    for _ in range(2):  # the pooled connection is clean: no transaction left open
        r = await client.get(f"/api/manager/clients/{filled.client_id}", headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["timeline"][0]["action"] == "passport.read"
    head, count, actions = await _log(clean_db, filled.client_id)
    assert head == count == before[1] + 2
    assert actions == [*before[2], "passport.read", "passport.read"]


async def test_card_of_someone_elses_client_writes_nothing(
    client: httpx.AsyncClient, factory: Factory, clean_db
):  # type: ignore[no-untyped-def]
    me = await factory.manager()
    other = await factory.manager()
    headers = await login(client, me)
    filled = await filled_client(client, clean_db, me, headers)
    before = await _log(clean_db, filled.client_id)
    r = await client.get(
        f"/api/manager/clients/{filled.client_id}", headers=await login(client, other)
    )
    assert r.status_code == 200, r.text
    assert r.json()["passport"] is None and r.json()["passport_on_file"] is True
    assert await _log(clean_db, filled.client_id) == before
