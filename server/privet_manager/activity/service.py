"""The per-client, hash-chained activity log (who, what, when, from where).

Each entry's `hash` is an HMAC-SHA256 (the chain's own key, `chain_key`) over a canonical
JSON of the entry that includes `prev_hash`, so editing or deleting an entry breaks the chain
at that point, which `verify_chain` reports, and someone who can only write to the database
cannot recompute the hashes. The head (the newest seq and hash) is kept in
`manager_activity_heads`, so removing the newest entries is detected as well.

`hash_version` says which rule an entry's hash follows: 1, plain SHA-256 over `prev_hash`
and the JSON (entries written before migration 0008), or 2, the HMAC. Version 1 entries are
accepted only up to the head's `legacy_seq`, sealed by an HMAC the migration made
(`legacy_seal`). The formats: docs/SECURITY.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy import BindParameter, bindparam, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import NullType

from privet_manager.activity.models import ActivityEntry, ActivityHead
from privet_manager.auth.actor import Actor
from privet_manager.kit.rawsql import driver_sql
from privet_manager.kit.security import constant_time_equals, derive_key, hmac_sha256
from privet_manager.settings import get_settings

GENESIS_HASH = "0" * 64
PLAIN_SHA256, KEYED = 1, 2
HASH_VERSION = KEYED  # what new entries use
CHAIN_KEY_LABEL = "privet-manager/activity-chain-key/v1"
# An append loses a race only when another appender moved the head between our read and our
# write, and the read under a lock settles it: a second try always suffices.
_ATTEMPTS = 3

Head = tuple[int, str | None]


def chain_key() -> bytes:
    """ACTIVITY_CHAIN_SECRET when set, else HMAC-SHA256(CONTRACT_SIGNATURE_SECRET, label):
    a key of its own either way, never the evidence's or the codes'."""
    settings = get_settings()
    if settings.activity_chain_secret:
        return settings.activity_chain_secret.encode()
    return derive_key(settings.contract_signature_secret, CHAIN_KEY_LABEL)


def _json_ready(payload: dict[str, Any] | None) -> dict[str, Any]:
    # Round-trip through JSON so the hashed value equals what JSONB gives back later
    # (Decimal, date, UUID become strings).
    result: dict[str, Any] = json.loads(json.dumps(payload or {}, default=str))
    return result


def canonical_entry(fields: dict[str, Any]) -> bytes:
    """Compact JSON, keys sorted, non-ASCII as UTF-8."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


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
    version: int = HASH_VERSION,
) -> str:
    """The entry's hash under rule `version` (docs/SECURITY.md, "The activity chain")."""
    fields: dict[str, Any] = {
        "client_id": client_id,
        "seq": seq,
        "manager_id": manager_id,
        "action": action,
        "payload": payload,
        "ip": ip,
        "user_agent": user_agent,
        "created_at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
    }
    if version == PLAIN_SHA256:
        return hashlib.sha256(prev_hash.encode("utf-8") + canonical_entry(fields)).hexdigest()
    if version == KEYED:
        return hmac_sha256(chain_key(), canonical_entry({**fields, "prev_hash": prev_hash, "v": 2}))
    raise ValueError(f"unknown activity hash version {version}")


def legacy_seal(client_id: int, seq: int, hash_: str) -> str:
    """The HMAC that binds a chain's unkeyed entries: those up to `seq`, the last of which
    has the hash `hash_` (made by migration 0008 for every chain there was)."""
    return hmac_sha256(
        chain_key(), f"privet-manager/activity-legacy-seal/v1|{client_id}|{seq}|{hash_}"
    )


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
        version=entry.hash_version,
    )


def _next_entry(
    client_id: int, head: Head, action: str, actor: Actor | None, payload: dict[str, Any] | None
) -> ActivityEntry:
    """The entry that follows the chain's head (seq, hash), its own hash computed."""
    seq, prev_hash = head[0] + 1, head[1] or GENESIS_HASH
    entry = ActivityEntry(
        client_id=client_id,
        seq=seq,
        manager_id=actor.manager_id if actor else None,
        action=action,
        payload=_json_ready(payload),
        ip=actor.ip if actor else None,
        user_agent=actor.user_agent if actor else None,
        # Microsecond precision survives timestamptz exactly, so the hash can be recomputed.
        created_at=datetime.now(UTC),
        prev_hash=prev_hash,
        hash="",
        hash_version=HASH_VERSION,
    )
    entry.hash = _hash_of(entry)
    return entry


_LOCK_HEAD = (
    select(ActivityHead.seq, ActivityHead.hash)
    .where(ActivityHead.client_id == bindparam("client_id"))
    .with_for_update()
)
_LOCK_HEAD_SQL = driver_sql(_LOCK_HEAD, "client_id")
_ENTRY_COLUMNS = ("client_id", "seq", "manager_id", "action", "payload", "ip", "user_agent",
                  "created_at", "prev_hash", "hash", "hash_version")  # fmt: skip


def _entry_param(name: str) -> BindParameter[Any]:
    column = ActivityEntry.__table__.c[name]
    type_ = column.type
    if isinstance(type_, NullType):  # a foreign key: the type of the column it refers to
        type_ = next(iter(column.foreign_keys)).column.type
    return bindparam(f"entry_{name}", type_=type_)


# The entry and the new head in one statement, only if the head is still `prev_seq` (or, for
# the first entry, absent): then no lock needs to be held across round trips, and a head that
# moved appends nothing (a row count of 0). Under READ COMMITTED a concurrent appender's lock
# makes the upsert wait and then re-check `prev_seq` against the committed row.
@cache
def _append_sql() -> str:
    # Compiled on first use: the foreign keys' types resolve once every model is imported.
    upsert = pg_insert(ActivityHead).values(
        client_id=bindparam("client_id"), seq=bindparam("head_seq"), hash=bindparam("head_hash")
    )
    moved = (
        upsert.on_conflict_do_update(
            index_elements=[ActivityHead.client_id],
            set_={"seq": upsert.excluded.seq, "hash": upsert.excluded.hash},
            where=ActivityHead.seq == bindparam("prev_seq"),
        )
        .returning(ActivityHead.client_id)
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


async def record(
    session: AsyncSession,
    client_id: int,
    action: str,
    actor: Actor | None,
    payload: dict[str, Any] | None = None,
) -> ActivityEntry:
    """Append an entry to the client's chain inside the caller's transaction.

    The head is locked (FOR UPDATE) until the transaction ends, so appenders are serialised:
    `seq` has no gaps or duplicates and each entry links to the one before. Never put
    passport values or other secrets in `payload`. The entry returned is not attached to the
    session (it is written by the same statement as `record_on`'s)."""
    conn = await session.connection()
    for _ in range(_ATTEMPTS):
        head = (await session.execute(_LOCK_HEAD, {"client_id": client_id})).tuples().first()
        entry = _next_entry(client_id, head or (0, None), action, actor, payload)
        appended = await conn.exec_driver_sql(_append_sql(), _append_params(entry))
        if appended.rowcount == 1:
            return entry
    raise RuntimeError(f"activity head of client {client_id} kept moving")


async def _append_if_head(conn: psycopg.AsyncConnection[Any], entry: ActivityEntry) -> bool:
    cursor = await conn.execute(_append_sql(), _append_params(entry))
    return cursor.rowcount == 1


async def record_on(
    conn: psycopg.AsyncConnection[Any],
    client_id: int,
    action: str,
    actor: Actor | None,
    *,
    head: Head | None,
    payload: dict[str, Any] | None = None,
) -> ActivityEntry:
    """`record` for the read paths that run on psycopg (kit/rawsql.py), the same chain.

    With `head`, the chain's head (seq, hash) as the caller read it: one statement that
    appends only if the head has not moved since, in the connection's own autocommit (no
    BEGIN, lock or COMMIT round trips). Without it, or when the head moved: the head locked
    and the entry appended in a transaction. The entry returned is not attached to any
    session."""
    if head is not None:
        entry = _next_entry(client_id, head, action, actor, payload)
        if await _append_if_head(conn, entry):
            return entry
    for _ in range(_ATTEMPTS):
        async with conn.transaction():
            locked = await (await conn.execute(_LOCK_HEAD_SQL, {"client_id": client_id})).fetchone()
            entry = _next_entry(client_id, locked or (0, None), action, actor, payload)
            if await _append_if_head(conn, entry):
                return entry
    raise RuntimeError(f"activity head of client {client_id} kept moving")


async def head_for_update(session: AsyncSession, client_id: int) -> tuple[int, str]:
    """The chain's head (seq, hash; (0, GENESIS_HASH) for an empty chain), locked until the
    transaction ends: what a signature binds, and no entry can slip in after it."""
    head = (await session.execute(_LOCK_HEAD, {"client_id": client_id})).tuples().first()
    return (head[0], head[1]) if head is not None else (0, GENESIS_HASH)


async def entry_at(session: AsyncSession, client_id: int, seq: int) -> ActivityEntry | None:
    """The client's entry with this seq, if there is one."""
    entry: ActivityEntry | None = await session.scalar(
        select(ActivityEntry).where(ActivityEntry.client_id == client_id, ActivityEntry.seq == seq)
    )
    return entry


async def verify_chain(
    session: AsyncSession, client_id: int, anchor: tuple[int, str] | None = None
) -> tuple[bool, int | None]:
    """Check the client's whole chain: (True, None), or (False, the first seq that is bad).

    An entry is bad when its seq is not the next one, its `prev_hash` is not the hash of the
    entry before, its own hash does not match its content, or it is an unkeyed (version 1)
    entry the head's legacy seal does not cover. Entries missing at the end (below the head)
    are reported as the first missing seq. With `anchor` (seq, hash), what a signature bound:
    the entry at that seq must still have that hash.
    """
    entries, head = await read_chain(session, client_id)
    return check_chain(client_id, entries, head, anchor=anchor)


async def read_chain(
    session: AsyncSession, client_id: int
) -> tuple[list[ActivityEntry], ChainHead | None]:
    """The client's entries (by seq) and head, as stored."""
    head = (
        await session.execute(
            select(
                ActivityHead.seq,
                ActivityHead.hash,
                ActivityHead.legacy_seq,
                ActivityHead.legacy_seal,
            ).where(ActivityHead.client_id == client_id)
        )
    ).first()
    rows = await session.scalars(
        select(ActivityEntry)
        .where(ActivityEntry.client_id == client_id)
        .order_by(ActivityEntry.seq)
    )
    return list(rows), ChainHead(*head) if head is not None else None


@dataclass(frozen=True)
class ChainHead:
    """A chain's head row as `check_chain` reads it (also from a dispute pack)."""

    seq: int
    hash: str
    legacy_seq: int | None = None
    legacy_seal: str | None = None


def check_chain(
    client_id: int,
    entries: Iterable[ActivityEntry],
    head: ChainHead | None,
    *,
    anchor: tuple[int, str] | None = None,
    keyed: bool = True,
) -> tuple[bool, int | None]:
    """`verify_chain` over entries already read (ordered by seq), with no database: the
    dispute pack's offline check uses it too. `keyed=False` (no chain key at hand) checks
    the structure only: seqs, links (`prev_hash`), the head and the anchor, not the entries'
    own HMACs or the legacy seal."""
    legacy_seq, seal = (head.legacy_seq, head.legacy_seal) if head is not None else (None, None)
    expected_prev, expected_seq = GENESIS_HASH, 1
    for entry in entries:
        if entry.seq != expected_seq:  # ordered and unique: a gap (or a seq below 1)
            return False, expected_seq
        if not (
            entry.prev_hash == expected_prev
            and _version_allowed(entry, legacy_seq)
            and (not keyed or constant_time_equals(entry.hash, _hash_of(entry)))
        ):
            return False, entry.seq
        if (
            keyed
            and entry.seq == legacy_seq
            and not (
                seal and constant_time_equals(seal, legacy_seal(client_id, entry.seq, entry.hash))
            )
        ):
            return False, entry.seq
        if anchor is not None and entry.seq == anchor[0] and entry.hash != anchor[1]:
            return False, entry.seq
        expected_prev, expected_seq = entry.hash, entry.seq + 1
    head_seq, head_hash = (head.seq, head.hash) if head is not None else (0, GENESIS_HASH)
    if head_seq != expected_seq - 1 or head_hash != expected_prev:
        return False, expected_seq
    if legacy_seq is not None and legacy_seq > head_seq:  # a seal that was never checked
        return False, head_seq + 1
    if anchor is not None and anchor[0] > head_seq:
        return False, head_seq + 1
    return True, None


def _version_allowed(entry: ActivityEntry, legacy_seq: int | None) -> bool:
    if entry.hash_version == KEYED:
        return True
    return entry.hash_version == PLAIN_SHA256 and legacy_seq is not None and entry.seq <= legacy_seq
