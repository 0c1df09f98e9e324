"""The per-client, hash-chained activity log (who, what, when, from where).

Each entry's `hash` is SHA-256 over `prev_hash` and a canonical JSON of the entry, so editing
or deleting an entry breaks the chain at that point, which `verify_chain` reports.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.activity.models import ActivityEntry
from privet_manager.clients.models import Client
from privet_manager.kit.net import client_ip, user_agent

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
    passport values or other secrets in `payload`.
    """
    head = (
        await session.execute(
            select(Client.activity_seq, Client.activity_hash)
            .where(Client.id == client_id)
            .with_for_update()
        )
    ).first()
    if head is None:
        raise ValueError(f"no client {client_id}")
    seq, prev_hash = head[0] + 1, head[1] or GENESIS_HASH
    # Microsecond precision survives timestamptz exactly, so the hash can be recomputed.
    created_at = datetime.now(UTC)
    entry = ActivityEntry(
        client_id=client_id,
        seq=seq,
        manager_id=manager_id,
        action=action,
        payload=_json_ready(payload),
        ip=client_ip(request)[:64] if request is not None else None,
        user_agent=(user_agent(request) or None) if request is not None else None,
        created_at=created_at,
        prev_hash=prev_hash,
        hash="",
    )
    entry.hash = _hash_of(entry)
    session.add(entry)
    await session.flush()
    await session.execute(
        update(Client)
        .where(Client.id == client_id)
        # updated_at kept as it is: reading a passport is logged but changes nothing.
        .values(activity_seq=seq, activity_hash=entry.hash, updated_at=Client.updated_at)
        .execution_options(synchronize_session=False)
    )
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
