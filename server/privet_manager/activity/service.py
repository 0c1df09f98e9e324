"""The per-client, hash-chained activity log (who, what, when, from where).

Each entry's `hash` is SHA-256 over `prev_hash` and a canonical JSON of the entry, so editing
or deleting an entry breaks the chain at that point, which `verify_chain` reports.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from functools import cache
from typing import Any

import psycopg
from fastapi import Request
from psycopg.types.json import Jsonb
from sqlalchemy import BindParameter, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import NullType

from privet_manager.activity.models import ActivityEntry
from privet_manager.clients.models import Client
from privet_manager.kit.net import client_ip, user_agent
from privet_manager.kit.rawsql import driver_sql

GENESIS_HASH = "0" * 64


def _json_ready(payload: dict[str, Any] | None) -> dict[str, Any]:
    # Round-trip through JSON so the hashed value equals what JSONB gives back later
    # (Decimal, date, UUID become strings).
    result: dict[str, Any] = json.loads(json.dumps(payload or {}, default=str))
    return result


def entry_hash(
    *,
    client_id: int,
    seq: int,
    manager_id: int | None,
    action: str,
    payload: dict[str, Any],
    ip: str | None,
    user_agent: str | None,
    created_at: datetime,
    prev_hash: str,
) -> str:
    """SHA-256 over the previous hash and a canonical serialisation of the entry."""
    canonical = json.dumps(
        {
            "client_id": client_id,
            "seq": seq,
            "manager_id": manager_id,
            "action": action,
            "payload": payload,
            "ip": ip,
            "user_agent": user_agent,
            "created_at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def _hash_of(entry: ActivityEntry) -> str:
    return entry_hash(
        client_id=entry.client_id,
        seq=entry.seq,
        manager_id=entry.manager_id,
        action=entry.action,
        payload=entry.payload,
        ip=entry.ip,
        user_agent=entry.user_agent,
        created_at=entry.created_at,
        prev_hash=entry.prev_hash,
    )


def _next_entry(
    client_id: int,
    head: tuple[int, str | None],
    action: str,
    manager_id: int | None,
    request: Request | None,
    payload: dict[str, Any] | None,
) -> ActivityEntry:
    """The entry that follows the chain's head (seq, hash), its own hash computed."""
    seq, prev_hash = head[0] + 1, head[1] or GENESIS_HASH
    entry = ActivityEntry(
        client_id=client_id,
        seq=seq,
        manager_id=manager_id,
        action=action,
        payload=_json_ready(payload),
        ip=client_ip(request)[:64] if request is not None else None,
        user_agent=(user_agent(request) or None) if request is not None else None,
        # Microsecond precision survives timestamptz exactly, so the hash can be recomputed.
        created_at=datetime.now(UTC),
        prev_hash=prev_hash,
        hash="",
    )
    entry.hash = _hash_of(entry)
    return entry


_HEAD = (
    select(Client.activity_seq, Client.activity_hash)
    .where(Client.id == bindparam("client_id"))
    .with_for_update()
)
# The client row keeps the chain's head; updated_at is kept as it is: an entry such as a
# passport read is logged but changes nothing.
_MOVE_HEAD = (
    update(Client)
    .where(Client.id == bindparam("client_id"))
    .values(
        activity_seq=bindparam("head_seq"),
        activity_hash=bindparam("head_hash"),
        updated_at=Client.updated_at,
    )
)


async def record(
    session: AsyncSession,
    client_id: int,
    action: str,
    *,
    manager_id: int | None,
    request: Request | None = None,
    payload: dict[str, Any] | None = None,
) -> ActivityEntry:
    """Append an entry to the client's chain inside the caller's transaction.

    The client's row is locked (FOR UPDATE) until the transaction ends, so appenders are
    serialised: `seq` has no gaps or duplicates and each entry links to the one before. Every
    writer locks that row first (bump_version, claim), so lock order is always the same. The
    row keeps the chain's head, so even removing the newest entries is detected. Never put
    passport values or other secrets in `payload`. The entry returned is not attached to the
    session (it is written by the same statement as `record_on`'s).
    """
    head = (await session.execute(_HEAD, {"client_id": client_id})).tuples().first()
    if head is None:
        raise ValueError(f"no client {client_id}")
    entry = _next_entry(client_id, head, action, manager_id, request, payload)
    conn = await session.connection()
    appended = await conn.exec_driver_sql(_append_sql(), _append_params(entry))
    assert appended.rowcount == 1, "the head moved while locked"
    return entry


_ENTRY_COLUMNS = ("client_id", "seq", "manager_id", "action", "payload", "ip", "user_agent",
                  "created_at", "prev_hash", "hash")  # fmt: skip
_HEAD_SQL = driver_sql(_HEAD, "client_id")


def _entry_param(name: str) -> BindParameter[Any]:
    column = ActivityEntry.__table__.c[name]
    type_ = column.type
    if isinstance(type_, NullType):  # a foreign key: the type of the column it refers to
        type_ = next(iter(column.foreign_keys)).column.type
    return bindparam(f"entry_{name}", type_=type_)


# The entry and the new head in one statement, only if the head is still `prev_seq`: then no
# lock needs to be held across round trips, and a head that moved appends nothing (a row
# count of 0). Under READ COMMITTED a concurrent appender's lock makes the UPDATE wait and
# then re-check `prev_seq` against the committed row.
@cache
def _append_sql() -> str:
    # Compiled on first use: the foreign keys' types resolve once every model is imported.
    moved = (
        _MOVE_HEAD.where(Client.activity_seq == bindparam("prev_seq"))
        .returning(Client.id)
        .cte("moved")
    )
    return driver_sql(
        insert(ActivityEntry).from_select(
            _ENTRY_COLUMNS,
            select(*(_entry_param(c) for c in _ENTRY_COLUMNS)).select_from(moved),
        ),
        "client_id",
        "prev_seq",
        "head_seq",
        "head_hash",
        *(f"entry_{c}" for c in _ENTRY_COLUMNS),
    )


def _append_params(entry: ActivityEntry) -> dict[str, Any]:
    values = {f"entry_{c}": getattr(entry, c) for c in _ENTRY_COLUMNS}
    values["entry_payload"] = Jsonb(entry.payload)
    return {
        "client_id": entry.client_id,
        "prev_seq": entry.seq - 1,
        "head_seq": entry.seq,
        "head_hash": entry.hash,
        **values,
    }


async def _append_if_head(conn: psycopg.AsyncConnection[Any], entry: ActivityEntry) -> bool:
    cursor = await conn.execute(_append_sql(), _append_params(entry))
    return cursor.rowcount == 1


async def record_on(
    conn: psycopg.AsyncConnection[Any],
    client_id: int,
    action: str,
    *,
    head: tuple[int, str | None] | None,
    manager_id: int | None,
    request: Request | None = None,
    payload: dict[str, Any] | None = None,
) -> ActivityEntry:
    """`record` for the read paths that run on psycopg (kit/rawsql.py), the same chain.

    With `head`, the chain's head (activity_seq, activity_hash) as the caller read it: one
    statement that appends only if the head has not moved since, in the connection's own
    autocommit (no BEGIN, lock or COMMIT round trips). Without it, or when the head moved:
    the head locked and the entry appended in a transaction. The entry returned is not
    attached to any session."""
    if head is not None:
        entry = _next_entry(client_id, head, action, manager_id, request, payload)
        if await _append_if_head(conn, entry):
            return entry
    async with conn.transaction():
        locked = await (await conn.execute(_HEAD_SQL, {"client_id": client_id})).fetchone()
        if locked is None:
            raise ValueError(f"no client {client_id}")
        entry = _next_entry(client_id, locked, action, manager_id, request, payload)
        appended = await _append_if_head(conn, entry)
        assert appended, "the head moved while locked"
    return entry


async def verify_chain(session: AsyncSession, client_id: int) -> tuple[bool, int | None]:
    """Check the client's whole chain: (True, None), or (False, the first seq that is bad).

    An entry is bad when its seq is not the next one, its `prev_hash` is not the hash of the
    entry before, or its own hash does not match its content; entries missing at the end
    (below the head kept on the client row) are reported as the first missing seq.
    """
    head = (
        await session.execute(
            select(Client.activity_seq, Client.activity_hash).where(Client.id == client_id)
        )
    ).first()
    rows = await session.scalars(
        select(ActivityEntry)
        .where(ActivityEntry.client_id == client_id)
        .order_by(ActivityEntry.seq)
    )
    expected_prev, expected_seq = GENESIS_HASH, 1
    for entry in rows:
        if (
            entry.seq != expected_seq
            or entry.prev_hash != expected_prev
            or entry.hash != _hash_of(entry)
        ):
            return False, expected_seq if entry.seq > expected_seq else entry.seq
        expected_prev, expected_seq = entry.hash, entry.seq + 1
    if head is not None and (
        head[0] != expected_seq - 1 or (head[1] or GENESIS_HASH) != expected_prev
    ):
        return False, expected_seq
    return True, None


async def count_entries(session: AsyncSession, client_id: int, action: str | None = None) -> int:
    stmt = select(func.count()).where(ActivityEntry.client_id == client_id)
    if action is not None:
        stmt = stmt.where(ActivityEntry.action == action)
    return int(await session.scalar(stmt) or 0)


async def recent_entries(
    session: AsyncSession, client_id: int, limit: int = 100
) -> list[ActivityEntry]:
    """The client's latest entries, newest first (the card's timeline)."""
    rows = await session.scalars(
        select(ActivityEntry)
        .where(ActivityEntry.client_id == client_id)
        .order_by(ActivityEntry.seq.desc())
        .limit(limit)
    )
    return list(rows)
