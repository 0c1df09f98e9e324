"""The funnel's facts follow every write to the activity log and the contracts, in whatever
order the rows arrive: a claim logged after the contract it led to, a signature set by an
update, a contract deleted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from privet_manager.activity.models import ActivityEntry
from privet_manager.activity.service import KEYED
from privet_manager.clients.models import Client
from privet_manager.contracts.models import Contract
from privet_manager.legacy.models import User
from sqlalchemy import delete, update

from tests.analytics.test_figures import contract_row
from tests.conftest import Factory, login

API = "/api/manager/analytics/funnel"
PERIOD = {"from": "2026-03-10", "to": "2026-03-16"}
T0 = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)  # arrived
T1 = T0 + timedelta(hours=2)  # claimed
T2 = T1 + timedelta(minutes=40)  # contract generated
T3 = T2 + timedelta(minutes=7)  # signed


async def test_facts_follow_writes_in_any_order(
    client: httpx.AsyncClient, factory: Factory, clean_db
) -> None:
    m = await factory.manager()
    headers = await login(client, await factory.manager(role="admin"))

    async def funnel() -> dict[str, Any]:
        r = await client.get(API, params=PERIOD, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        return {
            "stages": {s["stage"]: s["clients"] for s in body["stages"]},
            "seconds": {t["to_stage"]: t["median_seconds"] for t in body["transitions"]},
        }

    async with clean_db.sessionmaker() as s, s.begin():
        user = User(name="Порядок Записей", phone="+79000000001", created_at=T0)
        s.add(user)
        await s.flush()
        c = Client(user_id=user.id, name=user.name, status="new", created_at=T0)
        s.add(c)
        await s.flush()
        client_id = c.id
        contract = contract_row(c.id, "PM-2026-000001", m.id, T2)
        s.add(contract)
        await s.flush()
        contract_id = contract.id
    # The contract is there before the claim that led to it: no time to measure yet.
    got = await funnel()
    assert got["stages"]["contract_generated"] == 1 and got["stages"]["claimed"] == 0
    assert got["seconds"]["contract_generated"] is None

    async with clean_db.sessionmaker() as s, s.begin():
        s.add(
            ActivityEntry(
                client_id=client_id,
                seq=1,
                manager_id=m.id,
                action="client.claimed",
                payload={},
                created_at=T1,
                prev_hash="0" * 64,
                hash="1" * 64,
                hash_version=KEYED,
            )
        )
    got = await funnel()
    assert got["stages"]["claimed"] == 1
    assert got["seconds"]["claimed"] == (T1 - T0).total_seconds()
    assert got["seconds"]["contract_generated"] == (T2 - T1).total_seconds()
    assert got["stages"]["signed"] == 0

    async with clean_db.sessionmaker() as s, s.begin():
        await s.execute(
            update(Contract)
            .where(Contract.id == contract_id)
            .values(status="signed", signed_at=T3, signed_by_manager_id=m.id)
        )
    got = await funnel()
    assert got["stages"]["signed"] == 1
    assert got["seconds"]["signed"] == (T3 - T2).total_seconds()

    async with clean_db.sessionmaker() as s, s.begin():
        await s.execute(delete(Contract).where(Contract.id == contract_id))
    got = await funnel()
    assert got["stages"]["contract_generated"] == 0 and got["stages"]["signed"] == 0
    assert got["stages"]["claimed"] == 1
