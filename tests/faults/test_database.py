"""The database connection breaks in the middle of a save, at its commit, or the database is
down: a clear 503 problem+json, nothing half-written, and the same request succeeds after."""

from __future__ import annotations

import asyncio

from privet_manager.activity.models import ActivityEntry
from privet_manager.clients.models import Client
from privet_manager.legacy.models import User
from sqlalchemy import func, select

from tests.faults.conftest import Api, assert_503_problem
from tests.fuzz import world as world_mod

API = "/api/manager"


async def _state(database, cid: int) -> tuple[int, str | None, str | None, int]:
    """(client version, client name copy, users.name, activity entries)."""
    async with database.sessionmaker() as s:
        client = await s.get(Client, cid)
        assert client is not None
        user = await s.get(User, client.user_id)
        entries = await s.scalar(
            select(func.count()).select_from(ActivityEntry).where(ActivityEntry.client_id == cid)
        )
        return client.version, client.name, user.name if user else None, int(entries or 0)


async def _profile_save(api: Api, database, world):
    sc = await world_mod.scene(database, api.url, api.headers, world, world_mod.CLAIMED)
    cid = sc.ids["client_id"]
    card = (await api.http.get(f"{API}/clients/{cid}", headers=api.headers)).json()
    body = {
        "version": card["version"],
        "name": "Петрова Анна Сергеевна",
        "phone": "+7 916 000-11-22",
        "email": "petrova@example.ru",
        "address": {"postal_code": "101000", "city": "Москва", "street": "ул. Арбат", "house": "1"},
    }
    return cid, body


async def test_connection_cut_in_the_middle_of_a_save(db_api: Api, database, world) -> None:
    cid, body = await _profile_save(db_api, database, world)
    before = await _state(database, cid)

    # The version is already bumped inside the transaction when the new name goes over the
    # wire (in a statement's parameters: sent every time, prepared statement or not): the
    # connection dies right there.
    db_api.proxy.cut_on(body["name"].encode())
    r = await db_api.http.patch(f"{API}/clients/{cid}/profile", json=body, headers=db_api.headers)
    assert db_api.proxy.state.cuts == 1
    assert_503_problem(r, "database_unavailable")
    assert await _state(database, cid) == before  # nothing of the save stayed

    db_api.proxy.heal()
    r = await db_api.http.patch(f"{API}/clients/{cid}/profile", json=body, headers=db_api.headers)
    assert r.status_code == 200, r.text
    version, name, user_name, entries = await _state(database, cid)
    assert (version, name, user_name) == (before[0] + 1, body["name"], body["name"])
    assert entries == before[3] + 1


async def test_connection_cut_at_commit_is_not_reported_as_saved(
    db_api: Api, database, world
) -> None:
    """The answer waits for the commit: a commit that never happened is a 503, not a 200."""
    cid, body = await _profile_save(db_api, database, world)
    before = await _state(database, cid)

    db_api.proxy.cut_on(b"COMMIT")
    r = await db_api.http.patch(f"{API}/clients/{cid}/profile", json=body, headers=db_api.headers)
    assert db_api.proxy.state.cuts == 1
    assert_503_problem(r, "database_unavailable")
    assert await _state(database, cid) == before

    db_api.proxy.heal()
    r = await db_api.http.patch(f"{API}/clients/{cid}/profile", json=body, headers=db_api.headers)
    assert r.status_code == 200, r.text
    assert (await _state(database, cid))[:3] == (before[0] + 1, body["name"], body["name"])


async def test_database_down_then_back(db_api: Api, database, world) -> None:
    cid, _ = await _profile_save(db_api, database, world)
    lists = [f"{API}/clients?tab={tab}" for tab in ("new", "mine", "in_progress", "processed")]
    # Several connections in the lists' pool, all of which the outage kills.
    pages = await asyncio.gather(*(db_api.http.get(p, headers=db_api.headers) for p in lists * 3))
    assert {r.status_code for r in pages} == {200}
    db_api.proxy.refuse()  # every open connection dropped, new ones refused
    for path in (f"{API}/clients/{cid}", f"{API}/clients?tab=mine"):
        r = await db_api.http.get(path, headers=db_api.headers)
        assert_503_problem(r, "database_unavailable")
    ready = await db_api.http.get("/health/ready")
    assert ready.status_code == 503 and ready.json()["checks"]["database"] == "unreachable"

    db_api.proxy.heal()
    # Both pools recover at once: the card's (SQLAlchemy's own disconnect handling) and the
    # lists' (replaced when its first dead connection failed), so no request after the
    # outage meets a connection that died in it.
    for path in [f"{API}/clients/{cid}", *lists * 3]:
        r = await db_api.http.get(path, headers=db_api.headers)
        assert r.status_code == 200, (path, r.text)
    assert (await db_api.http.get("/health/ready")).status_code == 200
