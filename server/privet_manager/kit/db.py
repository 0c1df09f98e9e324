"""Engine, session factory and the per-request session dependency."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

from privet_manager.kit import embedded_postgres
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
        # Read-only requests: the same pool, each statement its own transaction (no BEGIN
        # and COMMIT round trips). Switching psycopg's autocommit on checkout and back on
        # return is client-side only.
        self.read_sessionmaker = async_sessionmaker(
            self.engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
        )

    async def dispose(self) -> None:
        await self.engine.dispose()


_db: Database | None = None


def resolve_database_url(settings: Settings) -> str:
    """DATABASE_URL as given, or the embedded server's URL (starting it if needed)."""
    if settings.database_url:
        return embedded_postgres.to_sqlalchemy_url(settings.database_url)
    return embedded_postgres.start(settings.privet_data_dir)


def sync_url(url: str) -> str:
    """The same URL for synchronous use (alembic, psycopg without asyncio)."""
    return url


def init_database(settings: Settings) -> Database:
    global _db
    if _db is None:
        _db = Database(resolve_database_url(settings), settings.database_pool_size)
    return _db


def get_database() -> Database:
    if _db is None:
        raise RuntimeError("database not initialised")
    return _db


async def close_database() -> None:
    global _db
    if _db is not None:
        await _db.dispose()
        _db = None


async def get_session() -> AsyncIterator[AsyncSession]:
    """One transaction per request: commit on success, roll back on error."""
    async with get_database().sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


# scope="function": commit before the response is sent. FastAPI's default for dependencies
# with yield ("request") runs the exit code after sending, so a client could be told 200 for
# a write whose commit then failed, and its next request could still see the old state.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_read_session() -> AsyncIterator[AsyncSession]:
    """A session in AUTOCOMMIT for read-only requests: every statement commits on its own, so
    no BEGIN/COMMIT round trips. Only for routes whose writes (if any) are single statements
    that need no transaction around them (the `new` tab's catch-up INSERT)."""
    async with get_database().read_sessionmaker() as session:
        yield session


ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session, scope="function")]
