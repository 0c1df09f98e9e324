"""The card's one write, the passport-read log (an entry and the chain's head), happens only
when the card is shown: a card that fails after decrypting leaves no entry, and a manager who
may not see the passport writes nothing. A concurrent entry keeps the chain whole."""

from __future__ import annotations

import httpx
from privet_manager.activity.models import ActivityEntry, ActivityHead
from privet_manager.activity.service import verify_chain
from privet_manager.auth import deps
from privet_manager.kit import rawsql
from privet_manager.kit.storage import StorageUnavailable, get_storage
from sqlalchemy import func, select

from tests.clients.arrange import filled_client
from tests.conftest import Factory, login


async def _log(db, client_id: int) -> tuple[int, int, list[str]]:
    async with db.sessionmaker() as s:
        head = await s.scalar(select(ActivityHead.seq).where(ActivityHead.client_id == client_id))
        count = await s.scalar(
            select(func.count())
            .select_from(ActivityEntry)
            .where(ActivityEntry.client_id == client_id)
        )
        actions = list(
            await s.scalars(
                select(ActivityEntry.action)
                .where(ActivityEntry.client_id == client_id)
                .order_by(ActivityEntry.seq)
            )
        )
        ok, bad = await verify_chain(s, client_id)
        assert ok, bad
    return head, count, actions


async def test_failing_card_leaves_no_passport_read_log(
    client: httpx.AsyncClient, factory: Factory, clean_db, monkeypatch
):
    me = await factory.manager()
    headers = await login(client, me)
    filled = await filled_client(client, clean_db, me, headers)
    before = await _log(clean_db, filled.client_id)

    # The store goes away while the card signs its photo links (a fault, not a stub of a
    # result: the card must fail as a whole).
    async def store_down(*args: object, **kwargs: object) -> str:
        raise StorageUnavailable("store down")

    storage = get_storage()
    monkeypatch.setattr(storage, "presign_download", store_down)
    r = await client.get(f"/api/manager/clients/{filled.client_id}", headers=headers)
    assert r.status_code == 503, r.text
    # The card was not shown: no read entry, the chain head unmoved.
    assert await _log(clean_db, filled.client_id) == before

    monkeypatch.undo()
    for _ in range(2):  # the pooled connection is clean: no transaction left open
        r = await client.get(f"/api/manager/clients/{filled.client_id}", headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["timeline"][0]["action"] == "passport.read"
    head, count, actions = await _log(clean_db, filled.client_id)
    assert head == count == before[1] + 2
    assert actions == [*before[2], "passport.read", "passport.read"]


async def test_card_of_someone_elses_client_writes_nothing(
    client: httpx.AsyncClient, factory: Factory, clean_db
):
    me = await factory.manager()
    other = await factory.manager()
    headers = await login(client, me)
    filled = await filled_client(client, clean_db, me, headers)
    before = await _log(clean_db, filled.client_id)
    r = await client.get(
        f"/api/manager/clients/{filled.client_id}", headers=await login(client, other)
    )
    assert r.status_code == 200, r.text
    assert r.json()["passport"] is None and r.json()["passport_on_file"] is True
    assert await _log(clean_db, filled.client_id) == before


async def test_entry_logged_between_the_read_and_the_lock_is_in_the_timeline(
    client: httpx.AsyncClient, factory: Factory, clean_db, monkeypatch
):
    """The holder's card reads the chain's head and the timeline, then logs the passport read
    only if that head has not moved; when another request logged an entry in between, the
    read is appended after it under a lock and the timeline is read again, so it shows both,
    newest first, and the chain verifies."""
    from privet_manager.activity import service as activity

    me = await factory.manager()
    headers = await login(client, me)
    filled = await filled_client(client, clean_db, me, headers)
    original = rawsql.run_pipelined

    async def then_someone_logs(*args, **kwargs):
        results = await original(*args, **kwargs)
        async with clean_db.sessionmaker() as s, s.begin():
            await activity.record(s, filled.client_id, "note.added", None)
        return results

    monkeypatch.setattr(deps, "run_pipelined", then_someone_logs)
    r = await client.get(f"/api/manager/clients/{filled.client_id}", headers=headers)
    assert r.status_code == 200, r.text
    timeline = r.json()["timeline"]
    assert [e["action"] for e in timeline[:2]] == ["passport.read", "note.added"]
    assert [e["seq"] for e in timeline] == sorted((e["seq"] for e in timeline), reverse=True)
    head, count, _ = await _log(clean_db, filled.client_id)
    assert timeline[0]["seq"] == head == count

    monkeypatch.setattr(deps, "run_pipelined", original)
    r = await client.get(f"/api/manager/clients/{filled.client_id}", headers=headers)
    again = r.json()["timeline"]
    assert again[0]["action"] == "passport.read" and again[0]["seq"] == head + 1
    assert again[1:] == timeline[: len(again) - 1]


async def test_concurrent_passport_reads_keep_the_chain_whole(
    client: httpx.AsyncClient, factory: Factory, clean_db
):
    """Eight cards of one client at once: each read is logged exactly once, in one gapless
    chain (the reads whose head moved take the locking way)."""
    import asyncio

    me = await factory.manager()
    headers = await login(client, me)
    filled = await filled_client(client, clean_db, me, headers)
    before = await _log(clean_db, filled.client_id)
    url = f"/api/manager/clients/{filled.client_id}"
    responses = await asyncio.gather(*(client.get(url, headers=headers) for _ in range(8)))
    assert {r.status_code for r in responses} == {200}
    # Each card's timeline is headed by a passport read of this burst (its own, or a later
    # one when it was read again after the locking way).
    for r in responses:
        newest = r.json()["timeline"][0]
        assert newest["action"] == "passport.read"
        assert before[0] < newest["seq"] <= before[0] + 8
    head, count, actions = await _log(clean_db, filled.client_id)  # verifies the chain
    assert head == count == before[1] + 8
    assert actions == [*before[2], *["passport.read"] * 8]
