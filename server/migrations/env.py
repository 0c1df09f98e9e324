"""Alembic environment. Our version table is our own, so the database can be shared
with Привет Супер's Alembic history."""

from __future__ import annotations

from alembic import context
from privet_manager.kit.db import resolve_database_url
from privet_manager.models import Base
from privet_manager.settings import get_settings
from sqlalchemy import create_engine, pool

VERSION_TABLE = "privet_manager_alembic_version"

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return config.attributes.get("database_url") or resolve_database_url(get_settings())


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        version_table=VERSION_TABLE,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)


# Tables shared with Привет Супер are created once if absent and never altered (0001), so
# autogenerate never compares them; other applications' tables are none of our business.
SHARED_TABLES = {"users", "devices", "support_tickets", "support_messages"}


def _ours(name: str | None, type_: str, parent_names: object) -> bool:
    if type_ != "table":
        return True
    return name in target_metadata.tables and name not in SHARED_TABLES


def _not_shared(obj: object, name: str | None, type_: str, reflected: bool, other: object) -> bool:
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table not in SHARED_TABLES


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        compare_type=True,
        # Other applications' tables in a shared database are none of our business.
        include_name=lambda name, type_, parent: type_ != "table" or name in target_metadata.tables,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
