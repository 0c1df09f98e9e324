"""Database helpers shared by the benchmarks: URL forms, creating and dropping databases."""

from __future__ import annotations

import psycopg
from sqlalchemy.engine import make_url

SYSTEM_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


def libpq_url(url: str) -> str:
    """`postgresql+psycopg://…` → `postgresql://…` (what psycopg itself accepts)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def sqlalchemy_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def create_database(url: str, *, replace: bool = False) -> None:
    """Create the database named in `url` (connecting to `postgres` on the same server)."""
    name = make_url(url).database
    if not name or not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing odd database name {name!r}")
    admin = libpq_url(with_database(url, "postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if replace:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    name = make_url(url).database
    admin = libpq_url(with_database(url, "postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
