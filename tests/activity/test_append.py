"""Appending to the chain: `record` (on a session) and `record_on` (on the read paths'
psycopg connection) write every column of the entry they return, link it to the head they
read or, when that head moved, to the newest entry under a lock; an append that never lands
is an error, not a phantom entry."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from privet_manager.activity import service as activity
from privet_manager.activity.models import ActivityEntry, ActivityHead
from privet_manager.kit.db import Database
from sqlalchemy import select, text

from tests.activity.test_keyed_chain import entries, verify
from tests.clients.factories import make_client

COLUMNS = ("client_id", "seq", "manager_id", "action", "payload", "ip", "user_agent",
           "created_at", "prev_hash", "hash", "hash_version")  # fmt: skip


@pytest.fixture
async def conn(clean_db: Database) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    """A connection of the read pool, as the card's route gets it (autocommit)."""
    async with clean_db.read_engine.connect() as sa_conn:
        raw = (await sa_conn.get_raw_connection()).driver_connection
        assert isinstance(raw, psycopg.AsyncConnection)
        yield raw


async def head(db: Database, client_id: int) -> tuple[int, str] | None:
    async with db.sessionmaker() as s:
        row = (
            await s.execute(
                select(ActivityHead.seq, ActivityHead.hash).where(
                    ActivityHead.client_id == client_id
                )
            )
        ).first()
        return (row[0], row[1]) if row else None


def columns(entry: ActivityEntry) -> dict[str, Any]:
    return {c: getattr(entry, c) for c in COLUMNS}


async def assert_stored(db: Database, client_id: int, returned: list[ActivityEntry]) -> None:
    """The rows are exactly the entries returned, the head is the last, the chain holds."""
    stored = await entries(db, client_id)
    assert [columns(e) for e in stored] == [columns(e) for e in returned]
    assert await head(db, client_id) == (returned[-1].seq, returned[-1].hash)
    assert await verify(db, client_id) == (True, None)


async def test_record_writes_every_column_of_the_entry_it_returns(clean_db, actor) -> None:
    """The append statement compiled afresh (it is cached per process): each column bound
    with its own type, a NULL manager, IP and User-Agent among them."""
    client = await make_client(clean_db)
    activity._append_sql.cache_clear()
    try:
        async with clean_db.sessionmaker() as s, s.begin():
            first = await activity.record(s, client.id, "client.claimed", None)
            second = await activity.record(
                s, client.id, "profile.updated", actor, {"fields": ["name"], "n": 2}
            )
    finally:
        activity._append_sql.cache_clear()
    assert (first.seq, first.prev_hash, first.manager_id, first.ip) == (
        1,
        activity.GENESIS_HASH,
        None,
        None,
    )
    assert (second.seq, second.prev_hash) == (2, first.hash)
    assert (second.manager_id, second.ip, second.user_agent) == (
        actor.manager_id,
        "203.0.113.9",
        "Tablet/1.0",
    )
    assert second.payload == {"fields": ["name"], "n": 2}
    assert first.hash_version == second.hash_version == activity.KEYED
    await assert_stored(clean_db, client.id, [first, second])


async def test_record_on_appends_after_the_head_it_read(clean_db, actor, conn) -> None:
    client = await make_client(clean_db)
    # An empty chain: no head row yet.
    first = await activity.record_on(conn, client.id, "passport.read", actor, head=(0, None))
    assert (first.seq, first.prev_hash) == (1, activity.GENESIS_HASH)
    current = await head(clean_db, client.id)
    assert current == (1, first.hash)
    second = await activity.record_on(
        conn, client.id, "passport.read", actor, head=current, payload={"why": "тест"}
    )
    assert (second.seq, second.prev_hash, second.payload) == (2, first.hash, {"why": "тест"})
    assert (second.manager_id, second.ip, second.user_agent) == (
        actor.manager_id,
        "203.0.113.9",
        "Tablet/1.0",
    )
    assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    await assert_stored(clean_db, client.id, [first, second])


async def test_record_on_after_a_moved_head_links_to_the_newest_entry(
    clean_db, actor, conn
) -> None:
    client = await make_client(clean_db)
    seen = await activity.record_on(conn, client.id, "passport.read", actor, head=(0, None))
    async with clean_db.sessionmaker() as s, s.begin():
        between = await activity.record(s, client.id, "note.added", None)
    # The caller still holds the head it read before `between`: appended after `between`.
    late = await activity.record_on(
        conn, client.id, "passport.read", actor, head=(seen.seq, seen.hash), payload={"n": 3}
    )
    assert (late.seq, late.prev_hash) == (3, between.hash)
    assert (late.manager_id, late.user_agent, late.payload) == (
        actor.manager_id,
        "Tablet/1.0",
        {"n": 3},
    )
    # Without a head: the locked way at once, on an empty chain too.
    locked = await activity.record_on(conn, client.id, "passport.read", None, head=None)
    assert (locked.seq, locked.prev_hash, locked.manager_id) == (4, late.hash, None)
    other = await make_client(clean_db)
    alone = await activity.record_on(conn, other.id, "passport.read", None, head=None)
    assert (alone.seq, alone.prev_hash) == (1, activity.GENESIS_HASH)
    assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    await assert_stored(clean_db, client.id, [seen, between, late, locked])
    await assert_stored(clean_db, other.id, [alone])


async def test_the_head_for_a_signature(clean_db, actor) -> None:
    client = await make_client(clean_db)
    async with clean_db.sessionmaker() as s, s.begin():
        assert await activity.head_for_update(s, client.id) == (0, activity.GENESIS_HASH)
        entry = await activity.record(s, client.id, "client.claimed", actor)
        assert await activity.head_for_update(s, client.id) == (1, entry.hash)
        assert await activity.entry_at(s, client.id, 2) is None
        found = await activity.entry_at(s, client.id, 1)
        assert found is not None and found.hash == entry.hash


@pytest.fixture
async def appends_vanish(clean_db: Database) -> AsyncIterator[None]:
    """A trigger that drops every new entry, so no append ever lands (row count 0)."""
    async with clean_db.engine.begin() as c:
        await c.execute(
            text(
                "CREATE FUNCTION pm_test_vanish() RETURNS trigger LANGUAGE plpgsql "
                "AS $$ BEGIN RETURN NULL; END $$"
            )
        )
        await c.execute(
            text(
                "CREATE TRIGGER pm_test_vanish BEFORE INSERT ON manager_activity_log "
                "FOR EACH ROW EXECUTE FUNCTION pm_test_vanish()"
            )
        )
    yield
    async with clean_db.engine.begin() as c:
        await c.execute(text("DROP TRIGGER pm_test_vanish ON manager_activity_log"))
        await c.execute(text("DROP FUNCTION pm_test_vanish()"))


async def test_an_append_that_never_lands_is_an_error(
    clean_db, actor, conn, appends_vanish
) -> None:
    client = await make_client(clean_db)
    message = f"activity head of client {client.id} kept moving"
    with pytest.raises(RuntimeError) as raised:
        async with clean_db.sessionmaker() as s, s.begin():
            await activity.record(s, client.id, "client.claimed", actor)
    assert str(raised.value) == message
    with pytest.raises(RuntimeError) as raised:
        await activity.record_on(conn, client.id, "passport.read", actor, head=(0, None))
    assert str(raised.value) == message
    assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    assert await entries(clean_db, client.id) == []


async def test_the_payload_is_hashed_as_it_is_stored(clean_db, actor) -> None:
    """Decimals, dates and ids become strings before hashing, as JSONB gives them back, so
    the chain verifies after a round trip; no payload is an empty object."""
    client = await make_client(clean_db)
    uid = uuid.UUID("12345678-1234-5678-1234-567812345678")
    payload = {"amount": Decimal("1990.00"), "on": date(2026, 12, 1), "id": uid, "n": 1}
    async with clean_db.sessionmaker() as s, s.begin():
        entry = await activity.record(s, client.id, "payment.recorded", actor, payload)
        bare = await activity.record(s, client.id, "client.claimed", actor)
    expected = {"amount": "1990.00", "on": "2026-12-01", "id": str(uid), "n": 1}
    assert entry.payload == expected and bare.payload == {}
    stored = await entries(clean_db, client.id)
    assert [e.payload for e in stored] == [expected, {}]
    await assert_stored(clean_db, client.id, [entry, bare])


async def test_a_chain_stored_out_of_order_is_read_in_order(clean_db, actor) -> None:
    """The rows' physical order is not the seq order once an older row is rewritten in place
    (its new version lands after the others): the chain is still read and checked by seq,
    whatever plan the server picks."""
    client = await make_client(clean_db)
    async with clean_db.sessionmaker() as s, s.begin():
        for i in range(3):
            await activity.record(s, client.id, "profile.updated", actor, {"i": i})
    async with clean_db.engine.begin() as c:
        await c.execute(
            text(
                "UPDATE manager_activity_log SET action = action WHERE client_id = :c AND seq = 1"
            ),
            {"c": client.id},
        )
    async with clean_db.sessionmaker() as s:
        for setting in ("enable_indexscan", "enable_bitmapscan", "enable_indexonlyscan"):
            await s.execute(text(f"SET {setting} = off"))
        physical = await s.scalars(
            text("SELECT seq FROM manager_activity_log WHERE client_id = :c"), {"c": client.id}
        )
        assert list(physical) != [1, 2, 3]  # stored out of order indeed
        assert await activity.verify_chain(s, client.id) == (True, None)
        entries_read, _ = await activity.read_chain(s, client.id)
        assert [e.seq for e in entries_read] == [1, 2, 3]
