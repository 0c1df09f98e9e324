"""The answers' cache is exact: a hit is the miss's body byte for byte, and every kind of
write that can move a figure moves it on the very next request (the revision, migration
0017, moves in the writer's own transaction), through the API as a team would write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import time_machine
from privet_manager.analytics.cache import ResultCache
from privet_manager.auth.models import Manager
from privet_manager.clients.models import Client
from privet_manager.kit.clock import today_moscow
from privet_manager.kit.db import Database
from privet_manager.legacy.models import User

from tests.analytics.test_figures import FIRST, LAST, World
from tests.conftest import Factory, login
from tests.contracts.helpers import apply_and_generate, read_code, ready_client, sign, wrong

API = "/api/manager"
FUNNEL = f"{API}/analytics/funnel"
MANAGERS = f"{API}/analytics/managers"
HIT = "privet-analytics; hit"


async def ask(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], **params: Any
) -> httpx.Response:
    r = await client.get(url, params=params, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    return r


async def test_a_hit_answers_the_bytes_of_the_miss(
    client: httpx.AsyncClient, world: tuple[World, Manager]
) -> None:
    w, admin = world
    headers = await login(client, admin)
    period = {"from": FIRST.isoformat(), "to": LAST.isoformat()}
    for url, params in (
        (FUNNEL, period),
        (FUNNEL, {**period, "manager_id": w.managers[0].id}),
        (MANAGERS, period),
        (FUNNEL, {}),  # the default period: the last 30 days
    ):
        first = await ask(client, url, headers, **params)
        assert first.headers["cache-status"] != HIT, (url, params)
        again = await ask(client, url, headers, **params)
        assert again.headers["cache-status"] == HIT, (url, params)
        assert again.content == first.content
    body = (await ask(client, FUNNEL, headers, **period)).json()
    assert sum(s["clients"] for s in body["stages"]) > 20, "the arrangement gives figures"
    # Another period, another answer: not the cached one.
    other = await ask(
        client, FUNNEL, headers, **{**period, "to": (LAST - timedelta(1)).isoformat()}
    )
    assert other.headers["cache-status"] != HIT


async def test_a_manager_gets_403_even_when_the_answer_is_cached(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await login(client, await factory.manager(role="admin"))
    manager = await login(client, await factory.manager())
    for url in (FUNNEL, MANAGERS):
        await ask(client, url, admin)
        assert (await ask(client, url, admin)).headers["cache-status"] == HIT
        r = await client.get(url, headers=manager)
        assert r.status_code == 403, r.text
        assert r.json()["code"] == "admin_only"


async def new_client(db: Database, n: int) -> int:
    """A client who just arrived («Новые»), nobody's yet."""
    async with db.sessionmaker() as s, s.begin():
        user = User(name=f"Новый Клиент {n}", phone=f"+7901000000{n}")
        s.add(user)
        await s.flush()
        c = Client(user_id=user.id, name=user.name, status="new")
        s.add(c)
        await s.flush()
        return c.id


class Figures:
    """Today's 30 days as the console asks for them, checked to be cached before each write
    (so that a figure moving after it proves the write moved the revision)."""

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    async def _get(self, url: str) -> dict[str, Any]:
        await ask(self.client, url, self.headers)
        r = await ask(self.client, url, self.headers)
        assert r.headers["cache-status"] == HIT
        body: dict[str, Any] = r.json()
        return body

    async def cached(self) -> tuple[dict[str, Any], dict[str, Any]]:
        return await self._get(FUNNEL), await self._get(MANAGERS)

    async def now(self) -> tuple[dict[str, Any], dict[str, Any]]:
        f = await ask(self.client, FUNNEL, self.headers)
        m = await ask(self.client, MANAGERS, self.headers)
        assert f.headers["cache-status"] != HIT and m.headers["cache-status"] != HIT
        return f.json(), m.json()


def stage(funnel: dict[str, Any], name: str) -> int:
    return next(int(s["clients"]) for s in funnel["stages"] if s["stage"] == name)


def row(table: dict[str, Any], manager: Manager) -> dict[str, Any]:
    return next(r for r in table["items"] if r["manager_id"] == manager.id)


async def test_every_write_moves_the_figures_on_the_next_request(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    admin = await factory.manager(role="admin")
    m = await factory.manager(name="Анна Первая")
    headers, mine = await login(client, admin), await login(client, m)
    figures = Figures(client, headers)

    # A client arriving.
    before, _ = await figures.cached()
    fresh = await new_client(clean_db, 1)
    after, _ = await figures.now()
    assert stage(after, "new") == stage(before, "new") + 1

    # A claim.
    before, table = await figures.cached()
    r = await client.post(f"{API}/clients/{fresh}/claim", headers=mine)
    assert r.status_code == 200, r.text
    after, table_after = await figures.now()
    assert stage(after, "claimed") == stage(before, "claimed") + 1
    assert row(table_after, m)["claimed"] == row(table, m)["claimed"] + 1

    # A contract generated.
    ready = await ready_client(clean_db, m)
    before, _ = await figures.cached()
    await apply_and_generate(client, mine, ready.client_id)
    after, _ = await figures.now()
    assert stage(after, "contract_generated") == stage(before, "contract_generated") + 1

    # A wrong code.
    before, _ = await figures.cached()
    code = await read_code(client, ready.user_id)
    url = f"{API}/clients/{ready.client_id}/contract/confirm"
    r = await client.post(url, json={"code": wrong(code)}, headers=mine)
    assert r.status_code in (400, 409, 422), r.text
    after, table_after = await figures.now()
    assert after["otp"]["failures"] == before["otp"]["failures"] + 1
    assert row(table_after, m)["otp_failures"] == 1

    # The signature.
    before, _ = await figures.cached()
    await sign(client, mine, ready)
    after, _ = await figures.now()
    assert stage(after, "signed") == stage(before, "signed") + 1

    # The payment.
    before, _ = await figures.cached()
    r = await client.post(
        f"{API}/clients/{ready.client_id}/payment/confirm",
        json={"amount": "780.00", "method": "cash"},
        headers={**mine, "Idempotency-Key": "pay-1"},
    )
    assert r.status_code == 200, r.text
    after, _ = await figures.now()
    assert stage(after, "processed") == stage(before, "processed") + 1
    assert [(p["method"], p["count"]) for p in after["payments"]] == [("cash", 1)]

    # An invoice (a second client, signed).
    second = await ready_client(clean_db, m, name="Петров Пётр Ильич")
    await apply_and_generate(client, mine, second.client_id)
    await sign(client, mine, second)
    before, _ = await figures.cached()
    r = await client.post(
        f"{API}/clients/{second.client_id}/billing/notify",
        headers={**mine, "Idempotency-Key": "inv-1"},
    )
    assert r.status_code == 200, r.text
    after, _ = await figures.now()
    assert after["invoices"]["open"] == before["invoices"]["open"] + 1 == 1

    # A lockout: the fifth wrong code of a third client.
    third = await ready_client(clean_db, m, name="Сидорова Ольга Львовна")
    await apply_and_generate(client, mine, third.client_id)
    code = await read_code(client, third.user_id)
    url = f"{API}/clients/{third.client_id}/contract/confirm"
    for _ in range(4):
        await client.post(url, json={"code": wrong(code)}, headers=mine)
    before, _ = await figures.cached()
    await client.post(url, json={"code": wrong(code)}, headers=mine)
    after, table_after = await figures.now()
    assert after["otp"]["lockouts"] == before["otp"]["lockouts"] + 1 == 1
    assert row(table_after, m)["lockouts"] == 1

    # The manager renamed, then disabled.
    _, table = await figures.cached()
    r = await client.patch(
        f"{API}/admin/managers/{m.id}", json={"name": "Анна Вторая"}, headers=headers
    )
    assert r.status_code == 200, r.text
    _, table_after = await figures.now()
    assert (row(table, m)["name"], row(table_after, m)["name"]) == ("Анна Первая", "Анна Вторая")
    _, table = await figures.cached()
    r = await client.patch(
        f"{API}/admin/managers/{m.id}", json={"is_active": False}, headers=headers
    )
    assert r.status_code == 200, r.text
    _, table_after = await figures.now()
    assert row(table, m)["is_active"] and not row(table_after, m)["is_active"]

    # A write no figure reads (the card read with its passport, logged) keeps the answers.
    await figures.cached()
    r = await client.get(f"{API}/clients/{second.client_id}", headers=headers)
    assert r.status_code == 200, r.text
    for url in (FUNNEL, MANAGERS):
        assert (await ask(client, url, headers)).headers["cache-status"] == HIT


async def test_a_day_passing_is_another_answer(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    """Nothing written, but tomorrow the default period is another one, and an invoice due
    today is overdue: the same request is computed again."""
    admin = await factory.manager(role="admin")
    m = await factory.manager()
    mine = await login(client, m)
    ready = await ready_client(clean_db, m)
    await apply_and_generate(client, mine, ready.client_id)
    await sign(client, mine, ready)
    r = await client.post(
        f"{API}/clients/{ready.client_id}/billing/notify",
        headers={**mine, "Idempotency-Key": "inv-1"},
    )
    assert r.status_code == 200, r.text
    due = r.json()["invoice"]["due_date"]
    today = today_moscow()
    period = {"from": (today - timedelta(days=29)).isoformat(), "to": today.isoformat()}
    headers = await login(client, admin)
    figures = Figures(client, headers)
    body, _ = await figures.cached()
    assert body["period"]["date_to"] == today.isoformat()
    explicit = (await ask(client, FUNNEL, headers, **period)).json()
    assert (explicit["invoices"]["open"], explicit["invoices"]["overdue"]) == (1, 0)

    later = datetime.fromisoformat(due).replace(tzinfo=UTC) + timedelta(days=1, hours=12)
    with time_machine.travel(later, tick=True):
        assert today_moscow() > datetime.fromisoformat(due).date()
        headers = await login(client, admin)
        body = (await ask(client, FUNNEL, headers)).json()
        assert body["period"]["date_to"] == today_moscow().isoformat()
        r = await ask(client, FUNNEL, headers, **period)
        assert r.headers["cache-status"] != HIT
        assert r.json()["invoices"]["overdue"] == 1


def test_the_cache_is_bounded_by_entries_and_bytes() -> None:
    entries = 3
    cache = ResultCache(max_entries=entries, max_bytes=100)
    for n in range(5):
        cache.put(n, 1, b"x" * 10)
    assert len(cache) == entries and cache.get(0, 1) is None and cache.get(4, 1) == b"x" * 10
    cache.get(2, 1)  # used: the oldest is now 3
    cache.put(5, 1, b"y" * 10)
    assert cache.get(3, 1) is None and cache.get(2, 1) is not None
    cache.put(6, 1, b"z" * 95)  # the bytes bound: the others go
    assert len(cache) == 1 and cache.bytes == 95
    cache.put(7, 1, b"w" * 101)  # larger than the bound: never kept
    assert cache.get(7, 1) is None
    assert cache.get(6, 2) is None and len(cache) == 0  # another revision: dropped
    cache.put(8, 5, b"a")
    cache.put(8, 4, b"b")  # computed at an older revision than the kept one
    assert cache.get(8, 5) == b"a"


async def test_without_the_revision_row_every_answer_is_computed(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    """Nothing then names the data's state: nothing is served from the cache, nothing fails."""
    headers = await login(client, await factory.manager(role="admin"))
    await ask(client, FUNNEL, headers)
    async with clean_db.engine.begin() as conn:
        deleted = await conn.exec_driver_sql(
            "DELETE FROM manager_analytics_revision RETURNING revision"
        )
        revision: int = deleted.scalar_one()
    try:
        for _ in range(2):
            r = await ask(client, FUNNEL, headers)
            assert r.headers["cache-status"] != HIT
        await new_client(clean_db, 2)  # a write finds no row to move: committed all the same
        assert stage((await ask(client, FUNNEL, headers)).json(), "new") == 1
    finally:
        async with clean_db.engine.begin() as conn:
            await conn.exec_driver_sql(
                "INSERT INTO manager_analytics_revision VALUES (1, %(revision)s + 1)",
                {"revision": revision},
            )
    await ask(client, FUNNEL, headers)
    assert (await ask(client, FUNNEL, headers)).headers["cache-status"] == HIT
