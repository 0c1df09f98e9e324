"""Reassigning a client: to another manager or back to «Новые», the guards, the logs, the
live lists, and a parallel claim."""

from __future__ import annotations

import asyncio
import json

import httpx
import psycopg
from privet_manager.activity.models import ActivityEntry
from privet_manager.activity.service import verify_chain
from privet_manager.contracts.models import Contract
from privet_manager.events.service import CHANNEL
from sqlalchemy import select
from sqlalchemy.engine import make_url

from tests.clients.factories import load_client, make_client
from tests.conftest import Factory, login
from tests.contracts.helpers import apply_and_generate, ready_client

API = "/api/manager"


def assign_url(client_id: int) -> str:
    return f"{API}/admin/clients/{client_id}/assign"


async def chain(db, client_id: int) -> list[ActivityEntry]:
    async with db.sessionmaker() as s:
        rows = await s.scalars(
            select(ActivityEntry)
            .where(ActivityEntry.client_id == client_id)
            .order_by(ActivityEntry.seq)
        )
        return list(rows)


async def test_reassign_and_release_are_logged_with_the_reason(
    client: httpx.AsyncClient, factory: Factory, clean_db
):
    admin = await factory.manager(role="admin")
    a, b = await factory.manager(), await factory.manager(name="Борис Второй")
    ha = await login(client, admin)
    c = await make_client(clean_db, manager=a)
    r = await client.post(
        assign_url(c.id), json={"manager_id": b.id, "reason": "Отпуск"}, headers=ha
    )
    assert r.status_code == 200, r.text
    assert r.json()["assigned_manager"] == {"id": b.id, "name": "Борис Второй"}
    assert r.json()["status"] == "in_progress"
    # The new holder may write, the old one may not.
    hb, h_old = await login(client, b), await login(client, a)
    mine_b = await client.get(f"{API}/clients?tab=mine", headers=hb)
    assert [i["id"] for i in mine_b.json()["items"]] == [c.id]
    mine_a = await client.get(f"{API}/clients?tab=mine", headers=h_old)
    assert mine_a.json()["items"] == []
    r = await client.post(
        assign_url(c.id), json={"manager_id": None, "reason": "Никто"}, headers=ha
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "new" and r.json()["assigned_manager"] is None
    fresh = await client.get(f"{API}/clients?tab=new", headers=hb)
    assert [i["id"] for i in fresh.json()["items"]] == [c.id]
    entries = await chain(clean_db, c.id)
    assert [(e.action, e.manager_id, e.payload["reason"]) for e in entries] == [
        ("client.reassigned", admin.id, "Отпуск"),
        ("client.released", admin.id, "Никто"),
    ]
    assert entries[0].payload["from_manager_id"] == a.id
    assert entries[0].payload["to_manager_id"] == b.id
    async with clean_db.sessionmaker() as s:
        assert (await verify_chain(s, c.id))[0] is True
    audit = (await client.get(f"{API}/admin/audit", headers=ha)).json()["items"]
    assert [e["action"] for e in audit] == ["client.released", "client.reassigned"]
    assert audit[1]["target_type"] == "client" and audit[1]["target_id"] == str(c.id)


async def test_reassign_voids_the_live_contract(
    client: httpx.AsyncClient, factory: Factory, clean_db
):
    admin, a, b = (
        await factory.manager(role="admin"),
        await factory.manager(),
        await factory.manager(),
    )
    ready = await ready_client(clean_db, a)
    contract = await apply_and_generate(client, await login(client, a), ready.client_id)
    ha = await login(client, admin)
    r = await client.post(
        assign_url(ready.client_id), json={"manager_id": b.id, "reason": "Болезнь"}, headers=ha
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "in_progress"
    async with clean_db.sessionmaker() as s:
        row = await s.get(Contract, contract["id"])
        assert row is not None and row.status == "void"
        assert row.void_reason == "Клиент передан другому менеджеру" and row.otp_hmac is None
    (entry,) = [e for e in await chain(clean_db, ready.client_id) if e.action.startswith("client.")]
    assert entry.payload["contract_voided"] is True


async def test_reassign_is_refused_for_signed_and_processed_and_bad_targets(
    client: httpx.AsyncClient, factory: Factory, clean_db
):
    admin, a = await factory.manager(role="admin"), await factory.manager()
    gone = await factory.manager(is_active=False)
    ha = await login(client, admin)
    for status in ("signed", "processed"):
        c = await make_client(clean_db, manager=a, status=status)
        r = await client.post(
            assign_url(c.id), json={"manager_id": None, "reason": "x"}, headers=ha
        )
        assert r.status_code == 409, r.text
        assert r.json()["code"] == "client_signed"
        assert (await load_client(clean_db, c.id)).assigned_manager_id == a.id
    c = await make_client(clean_db)
    for target in (gone.id, 999_999):
        r = await client.post(
            assign_url(c.id), json={"manager_id": target, "reason": "x"}, headers=ha
        )
        assert r.status_code == 422 and r.json()["code"] == "assignee_unavailable"
    for bad in ({"manager_id": a.id}, {"manager_id": a.id, "reason": ""}, {"reason": "x"}):
        r = await client.post(assign_url(c.id), json=bad, headers=ha)
        assert r.status_code == 422, bad
    r = await client.post(assign_url(999_999), json={"manager_id": None, "reason": "x"}, headers=ha)
    assert r.status_code == 404
    assert await chain(clean_db, c.id) == []
    assert (await client.get(f"{API}/admin/audit", headers=ha)).json()["items"] == []


async def test_reassign_against_a_parallel_claim_one_wins(
    client: httpx.AsyncClient, factory: Factory, clean_db
):
    admin, a, b = (
        await factory.manager(role="admin"),
        await factory.manager(),
        await factory.manager(),
    )
    ha, hb = await login(client, admin), await login(client, b)
    for _ in range(6):
        c = await make_client(clean_db)
        assign, claim = await asyncio.gather(
            client.post(
                assign_url(c.id),
                json={"manager_id": a.id, "reason": "Срочно", "version": c.version},
                headers=ha,
            ),
            client.post(f"{API}/clients/{c.id}/claim", headers=hb),
        )
        assert sorted([assign.status_code, claim.status_code]) == [200, 409], (
            assign.text,
            claim.text,
        )
        winner = a if assign.status_code == 200 else b
        assert (await load_client(clean_db, c.id)).assigned_manager_id == winner.id
        actions = [e.action for e in await chain(clean_db, c.id)]
        assert actions == (["client.reassigned"] if winner is a else ["client.claimed"])


async def test_both_lists_hear_of_the_reassignment(
    client: httpx.AsyncClient, factory: Factory, clean_db, database_url: str
):
    admin, a, b = (
        await factory.manager(role="admin"),
        await factory.manager(),
        await factory.manager(),
    )
    c = await make_client(clean_db, manager=a)
    ha = await login(client, admin)
    url = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as listener:
        await listener.execute(f"LISTEN {CHANNEL}")
        r = await client.post(
            assign_url(c.id), json={"manager_id": b.id, "reason": "x"}, headers=ha
        )
        assert r.status_code == 200
        notify = await asyncio.wait_for(anext(listener.notifies()), timeout=5)
    event = json.loads(notify.payload)
    # Every list refetches on any event; the new holder's «Мои» gains it, the old one's loses it.
    assert event["type"] == "client.claimed" and event["client_id"] == c.id
    assert event["manager_id"] == b.id and event["version"] == r.json()["version"]
