"""Search that finds people: «ё» and «е» alike, contract numbers, and every tab at once."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import httpx
from privet_manager.contracts.models import Contract

from tests.clients.factories import make_client
from tests.conftest import Factory, login

C = "/api/manager/clients"


async def ids(client: httpx.AsyncClient, headers: dict[str, str], **params: str) -> list[int]:
    r = await client.get(C, params=params, headers=headers)
    assert r.status_code == 200, r.text
    return [item["id"] for item in r.json()["items"]]


async def test_yo_and_ye_find_each_other(client: httpx.AsyncClient, factory: Factory, clean_db):
    headers = await login(client, await factory.manager())
    pyotr = await make_client(clean_db, name="Пётр Алексеевич Соколов")
    petr = await make_client(clean_db, name="Петр Ильич Смирнов")
    semyon = await make_client(clean_db, name="Семёнова Алёна")
    other = await make_client(clean_db, name="Павел Орлов")
    both = sorted([pyotr.id, petr.id], reverse=True)
    assert await ids(client, headers, q="Пётр") == both
    assert await ids(client, headers, q="петр") == both
    assert await ids(client, headers, q="ПЁТР") == both
    assert await ids(client, headers, q="семенова ал") == [semyon.id]
    assert await ids(client, headers, q="Алена") == [semyon.id]
    # The substring search (a query that is not only a name) folds as well.
    fyodor = await make_client(clean_db, name="Фёдоров 2-й")
    assert await ids(client, headers, q="Федоров 2") == [fyodor.id]
    assert await ids(client, headers, q="фёдоров 2-") == [fyodor.id]
    assert other.id not in await ids(client, headers, q="Петр")


async def _contract(db, client_id: int, number: str) -> None:
    async with db.sessionmaker() as s, s.begin():
        now = datetime.now(UTC)
        s.add(
            Contract(
                client_id=client_id,
                number=number,
                status="void",
                snapshot={},
                surcharge=Decimal("0.00"),
                pdf_key="k",
                pdf_sha256="0" * 64,
                pep_version="1",
                pep_sha256="0" * 64,
                pep_agreed_at=now,
            )
        )


async def test_a_contract_number_or_its_last_digits_finds_the_client(
    client: httpx.AsyncClient, factory: Factory, clean_db
):
    m = await factory.manager()
    headers = await login(client, m)
    a = await make_client(clean_db, manager=m, status="signed", phone="+79990000001")
    b = await make_client(clean_db, manager=m, status="processed", phone="+79990000002")
    c = await make_client(clean_db, phone="+79165550123")  # a phone ending in 0123
    await _contract(clean_db, a.id, "PM-2026-000123")
    await _contract(clean_db, b.id, "PM-2026-001123")
    await _contract(clean_db, b.id, "PM-2025-000777")
    assert await ids(client, headers, q="PM-2026-000123") == [a.id]
    assert await ids(client, headers, q="pm-2026-000123") == [a.id]
    assert await ids(client, headers, q="PM-2026-000124") == []
    assert await ids(client, headers, q="000123") == [a.id]
    # Last digits: contract numbers ending in them, and phones holding them.
    assert await ids(client, headers, q="0123") == [c.id, a.id]
    assert await ids(client, headers, q="1123") == [b.id]
    assert await ids(client, headers, q="777") == [b.id]
    # Within a tab, the tab still applies.
    assert await ids(client, headers, q="0123", tab="new") == [c.id]
    assert await ids(client, headers, q="123", tab="processed") == [b.id]


async def test_search_without_a_tab_looks_in_every_tab(
    client: httpx.AsyncClient, factory: Factory, clean_db
):
    me, other = await factory.manager(), await factory.manager()
    headers = await login(client, me)
    found = {
        "new": await make_client(clean_db, name="Кузнецова Анна"),
        "in_progress": await make_client(clean_db, other, name="Кузнецова Вера"),
        "signed": await make_client(clean_db, me, status="signed", name="Кузнецова Галина"),
        "processed": await make_client(clean_db, me, status="processed", name="Кузнецова Ия"),
    }
    await make_client(clean_db, name="Иванова Анна")
    r = await client.get(C, params={"q": "кузнецова"}, headers=headers)
    assert r.status_code == 200
    items = r.json()["items"]
    assert {i["id"]: i["status"] for i in items} == {c.id: s for s, c in found.items()}
    assert [i["id"] for i in items] == sorted((c.id for c in found.values()), reverse=True)
    # Paged across tabs by the same cursor.
    first = await client.get(C, params={"q": "кузнецова", "limit": 3}, headers=headers)
    cursor = first.json()["next_cursor"]
    rest = await client.get(
        C, params={"q": "кузнецова", "limit": 3, "cursor": cursor}, headers=headers
    )
    assert [i["id"] for i in first.json()["items"] + rest.json()["items"]] == [
        i["id"] for i in items
    ]
    assert await ids(client, headers, q="кузнецова", tab="new") == [found["new"].id]
    # No tab and no query: the «Новые» tab, as before.
    assert await ids(client, headers) == await ids(client, headers, tab="new")
