"""Lists: tabs, new users appearing by themselves, search in any phone format, keyset pages."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
from privet_manager.clients import sync
from privet_manager.legacy.models import User
from sqlalchemy import func, select, text

from tests.clients.factories import load_client, make_client, make_user
from tests.conftest import Factory, login

URL = "/api/manager/clients"


async def test_users_without_a_row_appear_as_new(client: httpx.AsyncClient, factory, clean_db):
    headers = await login(client, await factory.manager())

    async def new_tab() -> list[dict[str, object]]:
        r = await client.get(URL, params={"tab": "new"}, headers=headers)
        assert r.status_code == 200, r.text
        items: list[dict[str, object]] = r.json()["items"]
        return items

    # The app's lifespan runs this task; the test runs it the same way.
    syncing = asyncio.create_task(sync.run_forever())
    try:
        await asyncio.sleep(0.1)  # its first (full) pass is done on an empty table
        user = await make_user(clean_db, name="Пётр Новиков")
        items: list[dict[str, object]] = []
        for _ in range(50):  # within a few of its one-second ticks
            items = await new_tab()
            if items:
                break
            await asyncio.sleep(0.1)
    finally:
        syncing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await syncing
    assert [i["user_id"] for i in items] == [user.id]
    item = items[0]
    assert item["name"] == "Пётр Новиков"
    assert item["status"] == "new" and item["assigned_manager"] is None
    assert set(item) >= {
        "id",
        "user_id",
        "name",
        "phone",
        "email",
        "registration_address",
        "status",
        "current_step",
        "assigned_manager",
        "updated_at",
        "version",
    }
    # A user inserted with an id below the highest known one (committed out of order) is
    # picked up by the periodic full pass.
    async with clean_db.sessionmaker() as s, s.begin():
        s.add(User(id=user.id - 1 if user.id > 1 else 10_000, name="Поздний"))
    assert await sync.sync_once(full=True) >= 1
    assert {i["name"] for i in await new_tab()} == {"Пётр Новиков", "Поздний"}


async def test_tabs(client: httpx.AsyncClient, factory: Factory, clean_db):
    me = await factory.manager()
    other = await factory.manager()
    headers = await login(client, me)
    new = await make_client(clean_db)
    mine = await make_client(clean_db, manager=me)
    mine_signing = await make_client(clean_db, manager=me, status="awaiting_signature")
    theirs = await make_client(clean_db, manager=other)
    done = await make_client(clean_db, manager=me, status="processed")

    async def ids(tab: str) -> list[int]:
        r = await client.get(URL, params={"tab": tab}, headers=headers)
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    assert await ids("new") == [new.id]
    assert await ids("in_progress") == [theirs.id, mine_signing.id, mine.id]
    assert await ids("mine") == [mine_signing.id, mine.id]
    assert await ids("processed") == [done.id]
    r = await client.get(URL, params={"tab": "mine"}, headers=headers)
    assert r.json()["items"][0]["assigned_manager"] == {"id": me.id, "name": me.name}


async def test_keyset_pages(client: httpx.AsyncClient, manager_headers, clean_db):
    created = [await make_client(clean_db) for _ in range(7)]
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params = {"tab": "new", "limit": "3"}
        if cursor:
            params["cursor"] = cursor
        r = await client.get(URL, params=params, headers=manager_headers)
        assert r.status_code == 200, r.text
        body = r.json()
        seen += [i["id"] for i in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == sorted((c.id for c in created), reverse=True)
    r = await client.get(URL, params={"cursor": "not-a-cursor"}, headers=manager_headers)
    assert r.status_code == 422 and r.json()["code"] == "bad_cursor"


async def test_search_by_name_email_and_any_phone_format(client, manager_headers, clean_db):
    target = await make_client(
        clean_db, name="Смирнова Ольга", phone="+79161234567", email="olga.smirnova@mail.test"
    )
    legacy = await make_client(
        clean_db, name="Кузнецов Пётр", phone="8 (925) 765-43-21", email=None
    )
    await make_client(clean_db, name="Другой Человек", phone="+79031112233", email="x@y.test")

    async def found(q: str) -> list[int]:
        r = await client.get(URL, params={"tab": "new", "q": q}, headers=manager_headers)
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    for q in (
        "8 (916) 123-45-67",
        "+7916",
        "+7 916 123 45 67",
        "916123",
        "89161234567",
        "смирнова",
        "Ольга",
        "OLGA.SMIRNOVA",
        "mail.test",
    ):
        assert await found(q) == [target.id], q
    for q in ("+79257654321", "925 765", "кузнецов"):
        assert await found(q) == [legacy.id], q
    # A query of Cyrillic words finds names whose words begin with each of them, in any order.
    for q in ("Ольга Смирнова", "смир ол", "  СМИРНОВА  ", "Смирнова-Ольга"):
        assert await found(q) == [target.id], q
    assert await found("Ольга Кузнецов") == []  # every word must match
    assert await found("мирнова") == []  # the middle of a word is not the beginning of one
    # Anything else is a substring of the name or e-mail.
    assert await found("mirnova@mail") == [target.id]
    assert await found("нет такого") == []
    assert await found("100%_") == []
    # Search applies within the tab.
    r = await client.get(URL, params={"tab": "processed", "q": "Ольга"}, headers=manager_headers)
    assert r.json()["items"] == []


async def test_list_requires_a_manager(client: httpx.AsyncClient, clean_db):
    r = await client.get(URL)
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_list_checks_the_session_in_its_own_statement(
    client: httpx.AsyncClient, factory: Factory, clean_db
):
    """The list authenticates in the same statement as the page: a logged-out session or a
    disabled account gets 401 even on an empty tab, where no row of the page would exist."""
    from privet_manager.auth.models import Manager

    me = await factory.manager()
    headers = await login(client, me)
    for tab in ("new", "mine"):
        r = await client.get(URL, params={"tab": tab}, headers=headers)
        assert r.status_code == 200 and r.json() == {"items": [], "next_cursor": None}
    async with clean_db.sessionmaker() as s, s.begin():
        manager = await s.get(Manager, me.id)
        assert manager is not None
        manager.is_active = False
    r = await client.get(URL, params={"tab": "mine"}, headers=headers)
    assert r.status_code == 401 and r.json()["code"] == "session_revoked"

    other = await factory.manager()
    headers = await login(client, other)
    await make_client(clean_db)
    assert (await client.get(URL, headers=headers)).status_code == 200
    assert (await client.post("/api/manager/auth/logout")).status_code == 204
    r = await client.get(URL, params={"tab": "new"}, headers=headers)
    assert r.status_code == 401 and r.json()["code"] == "session_revoked"


async def test_list_items_match_the_schema(client: httpx.AsyncClient, factory: Factory, clean_db):
    """PostgreSQL writes the page's JSON: every item must equal what the Pydantic model makes
    of the same row (names with quotes, backslashes and Ё, missing e-mails, a holder's name,
    times to the microsecond)."""
    from privet_manager.auth.schemas import ManagerRef
    from privet_manager.clients.schemas import ClientList
    from privet_manager.clients.views import list_item

    me = await factory.manager(name='Менеджер "Ёлкин" \\ 1')
    headers = await login(client, me)
    made = [
        await make_client(clean_db, manager=me, name='Ёжиков "Лёва" \\ \t Тест', email=None),
        await make_client(clean_db, manager=me, status="awaiting_signature", phone=None),
        await make_client(clean_db, manager=me, name=None),
    ]
    async with clean_db.sessionmaker() as s, s.begin():
        await s.execute(
            text("UPDATE manager_clients SET address_text = :a WHERE id = :id"),
            {"a": 'г. Москва, ул. "Тверская", д. 1', "id": made[0].id},
        )
    holder = ManagerRef(id=me.id, name=me.name)
    expected = [list_item(await load_client(clean_db, c.id), holder) for c in reversed(made)]
    r = await client.get(URL, params={"tab": "mine", "limit": "2"}, headers=headers)
    assert r.status_code == 200, r.text
    first = ClientList.model_validate_json(r.content)
    assert first.items == expected[:2] and first.next_cursor
    r = await client.get(
        URL, params={"tab": "mine", "limit": "2", "cursor": first.next_cursor}, headers=headers
    )
    last = ClientList.model_validate_json(r.content)
    assert last.items == expected[2:] and last.next_cursor is None


async def test_shared_users_table_is_not_altered(clean_db):
    async with clean_db.sessionmaker() as s:
        indexes = (
            (await s.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'users'")))
            .scalars()
            .all()
        )
        assert indexes == ["pk_users"]
        assert await s.scalar(select(func.count()).select_from(User)) == 0


async def test_backfill_creates_missing_rows_and_refreshes_copies(clean_db):
    from privet_manager.clients.backfill import backfill_clients
    from privet_manager.clients.models import Client

    users = [await make_user(clean_db) for _ in range(3)]
    async with clean_db.sessionmaker() as s, s.begin():
        assert await backfill_clients(s, limit=1) == (1, 0)
    async with clean_db.sessionmaker() as s, s.begin():
        assert await backfill_clients(s) == (2, 0)
        await s.execute(
            text("UPDATE users SET phone = '8 (903) 111-22-33' WHERE id = :id"), {"id": users[0].id}
        )
    async with clean_db.sessionmaker() as s, s.begin():
        assert await backfill_clients(s) == (0, 1)
        row = await s.scalar(select(Client).where(Client.user_id == users[0].id))
        assert row is not None and row.phone_digits == "79031112233"
