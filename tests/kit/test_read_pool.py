"""The lists' and the card's pool (kit/db.py `get_read_connection`): nothing resets its
connections on return, so one is pooled again only as it was taken."""

from __future__ import annotations

import asyncio

import pytest
from privet_manager.kit import db as kit_db
from psycopg.pq import TransactionStatus


async def _checked_out():
    dependency = kit_db.get_read_connection()
    return dependency, await dependency.__anext__()


async def test_a_connection_left_in_a_transaction_is_not_pooled_again(clean_db) -> None:
    dependency, conn = await _checked_out()
    await conn.execute("BEGIN")
    await conn.execute("CREATE TEMP TABLE leftover (x int)")
    with pytest.raises(StopAsyncIteration):
        await dependency.__anext__()  # the request ends
    assert conn.closed  # discarded, not handed to the next request inside that transaction

    dependency, other = await _checked_out()
    assert other.info.transaction_status == TransactionStatus.IDLE
    row = await (await other.execute("SELECT to_regclass('pg_temp.leftover')")).fetchone()
    assert row == (None,)
    with pytest.raises(StopAsyncIteration):
        await dependency.__anext__()
    assert not other.closed  # a clean one goes back to the pool


async def test_a_cancelled_statement_leaves_the_connection_usable(clean_db) -> None:
    dependency, conn = await _checked_out()
    slow = asyncio.create_task(conn.execute("SELECT pg_sleep(5)"))
    await asyncio.sleep(0.2)
    slow.cancel()  # the request's task cancelled mid-statement
    with pytest.raises(asyncio.CancelledError):
        await slow
    with pytest.raises(StopAsyncIteration):
        await dependency.__anext__()
    if not conn.closed:  # pooled again only when idle and usable
        assert conn.info.transaction_status == TransactionStatus.IDLE
        assert await (await conn.execute("SELECT 1")).fetchone() == (1,)
