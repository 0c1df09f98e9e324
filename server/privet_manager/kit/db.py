"""Engine, session factory and the per-request session dependency."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import psycopg
from fastapi import Depends
from psycopg.pq import TransactionStatus
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.util import greenlet_spawn

from privet_manager.kit import embedded_postgres
from privet_manager.kit.errors import AppError
from privet_manager.settings import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Database:
    """Holds the engine and session factory for one app instance."""

    def __init__(self, url: str, pool_size: int = 10) -> None:
        self.url = url
        # No pool_pre_ping: it costs a round trip on every checkout. A connection that died
        # in the pool fails its first statement instead; SQLAlchemy then invalidates it and
        # every connection pooled before it, the error handler answers that one request 503
        # `database_unavailable`, and the next checkout connects afresh
        # (tests/faults/test_database.py). pool_recycle retires connections before servers
        # or firewalls drop idle ones.
        self.engine: AsyncEngine = create_async_engine(
            url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800
        )
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        # The hot read-only requests (the lists): their own pool of connections that are
        # always in autocommit, so each statement is its own transaction (no BEGIN/COMMIT
        # round trips) and checkout/return switch nothing and send nothing. They run their
        # statements straight on psycopg (`ReadConnectionDep`, kit/rawsql.py). No overflow: a
        # request holds its connection for about a millisecond, so waiting for one is cheaper than
        # opening a connection per request beyond the pool (a new server process each, and
        # its prepared statements gone on return), which made the 95th percentile a multiple of
        # the median at 16 concurrent requests (bench/README.md, findings).
        self.read_engine: AsyncEngine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=0,
            pool_recycle=1800,
            isolation_level="AUTOCOMMIT",
            pool_reset_on_return=None,
        )

    async def dispose(self) -> None:
        await self.engine.dispose()
        await self.read_engine.dispose()


_db: Database | None = None


def resolve_database_url(settings: Settings) -> str:
    """DATABASE_URL as given, or the embedded server's URL (starting it if needed)."""
    if settings.database_url:
        return embedded_postgres.to_sqlalchemy_url(settings.database_url)
    return embedded_postgres.start(settings.privet_data_dir)


def init_database(settings: Settings) -> Database:
    global _db
    if _db is None:
        _db = Database(resolve_database_url(settings), settings.database_pool_size)
    return _db


def get_database() -> Database:
    if _db is None:
        raise RuntimeError("database not initialised")
    return _db


def pool_state() -> dict[str, dict[str, int]]:
    """Connections per pool: in use, idle, and requests waiting for one (for the metrics).
    Empty before the database is initialised."""
    if _db is None:
        return {}
    return {
        "main": _pool_counts(_db.engine.pool),
        "read": _pool_counts(_db.read_engine.pool),
    }


def _pool_counts(pool: Any) -> dict[str, int]:
    # QueuePool keeps idle connections in an asyncio.Queue (created on first use); whoever
    # waits for one is a pending getter of that queue. SQLAlchemy has no public count of
    # waiters, so this reads asyncio's and reports 0 if either changes shape.
    queue = getattr(getattr(pool, "_pool", None), "__dict__", {}).get("_queue")
    getters = getattr(queue, "_getters", ())
    return {
        "in_use": int(pool.checkedout()),
        "idle": int(pool.checkedin()),
        "waiting": sum(1 for waiter in getters if not waiter.done()),
    }


async def close_database() -> None:
    global _db
    if _db is not None:
        await _db.dispose()
        _db = None


async def get_session() -> AsyncIterator[AsyncSession]:
    """One transaction per request: commit on success, roll back on error.

    This is the one place that commits a request's work. A refusal whose writes are its
    point (an `AppError` with `keeps_writes`: a counted wrong code, a revoked session, a
    counted login failure) commits them before it is answered, so they survive the error
    without a second connection or transaction."""
    async with get_database().sessionmaker() as session:
        try:
            yield session
        except AppError as exc:
            if exc.keeps_writes:
                await session.commit()
            else:
                await session.rollback()
            raise
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


@asynccontextmanager
async def transaction() -> AsyncIterator[AsyncSession]:
    """A unit of work outside a request (the CLI, background tasks, a stream's checks): its
    own session, committed when the block ends, rolled back if it raises."""
    async with get_database().sessionmaker() as session, session.begin():
        yield session


# scope="function": commit before the response is sent. FastAPI's default for dependencies
# with yield ("request") runs the exit code after sending, so a client could be told 200 for
# a write whose commit then failed, and its next request could still see the old state.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_read_connection() -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    """A psycopg connection in autocommit from the read pool, for routes that answer with one
    or a few statements and need no transaction around them (the lists, the card): skipping
    SQLAlchemy's result and session layers is most of their CPU (bench/README.md, round 4).

    SQLAlchemy does not see the statements, so it cannot notice a dead connection itself:
    on a connection error this one is invalidated and the pool is replaced (every connection
    in it died with the server, as SQLAlchemy's own disconnect handling assumes), and the
    error handler answers 503 `database_unavailable`."""
    database = get_database()
    # The pool's own connection record, without SQLAlchemy's Connection around it: the same
    # pool (size, recycling, invalidation), a tenth of the checkout's CPU (140 → 35 µs per
    # request; bench/README.md, issue 17). Invalidating closes the driver's connection, an
    # await in SQLAlchemy's asyncio adaptation: it runs in a greenlet, as Connection does.
    fairy = await database.read_engine.raw_connection()
    raw = fairy.driver_connection
    assert isinstance(raw, psycopg.AsyncConnection)
    try:
        yield raw
    except psycopg.OperationalError:
        await greenlet_spawn(fairy.invalidate)
        await database.read_engine.dispose()
        raise
    finally:
        # Returned to the pool only as it was taken: idle, no transaction left open
        # (nothing resets these connections on return); a closed one is not returned.
        if fairy.is_valid and raw.info.transaction_status != TransactionStatus.IDLE:
            await greenlet_spawn(fairy.invalidate)
        await greenlet_spawn(fairy.close)


# The same as a context manager, for dependencies that take a connection among other things
# (auth/deps.py `live_reader`).
read_connection = asynccontextmanager(get_read_connection)

ReadConnectionDep = Annotated[
    psycopg.AsyncConnection[Any], Depends(get_read_connection, scope="function")
]
