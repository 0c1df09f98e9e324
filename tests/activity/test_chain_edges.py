"""`verify_chain` at its edges: an empty chain, and an anchor (what a signature bound) at the
head itself, below it or past it."""

from __future__ import annotations

from privet_manager.activity import service as activity
from privet_manager.auth.actor import Actor

from tests.activity.test_keyed_chain import chain, entries, verify
from tests.clients.factories import make_client


async def test_an_empty_chain_verifies(clean_db) -> None:
    client = await make_client(clean_db)
    assert await verify(clean_db, client.id) == (True, None)
    assert await verify(clean_db, client.id, (0, activity.GENESIS_HASH)) == (True, None)
    assert await verify(clean_db, client.id, (1, "a" * 64)) == (False, 1)


async def test_an_anchor_at_the_head_below_it_or_past_it(clean_db, actor: Actor) -> None:
    client = await make_client(clean_db)
    await chain(clean_db, client.id, actor)
    stored = await entries(clean_db, client.id)
    head, below = stored[-1], stored[1]
    assert await verify(clean_db, client.id, (head.seq, head.hash)) == (True, None)
    assert await verify(clean_db, client.id, (below.seq, below.hash)) == (True, None)
    assert await verify(clean_db, client.id, (head.seq, "f" * 64)) == (False, head.seq)
    assert await verify(clean_db, client.id, (head.seq + 1, head.hash)) == (False, head.seq + 1)
