"""Migrations on an empty database and on a database shared with Привет Супер."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from privet_manager import migrate
from privet_manager.models import Base
from sqlalchemy import create_engine, inspect, pool

from tests.conftest import PgServer

SHARED = ("users", "devices", "support_tickets", "support_messages")

# Привет Супер's own schema: more columns than ours, all with defaults, and its own
# alembic_version table that must stay untouched.
PRIVET_SUPER_SCHEMA = """
CREATE TABLE users (
    id bigserial PRIMARY KEY, phone varchar(32), email varchar(255), name varchar(255),
    created_at timestamptz NOT NULL DEFAULT now(), locale text NOT NULL DEFAULT 'ru',
    is_blocked boolean NOT NULL DEFAULT false
);
CREATE TABLE devices (
    id bigserial PRIMARY KEY, user_id bigint NOT NULL REFERENCES users(id), kind varchar(64),
    brand varchar(128), model varchar(128), serial_number varchar(128),
    created_at timestamptz NOT NULL DEFAULT now(), warranty_until date
);
CREATE TABLE support_tickets (
    id bigserial PRIMARY KEY, user_id bigint NOT NULL REFERENCES users(id), subject varchar(255),
    status varchar(32) NOT NULL DEFAULT 'open', created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(), priority int NOT NULL DEFAULT 0
);
CREATE TABLE support_messages (
    id bigserial PRIMARY KEY, ticket_id bigint NOT NULL REFERENCES support_tickets(id),
    author_type varchar(32) NOT NULL DEFAULT 'support', body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(), read_at timestamptz
);
CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);
INSERT INTO alembic_version VALUES ('privet_super_42');
INSERT INTO users (phone, email, name) VALUES
    ('+79161234567', 'ivan@example.ru', 'Иванов Иван'), ('89031112233', NULL, 'Петрова Анна');
INSERT INTO devices (user_id, kind, brand, model) VALUES (1, 'phone', 'Apple', 'iPhone 15');
INSERT INTO support_tickets (user_id, subject) VALUES (1, 'Вопрос');
INSERT INTO support_messages (ticket_id, body, author_type) VALUES (1, 'Здравствуйте', 'client');
"""


@pytest.fixture
def fresh_db(pg_server: PgServer) -> Iterator[str]:
    url = pg_server.create_database("pm_migr")
    yield url
    pg_server.drop_database(url)


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _snapshot(url: str) -> dict[str, object]:
    """Columns (with types and defaults) and every row of the shared tables."""
    out: dict[str, object] = {}
    with psycopg.connect(_libpq(url)) as conn:
        for table in SHARED:
            cols = conn.execute(
                "SELECT column_name, data_type, column_default, is_nullable "
                "FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
                (table,),
            ).fetchall()
            rows = conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
            indexes = conn.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename = %s ORDER BY indexname", (table,)
            ).fetchall()
            out[table] = (cols, rows, indexes)
        out["alembic_version"] = conn.execute("SELECT * FROM alembic_version").fetchall()
    return out


def _tables(url: str) -> set[str]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _current(url: str) -> str | None:
    with psycopg.connect(_libpq(url)) as conn:
        row = conn.execute("SELECT version_num FROM privet_manager_alembic_version").fetchone()
    return row[0] if row else None


def _heads() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(migrate.alembic_config("unused")).get_current_head()
    assert head
    return head


def test_upgrade_on_empty_database_matches_the_models(fresh_db: str) -> None:
    migrate.upgrade(fresh_db)
    assert _current(fresh_db) == _heads()
    assert set(Base.metadata.tables) <= _tables(fresh_db)
    engine = create_engine(fresh_db, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_name": _ours_only}
            )
            diff = compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()
    diff = [d for d in diff if not _is_shared_comment(d)]
    assert diff == [], f"models and migrations differ: {diff}"


def _ours_only(name: str | None, type_: str, parent: object) -> bool:
    return type_ != "table" or name in Base.metadata.tables


def _is_shared_comment(diff: object) -> bool:
    return isinstance(diff, tuple) and "comment" in str(diff[0])


def test_upgrade_keeps_privet_super_tables_and_rows(fresh_db: str) -> None:
    with psycopg.connect(_libpq(fresh_db), autocommit=True) as conn:
        conn.execute(PRIVET_SUPER_SCHEMA)
    before = _snapshot(fresh_db)
    migrate.upgrade(fresh_db)
    assert _snapshot(fresh_db) == before
    assert "manager_clients" in _tables(fresh_db)

    # Downgrading our history removes only our tables; theirs stay, rows and all.
    migrate.downgrade(fresh_db, "base")
    assert _snapshot(fresh_db) == before
    left = _tables(fresh_db)
    assert not {t for t in left if t.startswith("manager_")}
    assert set(SHARED) <= left


def test_downgrade_to_base_and_upgrade_again(fresh_db: str) -> None:
    migrate.upgrade(fresh_db)
    migrate.downgrade(fresh_db, "base")
    assert _tables(fresh_db) <= {"privet_manager_alembic_version"}
    migrate.upgrade(fresh_db)
    assert _current(fresh_db) == _heads()
    assert set(Base.metadata.tables) <= _tables(fresh_db)


def _storage_options(url: str) -> dict[str, list[str]]:
    with psycopg.connect(_libpq(url)) as conn:
        rows = conn.execute(
            "SELECT c.relname, c.reloptions FROM pg_class c "
            "WHERE c.relname = 'manager_clients' OR c.relname IN "
            "(SELECT indexname FROM pg_indexes WHERE tablename = 'manager_clients' "
            " AND indexdef LIKE '%USING gin%')"
        ).fetchall()
    return {name: sorted(options or []) for name, options in rows}


def test_client_rows_leave_room_and_search_indexes_have_no_pending_list(fresh_db: str) -> None:
    """0006: the table's pages keep room for HOT updates; the GIN indexes take entries
    directly. The models declare the same, and a downgrade resets both."""
    migrate.upgrade(fresh_db)
    options = _storage_options(fresh_db)
    assert options.pop("manager_clients") == ["fillfactor=80"]
    assert len(options) == 4 and all(o == ["fastupdate=off"] for o in options.values())
    table = Base.metadata.tables["manager_clients"]
    assert table.dialect_options["postgresql"]["with"] == {"fillfactor": 80}
    for index in table.indexes:
        if index.name in options:
            assert index.dialect_options["postgresql"]["with"] == {"fastupdate": "off"}
    migrate.downgrade(fresh_db, "0005")
    assert all(o == [] for o in _storage_options(fresh_db).values())


def test_baseline_stamp_on_an_existing_database(fresh_db: str) -> None:
    """docs/OPERATIONS.md: on a Привет Супер database, stamp the baseline, then upgrade."""
    with psycopg.connect(_libpq(fresh_db), autocommit=True) as conn:
        conn.execute(PRIVET_SUPER_SCHEMA)
    before = _snapshot(fresh_db)
    migrate.stamp(fresh_db, "0001")
    assert _current(fresh_db) == "0001"
    migrate.upgrade(fresh_db)
    assert _current(fresh_db) == _heads()
    assert _snapshot(fresh_db) == before
    # Their own Alembic history is untouched: two version tables side by side.
    with psycopg.connect(_libpq(fresh_db)) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (
            "privet_super_42",
        )


def test_offline_sql_can_be_reviewed(capsys: pytest.CaptureFixture[str]) -> None:
    """DBAs of a shared database review the SQL before it runs (`alembic upgrade --sql`)."""
    cfg = migrate.alembic_config("postgresql+psycopg://reviewer@localhost/review")
    command.upgrade(cfg, "0001:head", sql=True)
    sql = capsys.readouterr().out
    assert "CREATE TABLE manager_clients" in sql
    assert "privet_manager_alembic_version" in sql
    assert "DROP TABLE users" not in sql
