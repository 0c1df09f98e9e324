"""The hash chain: appends are serialised per client; any edit or removal is detected."""

from __future__ import annotations

import asyncio

from privet_manager.activity import service as activity
from privet_manager.activity.models import ActivityEntry, ActivityHead
from privet_manager.auth.deps import current_actor
from privet_manager.settings import get_settings
from sqlalchemy import delete, select, text
from starlette.requests import Request

from tests.clients.factories import make_client


def fake_request(peer: str, forwarded: str | None = None, ua: str = "Tablet/1.0") -> Request:
    headers = [(b"user-agent", ua.encode())]
    if forwarded:
        headers.append((b"x-forwarded-for", forwarded.encode()))
    return Request(
        {"type": "http", "method": "POST", "path": "/", "headers": headers, "client": (peer, 1234)}
    )


async def fill(db, client_id: int, n: int) -> None:
    async with db.sessionmaker() as s, s.begin():
        for i in range(n):
            await activity.record(s, client_id, "profile.updated", None, {"i": i, "note": "тест"})


async def verify(db, client_id: int) -> tuple[bool, int | None]:
    async with db.sessionmaker() as s:
        return await activity.verify_chain(s, client_id)


async def test_concurrent_appends_make_one_unbroken_chain(clean_db) -> None:
    c = await make_client(clean_db)
    await asyncio.gather(*(fill(clean_db, c.id, 5) for _ in range(6)))
    async with clean_db.sessionmaker() as s:
        seqs = list(
            await s.scalars(
                select(ActivityEntry.seq)
                .where(ActivityEntry.client_id == c.id)
                .order_by(ActivityEntry.seq)
            )
        )
    assert seqs == list(range(1, 31))
    assert await verify(clean_db, c.id) == (True, None)
    # Chains are per client.
    other = await make_client(clean_db)
    await fill(clean_db, other.id, 2)
    assert await verify(clean_db, other.id) == (True, None)


async def test_edit_reorder_and_removal_are_detected(clean_db) -> None:
    c = await make_client(clean_db)
    await fill(clean_db, c.id, 6)

    async def tamper(sql: str) -> tuple[bool, int | None]:
        async with clean_db.sessionmaker() as s, s.begin():
            await s.execute(text(sql), {"cid": c.id})
        return await verify(clean_db, c.id)

    # Each tampering is done on a fresh chain.
    assert await tamper(
        "UPDATE manager_activity_log SET payload = '{\"i\": 99}' WHERE client_id = :cid AND seq = 3"
    ) == (False, 3)
    await reset(clean_db, c.id)
    assert await tamper(
        "UPDATE manager_activity_log SET ip = '10.0.0.1' WHERE client_id = :cid AND seq = 5"
    ) == (False, 5)
    await reset(clean_db, c.id)
    assert await tamper("DELETE FROM manager_activity_log WHERE client_id = :cid AND seq = 2") == (
        False,
        2,
    )
    await reset(clean_db, c.id)
    # Removing the newest entries: the head kept in manager_activity_heads gives it away.
    assert await tamper("DELETE FROM manager_activity_log WHERE client_id = :cid AND seq >= 5") == (
        False,
        5,
    )
    await reset(clean_db, c.id)
    assert await tamper(
        "UPDATE manager_activity_log SET created_at = created_at + interval '1 second'"
        " WHERE client_id = :cid AND seq = 1"
    ) == (False, 1)


async def reset(db, client_id: int) -> None:
    async with db.sessionmaker() as s, s.begin():
        await s.execute(delete(ActivityEntry).where(ActivityEntry.client_id == client_id))
        await s.execute(delete(ActivityHead).where(ActivityHead.client_id == client_id))
    await fill(db, client_id, 6)
    assert await verify(db, client_id) == (True, None)


async def test_ip_and_user_agent_follow_the_trusted_proxy_rule(
    clean_db, factory, monkeypatch
) -> None:
    c = await make_client(clean_db)
    manager = await factory.manager()
    settings = get_settings()
    monkeypatch.setattr(settings, "trusted_proxies", "10.0.0.0/8")
    direct_actor = await current_actor(fake_request("203.0.113.5", "1.2.3.4"), manager)
    proxied_actor = await current_actor(fake_request("10.1.2.3", "198.51.100.7, 10.9.9.9"), manager)
    async with clean_db.sessionmaker() as s, s.begin():
        direct = await activity.record(s, c.id, "client.claimed", direct_actor)
        proxied = await activity.record(s, c.id, "client.claimed", proxied_actor)
    assert direct.ip == "203.0.113.5"  # X-Forwarded-For from an untrusted peer is ignored
    assert proxied.ip == "198.51.100.7"
    assert proxied.user_agent == "Tablet/1.0"
    assert await verify(clean_db, c.id) == (True, None)
