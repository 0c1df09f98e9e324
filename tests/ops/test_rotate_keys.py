"""Passport key rotation on a real database: batches, SKIP LOCKED, idempotence, the CLI."""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest
from privet_manager.clients.models import Passport
from privet_manager.kit import crypto
from privet_manager.legacy.models import User
from privet_manager.ops.rotate_keys import count_outdated, rotate_passport_key
from privet_manager.settings import get_settings
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

if TYPE_CHECKING:
    from tests.conftest import PgServer

K1 = "k1:" + base64.urlsafe_b64encode(b"1" * 32).decode()
K2 = "k2:" + base64.urlsafe_b64encode(b"2" * 32).decode()
N = 7


def use_keys(monkeypatch: pytest.MonkeyPatch, spec: str) -> None:
    monkeypatch.setenv("PASSPORT_ENCRYPTION_KEY", spec)
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _restore_settings() -> object:
    yield
    get_settings.cache_clear()


@pytest.fixture
async def db(pg_server: PgServer) -> AsyncIterator[tuple[str, async_sessionmaker[AsyncSession]]]:
    url = pg_server.migrated_database("pm_rotate")
    engine = create_async_engine(url)
    yield url, async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()
    pg_server.drop_database(url)


async def add_passports(sm: async_sessionmaker[AsyncSession]) -> dict[int, tuple[str, str]]:
    plain: dict[int, tuple[str, str]] = {}
    async with sm() as s, s.begin():
        for i in range(N):
            user = User(name=f"Клиент {i}", phone=f"+7916000000{i}")
            s.add(user)
            await s.flush()
            series, number = f"40{i:02d}", f"55443{i}"
            series_enc, kid = crypto.encrypt(series)
            number_enc, _ = crypto.encrypt(number)
            s.add(
                Passport(
                    user_id=user.id,
                    series_enc=series_enc,
                    number_enc=number_enc,
                    key_id=kid,
                    issued_by="ОВД",
                    issue_date=date(2016, 1, 1),
                    department_code="770-002",
                    birth_date=date(1991, 1, 1),
                    birth_place="Москва",
                )
            )
            plain[user.id] = (series, number)
    return plain


async def passports(sm: async_sessionmaker[AsyncSession]) -> list[Passport]:
    async with sm() as s:
        return list((await s.execute(select(Passport).order_by(Passport.id))).scalars())


async def test_rotation_moves_every_row_to_the_new_key(
    db: tuple[str, async_sessionmaker[AsyncSession]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, sm = db
    use_keys(monkeypatch, K1)
    plain = await add_passports(sm)
    before = {p.id: p for p in await passports(sm)}
    assert {p.key_id for p in before.values()} == {"k1"}

    use_keys(monkeypatch, f"{K2},{K1}")
    # While both keys are configured, rows under either key read fine (no downtime).
    for p in before.values():
        assert crypto.decrypt(p.series_enc, p.key_id) == plain[p.user_id][0]
    assert await count_outdated(sm) == {"k1": N}

    result = await rotate_passport_key(sm, batch_size=3)
    assert (result.key_id, result.rotated, result.batches, result.remaining) == ("k2", N, 3, 0)
    after = await passports(sm)
    assert {p.key_id for p in after} == {"k2"}
    for p in after:
        assert p.series_enc != before[p.id].series_enc
        assert p.updated_at == before[p.id].updated_at
        assert (
            crypto.decrypt(p.series_enc, "k2"),
            crypto.decrypt(p.number_enc, "k2"),
        ) == plain[p.user_id]

    again = await rotate_passport_key(sm, batch_size=3)
    assert (again.rotated, again.batches, again.remaining) == (0, 0, 0)
    assert [p.series_enc for p in await passports(sm)] == [p.series_enc for p in after]

    # The old key can now go: everything reads with k2 alone.
    use_keys(monkeypatch, K2)
    for p in await passports(sm):
        assert crypto.decrypt(p.number_enc, p.key_id) == plain[p.user_id][1]


async def test_a_missing_old_key_stops_the_rotation_without_damage(
    db: tuple[str, async_sessionmaker[AsyncSession]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, sm = db
    use_keys(monkeypatch, K1)
    await add_passports(sm)
    before = [(p.id, p.series_enc, p.key_id) for p in await passports(sm)]
    use_keys(monkeypatch, K2)  # k1 dropped too early
    with pytest.raises(crypto.CryptoError, match="'k1' is not configured"):
        await rotate_passport_key(sm)
    assert [(p.id, p.series_enc, p.key_id) for p in await passports(sm)] == before


async def test_rows_locked_by_a_writer_are_skipped_not_waited_for(
    db: tuple[str, async_sessionmaker[AsyncSession]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, sm = db
    use_keys(monkeypatch, K1)
    await add_passports(sm)
    first = (await passports(sm))[0]
    use_keys(monkeypatch, f"{K2},{K1}")
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq) as writer:  # a manager saving a passport right now
        writer.execute("SELECT id FROM users_passports WHERE id = %s FOR UPDATE", (first.id,))
        result = await asyncio.wait_for(rotate_passport_key(sm, batch_size=2), timeout=20)
        assert (result.rotated, result.remaining) == (N - 1, 1)
    assert await count_outdated(sm) == {"k1": 1}
    result = await rotate_passport_key(sm, batch_size=2)
    assert (result.rotated, result.remaining) == (1, 0)


async def test_cli_rotates(
    db: tuple[str, async_sessionmaker[AsyncSession]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    url, sm = db
    use_keys(monkeypatch, K1)
    plain = await add_passports(sm)
    exe = Path(sys.executable).with_name("privet-manager")
    env = {**os.environ, "DATABASE_URL": url, "PASSPORT_ENCRYPTION_KEY": f"{K2},{K1}"}
    out = subprocess.run([exe, "rotate-passport-key"], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert f"re-encrypted {N} passports under key k2" in out.stdout
    use_keys(monkeypatch, K2)
    for p in await passports(sm):
        assert crypto.decrypt(p.series_enc, p.key_id) == plain[p.user_id][0]
    out = subprocess.run([exe, "rotate-passport-key"], env=env, capture_output=True, text=True)
    assert "re-encrypted 0 passports" in out.stdout
