"""Migration 0008 on a database with chains written by the code before it: they keep
verifying (sealed), and from then on each writer must say which hash rule it used."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from privet_manager import migrate
from privet_manager.activity import service as activity
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from tests.migrations.test_migrations import _libpq, fresh_db  # noqa: F401 - the fixture

N = 4


def old_chain(client_id: int) -> list[tuple[object, ...]]:
    """Entries as the code before 0008 wrote them: plain SHA-256."""
    rows: list[tuple[object, ...]] = []
    prev = activity.GENESIS_HASH
    at = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    for seq in range(1, N + 1):
        at += timedelta(minutes=1, microseconds=seq)
        fields: dict[str, Any] = {
            "client_id": client_id, "seq": seq, "manager_id": None, "action": "profile.updated",
            "payload": {"i": seq, "note": "до 0008"}, "ip": "10.0.0.1", "user_agent": "Old/1.0",
            "created_at": at,
        }  # fmt: skip
        h = activity.entry_hash(**fields, prev_hash=prev, version=activity.PLAIN_SHA256)
        rows.append((*fields.values(), prev, h))
        prev = h
    return rows


async def verify(url: str, client_id: int) -> tuple[bool, int | None]:
    engine = create_async_engine(url)
    try:
        async with AsyncSession(engine) as s:
            return await activity.verify_chain(s, client_id)
    finally:
        await engine.dispose()


async def test_0008_seals_the_chains_there_are(fresh_db: str) -> None:  # noqa: F811
    migrate.upgrade(fresh_db, "0007")
    with psycopg.connect(_libpq(fresh_db)) as conn:
        user = conn.execute("INSERT INTO users (name) VALUES ('Старый') RETURNING id").fetchone()
        assert user
        cid = conn.execute(
            "INSERT INTO manager_clients (user_id) VALUES (%s) RETURNING id", user
        ).fetchone()
        assert cid
        rows = old_chain(cid[0])
        with conn.cursor() as cur:
            from psycopg.types.json import Jsonb

            cur.executemany(
                "INSERT INTO manager_activity_log (client_id, seq, manager_id, action, payload,"
                " ip, user_agent, created_at, prev_hash, hash)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [(*r[:4], Jsonb(r[4]), *r[5:]) for r in rows],
            )
        conn.execute(
            "INSERT INTO manager_activity_heads (client_id, seq, hash) VALUES (%s, %s, %s)",
            (cid[0], N, rows[-1][-1]),
        )
    migrate.upgrade(fresh_db, "head")
    assert await verify(fresh_db, cid[0]) == (True, None)
    with psycopg.connect(_libpq(fresh_db)) as conn:
        versions = conn.execute("SELECT DISTINCT hash_version FROM manager_activity_log").fetchall()
        assert versions == [(1,)]
        head = conn.execute(
            "SELECT legacy_seq, legacy_seal FROM manager_activity_heads WHERE client_id = %s", cid
        ).fetchone()
        assert head == (N, activity.legacy_seal(cid[0], N, str(rows[-1][-1])))
        # A writer that does not say which rule its hash follows is refused.
        with pytest.raises(psycopg.errors.NotNullViolation):
            conn.execute(
                "INSERT INTO manager_activity_log (client_id, seq, action, payload, prev_hash,"
                " hash) VALUES (%s, %s, 'x', '{}', %s, %s)",
                (cid[0], N + 1, rows[-1][-1], "0" * 64),
            )
    # Down and up again: the seals are made anew and still verify.
    migrate.downgrade(fresh_db, "0007")
    migrate.upgrade(fresh_db, "head")
    assert await verify(fresh_db, cid[0]) == (True, None)
