"""The funnel and the per-manager table against figures the test computes itself from the
rows it created (random histories, times on both sides of Moscow midnights)."""

from __future__ import annotations

import random
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from privet_manager.activity.models import ActivityEntry
from privet_manager.activity.service import KEYED
from privet_manager.auth.models import Manager
from privet_manager.billing.models import Invoice, Payment
from privet_manager.clients.models import Client
from privet_manager.contracts.models import Contract
from privet_manager.kit.clock import today_moscow
from privet_manager.legacy.models import User

from tests.conftest import Factory, login

API = "/api/manager/analytics"
MSK = ZoneInfo("Europe/Moscow")
FIRST = date(2026, 3, 10)
LAST = date(2026, 3, 16)
# The UTC instants the period covers: [FIRST 00:00 MSK, LAST+1 00:00 MSK)
START = datetime(2026, 3, 9, 21, 0, tzinfo=UTC)
END = datetime(2026, 3, 16, 21, 0, tzinfo=UTC)


def inside(at: datetime | None) -> bool:
    return at is not None and START <= at < END


def msk_day(at: datetime) -> date:
    return at.astimezone(MSK).date()


def spread(values: list[float]) -> tuple[float | None, float | None]:
    """Median and 90th percentile with linear interpolation (as percentile_cont)."""
    if not values:
        return None, None
    if len(values) == 1:
        return values[0], values[0]
    q = statistics.quantiles(values, n=10, method="inclusive")
    return statistics.median(values), q[8]


@dataclass
class World:
    managers: list[Manager]
    clients: list[tuple[int, datetime]] = field(default_factory=list)  # id, created_at
    log: list[tuple[int, int, str, datetime]] = field(default_factory=list)  # client, mgr, …
    contracts: list[dict[str, Any]] = field(default_factory=list)
    payments: list[dict[str, Any]] = field(default_factory=list)
    invoices: list[dict[str, Any]] = field(default_factory=list)


async def build(db, managers: list[Manager], seed: int = 7) -> World:
    """60 clients with random histories from 6 days before the period to 3 days after."""
    rng = random.Random(seed)
    world = World(managers)
    base = START - timedelta(days=6)
    async with db.sessionmaker() as s, s.begin():
        for n in range(60):
            created = base + timedelta(minutes=rng.randrange(60 * 24 * 15))
            user = User(name=f"Клиент {n}", phone=f"+7900{n:07d}", created_at=created)
            s.add(user)
            await s.flush()
            client = Client(user_id=user.id, name=user.name, status="new", created_at=created)
            s.add(client)
            await s.flush()
            world.clients.append((client.id, created))
            at, seq = created, 0

            def act(action: str, manager: Manager, gap_min: int) -> datetime:
                nonlocal at, seq
                at = at + timedelta(minutes=rng.randint(1, gap_min), seconds=rng.randrange(60))
                seq += 1
                s.add(
                    ActivityEntry(
                        client_id=client.id,
                        seq=seq,
                        manager_id=manager.id,
                        action=action,
                        payload={},
                        created_at=at,
                        prev_hash="0" * 64,
                        hash=f"{client.id:032d}{seq:032d}",
                        hash_version=KEYED,
                    )
                )
                world.log.append((client.id, manager.id, action, at))
                return at

            depth = rng.randint(0, 6)
            if depth == 0:
                continue
            m = rng.choice(managers)
            act("client.claimed", m, 60 * 24 * 2)
            if rng.random() < 0.2:  # released and claimed again by someone
                m = rng.choice(managers)
                act("client.claimed", m, 600)
            if depth >= 2:
                act("profile.updated", m, 30)
                if rng.random() < 0.5:
                    act("profile.updated", m, 30)  # saved twice: the first one ends step 1
                act("passport.updated", m, 30)
            if depth >= 3:
                act("device.added", m, 30)
                act("tariff.applied", m, 60)
                generated = act("contract.generated", m, 10)
                for _ in range(rng.randint(0, 6) if rng.random() < 0.4 else 0):
                    act("contract.otp_failed", m, 3)
                contract: dict[str, Any] = {
                    "client_id": client.id,
                    "by": m.id,
                    "created_at": generated,
                    "signed_at": None,
                }
                if depth >= 4:
                    signed = act("contract.signed", m, 15)
                    contract["signed_at"] = signed
                world.contracts.append(contract)
                row = Contract(
                    client_id=client.id,
                    number=f"PM-2026-{len(world.contracts):06d}",
                    status="signed" if contract["signed_at"] else "awaiting_signature",
                    snapshot={},
                    surcharge=Decimal("500.00"),
                    pdf_key="k",
                    pdf_sha256="0" * 64,
                    generated_by_manager_id=m.id,
                    pep_version="1",
                    pep_sha256="0" * 64,
                    pep_agreed_at=generated,
                    created_at=generated,
                    signed_at=contract["signed_at"],
                    signed_by_manager_id=m.id if contract["signed_at"] else None,
                )
                s.add(row)
                await s.flush()
                if depth >= 5:
                    if rng.random() < 0.5:
                        paid = act("payment.confirmed", m, 20)
                        method = rng.choice(["cash", "card", "transfer"])
                        amount = Decimal(rng.randrange(100, 5000)).quantize(Decimal("0.01"))
                        s.add(
                            Payment(
                                contract_id=row.id,
                                client_id=client.id,
                                amount=amount,
                                method=method,
                                manager_id=m.id,
                                created_at=paid,
                            )
                        )
                        world.payments.append(
                            {"at": paid, "method": method, "amount": amount, "by": m.id}
                        )
                    else:
                        sent = act("invoice.sent", m, 20)
                        due = msk_day(sent) + timedelta(days=rng.choice([-400, 3, 400]))
                        amount = Decimal("777.50")
                        s.add(
                            Invoice(
                                number=f"INV-{client.id}",
                                contract_id=row.id,
                                client_id=client.id,
                                amount=amount,
                                due_date=due,
                                manager_id=m.id,
                                created_at=sent,
                            )
                        )
                        world.invoices.append(
                            {"at": sent, "due": due, "amount": amount, "by": m.id}
                        )
    return world


def first_in_period(events: list[tuple[int, datetime]]) -> dict[int, datetime]:
    """Each client's first event of a kind inside the period."""
    first: dict[int, datetime] = {}
    for client_id, at in events:
        if inside(at) and (client_id not in first or at < first[client_id]):
            first[client_id] = at
    return first


def expected_stage_events(w: World, manager_id: int | None) -> dict[str, dict[int, datetime]]:
    def by(mid: int) -> bool:
        return manager_id is None or mid == manager_id

    processed = ("client.processed", "payment.confirmed", "invoice.sent")
    return {
        "new": {cid: at for cid, at in w.clients if inside(at)},
        "claimed": first_in_period(
            [(c, at) for c, m, a, at in w.log if a == "client.claimed" and by(m)]
        ),
        "contract_generated": first_in_period(
            [(k["client_id"], k["created_at"]) for k in w.contracts if by(k["by"])]
        ),
        "signed": first_in_period(
            [(k["client_id"], k["signed_at"]) for k in w.contracts if by(k["by"])]
        ),
        "processed": first_in_period(
            [(c, at) for c, m, a, at in w.log if a in processed and by(m)]
        ),
    }


@pytest.fixture
async def world(factory: Factory, clean_db) -> tuple[World, Manager]:
    managers = [await factory.manager(name=f"Менеджер {c}") for c in "АБВ"]
    admin = await factory.manager(role="admin", name="Старший")
    return await build(clean_db, managers), admin


@pytest.mark.parametrize("scope", ["all", "one manager"])
async def test_funnel_equals_the_figures_of_the_rows(
    client: httpx.AsyncClient, world: tuple[World, Manager], scope: str
) -> None:
    w, admin = world
    manager_id = w.managers[1].id if scope == "one manager" else None
    params: dict[str, Any] = {"from": FIRST.isoformat(), "to": LAST.isoformat()}
    if manager_id:
        params["manager_id"] = manager_id
    r = await client.get(f"{API}/funnel", params=params, headers=await login(client, admin))
    assert r.status_code == 200, r.text
    body = r.json()
    events = expected_stage_events(w, manager_id)
    stages = {s["stage"]: s for s in body["stages"]}
    assert list(stages) == list(events)
    previous = None
    for name, clients in events.items():
        assert stages[name]["clients"] == len(clients), name
        if previous is not None and len(events[previous]):
            assert stages[name]["conversion"] == pytest.approx(
                len(clients) / len(events[previous]), abs=1e-4
            )
        previous = name
    assert sum(len(e) for e in events.values()) > 20, "the arrangement must produce figures"

    # Days: each stage's clients by the Moscow day of their first event.
    days = {d["date"]: d for d in body["days"]}
    for name, clients in events.items():
        per_day = Counter(msk_day(at).isoformat() for at in clients.values())
        assert {d: f[name] for d, f in days.items() if f[name]} == dict(per_day), name

    # Time between stages.
    created = dict(w.clients)
    claims = [(c, at) for c, _, a, at in w.log if a == "client.claimed"]
    expected: dict[str, list[float]] = defaultdict(list)
    for cid, at in events["claimed"].items():
        expected["new>claimed"].append((at - created[cid]).total_seconds())
    for cid, at in events["contract_generated"].items():
        before = [t for c, t in claims if c == cid and t <= at]
        expected["claimed>contract_generated"].append((at - max(before)).total_seconds())
    for k in w.contracts:
        if inside(k["signed_at"]) and (manager_id is None or k["by"] == manager_id):
            expected["contract_generated>signed"].append(
                (k["signed_at"] - k["created_at"]).total_seconds()
            )
    for cid, at in events["processed"].items():
        signed = [k["signed_at"] for k in w.contracts if k["client_id"] == cid and k["signed_at"]]
        last_signed = max(t for t in signed if t <= at)
        expected["signed>processed"].append((at - last_signed).total_seconds())
    for t in body["transitions"]:
        values = expected[f"{t['from_stage']}>{t['to_stage']}"]
        assert t["clients"] == len(values)
        median, p90 = spread(values)
        assert t["median_seconds"] == pytest.approx(median)
        assert t["p90_seconds"] == pytest.approx(p90)

    def by(mid: int) -> bool:
        return manager_id is None or mid == manager_id

    failures = [1 for _, m, a, at in w.log if a == "contract.otp_failed" and inside(at) and by(m)]
    assert body["otp"] == {"failures": len(failures), "lockouts": 0}
    paid: dict[str, list[Decimal]] = defaultdict(list)
    for p in w.payments:
        if inside(p["at"]) and by(p["by"]):
            paid[p["method"]].append(p["amount"])
    assert body["payments"] == [
        {"method": m, "count": len(v), "amount": f"{sum(v):.2f}"} for m, v in sorted(paid.items())
    ]
    open_ = [i for i in w.invoices if inside(i["at"]) and by(i["by"])]
    overdue = [i for i in open_ if i["due"] < today_moscow()]
    assert body["invoices"] == {
        "open": len(open_),
        "open_amount": f"{sum((i['amount'] for i in open_), Decimal(0)):.2f}",
        "overdue": len(overdue),
        "overdue_amount": f"{sum((i['amount'] for i in overdue), Decimal(0)):.2f}",
    }


async def test_per_manager_table_equals_the_figures_of_the_rows(
    client: httpx.AsyncClient, world: tuple[World, Manager]
) -> None:
    w, admin = world
    r = await client.get(
        f"{API}/managers",
        params={"from": FIRST.isoformat(), "to": LAST.isoformat()},
        headers=await login(client, admin),
    )
    assert r.status_code == 200, r.text
    rows = {row["manager_id"]: row for row in r.json()["items"]}
    assert set(rows) == {m.id for m in w.managers} | {admin.id}
    bounds = {
        1: ("client.claimed", "profile.updated"),
        2: ("profile.updated", "passport.updated"),
        3: ("passport.updated", "tariff.applied"),
        4: ("tariff.applied", "contract.signed"),
    }
    for m in w.managers:
        row = rows[m.id]

        def distinct(action: str, mid: int = m.id) -> int:
            return len({c for c, by, a, at in w.log if a == action and by == mid and inside(at)})

        assert row["claimed"] == distinct("client.claimed")
        assert row["signed"] == distinct("contract.signed")
        assert row["contracts_generated"] == distinct("contract.generated")
        processed = {
            c
            for c, by, a, at in w.log
            if by == m.id and inside(at) and a in ("payment.confirmed", "invoice.sent")
        }
        assert row["processed"] == len(processed)
        assert row["otp_failures"] == sum(
            1 for _, by, a, at in w.log if by == m.id and a == "contract.otp_failed" and inside(at)
        )
        for step in row["steps"]:
            start, end = bounds[step["step"]]
            ends: dict[int, datetime] = {}
            for c, by, a, at in w.log:
                if a == end and by == m.id and inside(at) and (c not in ends or at < ends[c]):
                    ends[c] = at
            values = []
            for c, at in ends.items():
                began = [t for c2, _, a, t in w.log if c2 == c and a == start and t <= at]
                values.append((at - max(began)).total_seconds())
            assert step["clients"] == len(values), step
            assert step["median_seconds"] == pytest.approx(spread(values)[0]), step
    assert rows[admin.id]["claimed"] == 0 and rows[admin.id]["steps"][0]["clients"] == 0


async def test_period_is_checked_and_defaults_to_30_days(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    r = await client.get(f"{API}/funnel", headers=admin_headers)
    assert r.status_code == 200, r.text
    period = r.json()["period"]
    assert period["date_to"] == today_moscow().isoformat()
    assert date.fromisoformat(period["date_to"]) - date.fromisoformat(period["date_from"]) == (
        timedelta(days=29)
    )
    for params in (
        {"from": "2026-03-10", "to": "2026-03-01"},
        {"from": "2024-01-01", "to": "2026-03-01"},
        {"from": "вчера"},
        {"manager_id": "0"},
    ):
        r = await client.get(f"{API}/funnel", params=params, headers=admin_headers)
        assert r.status_code == 422, (params, r.text)
        r = await client.get(f"{API}/managers", params=params, headers=admin_headers)
        assert r.status_code in (200, 422), (params, r.text)
