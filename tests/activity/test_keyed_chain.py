"""The keyed chain against someone who can write to the database: each field of an entry,
the links and the head tampered on their own, hashes recomputed the way a database writer
could (plain SHA-256, an HMAC under a guessed key), and the unkeyed entries written before
migration 0008 under their seal."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from privet_manager.activity import service as activity
from privet_manager.activity.models import ActivityEntry, ActivityHead
from privet_manager.auth.actor import Actor
from privet_manager.kit.db import Database
from privet_manager.settings import DEV_SECRETS, get_settings
from sqlalchemy import delete as sa_delete
from sqlalchemy import select, update

from tests.clients.factories import make_client

N = 5  # entries in each test chain


async def chain(db: Database, client_id: int, actor: Actor | None = None) -> None:
    async with db.sessionmaker() as s, s.begin():
        for i in range(N):
            await activity.record(s, client_id, "profile.updated", actor, {"i": i, "note": "тест"})


async def verify(db: Database, client_id: int, anchor=None) -> tuple[bool, int | None]:
    async with db.sessionmaker() as s:
        return await activity.verify_chain(s, client_id, anchor)


async def entries(db: Database, client_id: int) -> list[ActivityEntry]:
    async with db.sessionmaker() as s:
        rows = await s.scalars(
            select(ActivityEntry)
            .where(ActivityEntry.client_id == client_id)
            .order_by(ActivityEntry.seq)
        )
        return list(rows)


async def set_entry(db: Database, entry_id: int, **values: Any) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(update(ActivityEntry).where(ActivityEntry.id == entry_id).values(values))


async def set_head(db: Database, client_id: int, **values: Any) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(
            update(ActivityHead).where(ActivityHead.client_id == client_id).values(values)
        )


@pytest.fixture
async def two_managers(factory) -> tuple[int, int]:
    return (await factory.manager()).id, (await factory.manager()).id


def plain_sha256(e: ActivityEntry, prev_hash: str) -> str:
    """Version 1, as anyone can compute it without a key."""
    return activity.entry_hash(
        client_id=e.client_id,
        seq=e.seq,
        manager_id=e.manager_id,
        action=e.action,
        payload=e.payload,
        ip=e.ip,
        user_agent=e.user_agent,
        created_at=e.created_at,
        prev_hash=prev_hash,
        version=activity.PLAIN_SHA256,
    )


FIELD_CHANGES: dict[str, Any] = {
    "action": "client.processed",
    "payload": {"i": 99, "note": "тест"},
    "ip": "198.51.100.1",
    "user_agent": "curl/8.0",
    "created_at": "shift",
    "manager_id": "other",
    "prev_hash": "f" * 64,
    "hash": "e" * 64,
    "hash_version": 1,
}


@pytest.mark.parametrize("field", FIELD_CHANGES)
async def test_each_field_of_an_entry_is_covered(clean_db, actor, two_managers, field) -> None:
    c = await make_client(clean_db)
    await chain(clean_db, c.id, actor)
    assert await verify(clean_db, c.id) == (True, None)
    third = (await entries(clean_db, c.id))[2]
    value = FIELD_CHANGES[field]
    if value == "shift":
        value = third.created_at + timedelta(microseconds=1)
    elif value == "other":
        value = two_managers[1]
    await set_entry(clean_db, third.id, **{field: value})
    assert await verify(clean_db, c.id) == (False, 3)


async def test_a_chain_moved_to_another_client_fails(clean_db, actor) -> None:
    a, b = await make_client(clean_db), await make_client(clean_db)
    await chain(clean_db, a.id, actor)
    rows = await entries(clean_db, a.id)
    async with clean_db.sessionmaker() as s, s.begin():
        for e in rows:
            s.add(
                ActivityEntry(
                    client_id=b.id,
                    seq=e.seq,
                    manager_id=e.manager_id,
                    action=e.action,
                    payload=e.payload,
                    ip=e.ip,
                    user_agent=e.user_agent,
                    created_at=e.created_at,
                    prev_hash=e.prev_hash,
                    hash=e.hash,
                    hash_version=e.hash_version,
                )
            )
        s.add(ActivityHead(client_id=b.id, seq=rows[-1].seq, hash=rows[-1].hash))
    assert await verify(clean_db, b.id) == (False, 1)  # the hash covers client_id
    assert await verify(clean_db, a.id) == (True, None)


async def test_the_seq_is_covered(clean_db, actor) -> None:
    c = await make_client(clean_db)
    await chain(clean_db, c.id, actor)
    rows = await entries(clean_db, c.id)
    # Two entries swap places, links fixed up: the hashes still name their own seq.
    async with clean_db.engine.begin() as conn:
        await conn.execute(
            update(ActivityEntry).where(ActivityEntry.id == rows[4].id).values(seq=-1)
        )
        await conn.execute(
            update(ActivityEntry).where(ActivityEntry.id == rows[3].id).values(seq=5)
        )
        await conn.execute(
            update(ActivityEntry).where(ActivityEntry.id == rows[4].id).values(seq=4)
        )
    assert (await verify(clean_db, c.id))[0] is False


async def rekey(db: Database, client_id: int, edit: dict[str, Any], how: str) -> None:
    """Edit entry 3 and recompute every hash from it on, and the head, as a database writer
    would: plain SHA-256 (hash_version 1), or the keyed rule under a key they guessed."""
    rows = await entries(db, client_id)
    prev = rows[1].hash
    for e in rows[2:]:
        if e.seq == 3:
            for k, v in edit.items():
                setattr(e, k, v)
        if how == "plain":
            version, new = 1, plain_sha256(e, prev)
        else:
            version = 2
            guessed = "privet-manager" if how == "guessed_key" else DEV_SECRETS["OTP_HMAC_SECRET"]
            fields: dict[str, Any] = {
                "client_id": e.client_id,
                "seq": e.seq,
                "manager_id": e.manager_id,
                "action": e.action,
                "payload": e.payload,
                "ip": e.ip,
                "user_agent": e.user_agent,
                "created_at": e.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
                "prev_hash": prev,
                "v": 2,
            }
            import hmac

            new = hmac.new(
                guessed.encode(), activity.canonical_entry(fields), hashlib.sha256
            ).hexdigest()
        await set_entry(
            db, e.id, **edit if e.seq == 3 else {}, prev_hash=prev, hash=new, hash_version=version
        )
        prev = new
    await set_head(db, client_id, seq=rows[-1].seq, hash=prev)


@pytest.mark.parametrize("how", ["plain", "guessed_key", "otp_key"])
async def test_an_edit_with_every_hash_recomputed_still_fails(clean_db, actor, how) -> None:
    c = await make_client(clean_db)
    await chain(clean_db, c.id, actor)
    await rekey(clean_db, c.id, {"payload": {"i": 2, "note": "подделка"}}, how)
    assert await verify(clean_db, c.id) == (False, 3)


async def test_a_link_rewired_with_a_valid_hash_fails(clean_db, actor) -> None:
    """Only the link check catches this one: entry 4 points at entry 2, with a hash that is
    right for what it now says (as if the key had leaked to the writer)."""
    c = await make_client(clean_db)
    await chain(clean_db, c.id, actor)
    rows = await entries(clean_db, c.id)
    fourth = rows[3]
    fourth.prev_hash = rows[1].hash
    await set_entry(clean_db, fourth.id, prev_hash=fourth.prev_hash, hash=activity._hash_of(fourth))
    assert await verify(clean_db, c.id) == (False, 4)


@pytest.mark.parametrize("change", ["hash", "seq_down", "seq_up", "gone"])
async def test_the_head_is_compared_by_hash_and_seq(clean_db, actor, change) -> None:
    c = await make_client(clean_db)
    await chain(clean_db, c.id, actor)
    if change == "hash":
        await set_head(clean_db, c.id, hash="a" * 64)  # seq left as it is
        expected = (False, N + 1)
    elif change == "seq_down":
        await set_head(clean_db, c.id, seq=N - 1)
        expected = (False, N + 1)
    elif change == "seq_up":
        await set_head(clean_db, c.id, seq=N + 1)
        expected = (False, N + 1)
    else:
        async with clean_db.engine.begin() as conn:
            await conn.execute(sa_delete(ActivityHead).where(ActivityHead.client_id == c.id))
        expected = (False, N + 1)
    assert await verify(clean_db, c.id) == expected


async def test_the_newest_entry_removed_with_the_head_moved_back_fails(clean_db, actor) -> None:
    c = await make_client(clean_db)
    await chain(clean_db, c.id, actor)
    rows = await entries(clean_db, c.id)
    async with clean_db.engine.begin() as conn:
        await conn.execute(sa_delete(ActivityEntry).where(ActivityEntry.id == rows[-1].id))
    # The head moved back consistently: only an anchor (a signature's) still tells.
    await set_head(clean_db, c.id, seq=rows[-2].seq, hash=rows[-2].hash)
    assert await verify(clean_db, c.id) == (True, None)
    anchor = (rows[-1].seq, rows[-1].hash)
    assert await verify(clean_db, c.id, anchor) == (False, N)
    assert await verify(clean_db, c.id, (rows[2].seq, rows[2].hash)) == (True, None)
    assert await verify(clean_db, c.id, (rows[2].seq, rows[1].hash)) == (False, 3)


async def test_the_key_is_its_own(clean_db, monkeypatch) -> None:
    settings = get_settings()
    derived = activity.chain_key()
    assert derived not in (
        settings.contract_signature_secret.encode(),
        settings.otp_hmac_secret.encode(),
    )
    assert len(derived) == 32
    monkeypatch.setattr(settings, "activity_chain_secret", "x" * 40)
    assert activity.chain_key() == b"x" * 40
    c = await make_client(clean_db)
    await chain(clean_db, c.id)
    assert await verify(clean_db, c.id) == (True, None)
    monkeypatch.setattr(settings, "activity_chain_secret", "")
    assert await verify(clean_db, c.id) == (False, 1)  # another key: nothing verifies


async def legacy_chain(db: Database, client_id: int, *, seal: bool = True) -> list[ActivityEntry]:
    """A chain as the code before 0008 wrote it (plain SHA-256), sealed as 0008 does."""
    async with db.sessionmaker() as s, s.begin():
        prev = activity.GENESIS_HASH
        rows = []
        for seq in range(1, N + 1):
            e = ActivityEntry(
                client_id=client_id,
                seq=seq,
                manager_id=None,
                action="profile.updated",
                payload={"i": seq},
                ip="10.0.0.1",
                user_agent="Old/1.0",
                created_at=datetime.now(UTC),
                prev_hash=prev,
                hash="",
                hash_version=1,
            )
            e.hash = plain_sha256(e, prev)
            s.add(e)
            rows.append(e)
            prev = e.hash
        s.add(
            ActivityHead(
                client_id=client_id,
                seq=N,
                hash=prev,
                legacy_seq=N if seal else None,
                legacy_seal=activity.legacy_seal(client_id, N, prev) if seal else None,
            )
        )
    return rows


async def test_a_sealed_legacy_chain_verifies_and_grows_keyed(clean_db, actor) -> None:
    c = await make_client(clean_db)
    await legacy_chain(clean_db, c.id)
    assert await verify(clean_db, c.id) == (True, None)
    await chain(clean_db, c.id, actor)
    rows = await entries(clean_db, c.id)
    assert [e.hash_version for e in rows] == [1] * N + [2] * N
    assert await verify(clean_db, c.id) == (True, None)


async def test_an_unsealed_legacy_chain_fails(clean_db) -> None:
    c = await make_client(clean_db)
    await legacy_chain(clean_db, c.id, seal=False)
    assert await verify(clean_db, c.id) == (False, 1)


@pytest.mark.parametrize("attack", ["rewrite", "seal_removed", "seq_raised", "appended"])
async def test_legacy_entries_cannot_be_rewritten(clean_db, actor, attack) -> None:
    c = await make_client(clean_db)
    rows = await legacy_chain(clean_db, c.id)
    if attack == "rewrite":  # entry 2 edited, the plain chain recomputed, head moved along
        prev = rows[0].hash
        for e in rows[1:]:
            if e.seq == 2:
                e.payload = {"i": 200}
            e.prev_hash, e.hash = prev, plain_sha256(e, prev)
            await set_entry(clean_db, e.id, payload=e.payload, prev_hash=e.prev_hash, hash=e.hash)
            prev = e.hash
        await set_head(clean_db, c.id, hash=prev)
        expected = (False, N)
    elif attack == "seal_removed":
        await set_head(clean_db, c.id, legacy_seal=None)
        expected = (False, N)
    elif attack == "seq_raised":
        await set_head(clean_db, c.id, legacy_seq=N + 5)
        expected = (False, N + 1)
    else:  # an unkeyed entry appended past the seal
        await chain(clean_db, c.id, actor)
        last = (await entries(clean_db, c.id))[-1]
        async with clean_db.sessionmaker() as s, s.begin():
            e = ActivityEntry(
                client_id=c.id,
                seq=last.seq + 1,
                manager_id=None,
                action="client.processed",
                payload={},
                ip=None,
                user_agent=None,
                created_at=datetime.now(UTC),
                prev_hash=last.hash,
                hash="",
                hash_version=1,
            )
            e.hash = plain_sha256(e, last.hash)
            s.add(e)
        await set_head(clean_db, c.id, seq=e.seq, hash=e.hash)
        expected = (False, e.seq)
    assert await verify(clean_db, c.id) == expected


def test_the_keyed_rule_is_the_documented_one() -> None:
    """Version 2 is HMAC-SHA256(key, canonical JSON with prev_hash and v inside); version 1
    SHA-256(prev_hash || canonical JSON). Computed here from scratch."""
    import hmac

    when = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    fields: dict[str, Any] = {
        "client_id": 7,
        "seq": 2,
        "manager_id": 3,
        "action": "client.claimed",
        "payload": {"note": "Тест"},
        "ip": "203.0.113.7",
        "user_agent": "UA",
    }
    body = {**fields, "created_at": "2026-12-01T09:30:00.000000+00:00"}
    prev = "1" * 64
    v2 = json.dumps(
        {**body, "prev_hash": prev, "v": 2},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
    assert (
        activity.entry_hash(**fields, created_at=when, prev_hash=prev)
        == hmac.new(activity.chain_key(), v2, hashlib.sha256).hexdigest()
    )
    v1 = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert activity.entry_hash(**fields, created_at=when, prev_hash=prev, version=1) == (
        hashlib.sha256(prev.encode() + v1).hexdigest()
    )
    with pytest.raises(ValueError):
        activity.entry_hash(**fields, created_at=when, prev_hash=prev, version=3)
    seal = f"privet-manager/activity-legacy-seal/v1|7|2|{prev}".encode()
    assert activity.legacy_seal(7, 2, prev) == (
        hmac.new(activity.chain_key(), seal, hashlib.sha256).hexdigest()
    )


async def test_without_the_key_only_the_structure_is_checked(clean_db, actor) -> None:
    """`check_chain(keyed=False)`, the dispute pack's check when no chain key is at hand:
    the seqs, links, head and anchor, not the entries' HMACs nor the legacy seal."""
    c, old = await make_client(clean_db), await make_client(clean_db)
    await chain(clean_db, c.id, actor)
    third = (await entries(clean_db, c.id))[2]
    await set_entry(clean_db, third.id, payload={"i": 99})  # its HMAC no longer matches
    async with clean_db.sessionmaker() as s:
        rows, head = await activity.read_chain(s, c.id)
    assert activity.check_chain(c.id, rows, head) == (False, 3)
    assert activity.check_chain(c.id, rows, head, keyed=False) == (True, None)
    anchor = (rows[2].seq, "b" * 64)
    assert activity.check_chain(c.id, rows, head, anchor=anchor, keyed=False) == (False, 3)
    rows[3].prev_hash = "c" * 64  # a broken link is seen without the key
    assert activity.check_chain(c.id, rows, head, keyed=False) == (False, 4)
    # A legacy chain whose seal is wrong: only the key can tell.
    await legacy_chain(clean_db, old.id)
    await set_head(clean_db, old.id, legacy_seal="d" * 64)
    async with clean_db.sessionmaker() as s:
        rows, head = await activity.read_chain(s, old.id)
    assert activity.check_chain(old.id, rows, head) == (False, N)
    assert activity.check_chain(old.id, rows, head, keyed=False) == (True, None)
