"""Benchmark of `contract/generate` and `contract/confirm` against one live uvicorn process.

    .venv/bin/python -m bench.contracts_bench [--clients 50] [--runs 3] [--pg URL]

A fresh database on the PostgreSQL server (the system one by default) is migrated and seeded
with clients whose steps 1-4 are done; the tariff is applied through the API (not timed).
Then, per run, `generate` is timed once per client, the code is read through the support
bridge as the client's app would (not timed), and `confirm` is timed once per client.
Requests are sequential, so the figures are service times, not queueing. A `GET /health`
series in the same run is the baseline. Results: bench/results/contracts.json.
Targets (TARGETS.md): generate p95 <= 150 ms, confirm p95 <= 60 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from bench.db import SYSTEM_PG, create_database, drop_database, sqlalchemy_url, with_database
from bench.server import serve, watch

RESULTS = Path(__file__).resolve().parent / "results"
TARGETS = {"generate": 150.0, "confirm": 60.0}
CODE_RE = re.compile(r"код подтверждения: (\d{6})")
PASSWORD = "Bench-Contracts-2026!"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(values), 2),
        "p95_ms": round(percentile(values, 0.95), 2),
        "p99_ms": round(percentile(values, 0.99), 2),
        "max_ms": round(max(values), 2),
    }


# A photo as the SPA uploads it (1200 px on the long side, about 200 KB): generation reads
# and hashes every photo from storage.
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(200_000) + b"\xff\xd9"


async def seed(url: str, clients: int, data_dir: Path) -> tuple[str, list[tuple[int, int]]]:
    """A manager and `clients` clients with profile, passport, three devices with a photo
    each, stored in the server's local storage under `data_dir`."""
    os.environ["DATABASE_URL"] = url
    from privet_manager.auth.models import Manager
    from privet_manager.clients.models import Client, Passport
    from privet_manager.devices.models import DevicePhoto, ManagerDevice
    from privet_manager.kit import crypto
    from privet_manager.kit.security import hash_password, sha256_hex
    from privet_manager.kit.storage.local import LocalStorage
    from privet_manager.legacy.models import SupportTicket, User
    from privet_manager.tariffs.service import seed_default_tariffs
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    storage = LocalStorage(data_dir / "storage")
    engine = create_async_engine(url)
    made: list[tuple[int, int]] = []
    email = "bench-contracts@privet.test"
    async with async_sessionmaker(engine)() as s, s.begin():
        await seed_default_tariffs(s)
        manager = Manager(
            email=email, name="Мастер Бенчмарков", password_hash=hash_password(PASSWORD)
        )
        s.add(manager)
        await s.flush()
        for i in range(clients):
            user = User(name=f"Клиентов Клиент {i}", phone=f"+7916{i:07d}", email=f"c{i}@ex.ru")
            s.add(user)
            await s.flush()
            s.add(SupportTicket(user_id=user.id, subject="Подписка"))
            client = Client(
                user_id=user.id,
                status="in_progress",
                current_step="4",
                assigned_manager_id=manager.id,
                claimed_at=datetime.now(UTC),
                name=user.name,
                phone=user.phone,
                email=user.email,
                address_text=f"г. Москва, ул. Тверская, д. {i + 1}",
            )
            s.add(client)
            series, kid = crypto.encrypt("4510")
            number, _ = crypto.encrypt(f"{i:06d}")
            s.add(
                Passport(
                    user_id=user.id,
                    series_enc=series,
                    number_enc=number,
                    key_id=kid,
                    issued_by="ГУ МВД России по г. Москве",
                    issue_date=date(2015, 5, 20),
                    department_code="770-001",
                    birth_date=date(1990, 1, 1),
                    birth_place="г. Москва",
                )
            )
            await s.flush()
            for kind in ("phone", "laptop", "tv"):
                device = ManagerDevice(
                    client_id=client.id,
                    kind=kind,
                    brand="Бренд",
                    model=f"{kind}-{i}",
                    serial_number=f"SN{i}{kind}",
                    declared_value=Decimal("30000.00"),
                )
                s.add(device)
                await s.flush()
                key = f"clients/{client.id}/devices/{device.id}/{device.id:032x}.jpg"
                data = PHOTO + str(device.id).encode()
                await storage.put(key, data, "image/jpeg")
                s.add(
                    DevicePhoto(
                        device_id=device.id,
                        object_key=key,
                        content_type="image/jpeg",
                        size=len(data),
                        sha256=sha256_hex(data),
                    )
                )
            made.append((client.id, user.id))
    await engine.dispose()
    return email, made


def app_token(user_id: int) -> str:
    from privet_manager.kit.security import create_jwt
    from privet_manager.settings import get_settings

    token, _ = create_jwt(
        get_settings().jwt_secret, subject=str(user_id), token_type="app", ttl=timedelta(minutes=5)
    )
    return token


def read_code(http: httpx.Client, user_id: int) -> str:
    h = {"Authorization": f"Bearer {app_token(user_id)}"}
    ticket = http.get("/api/support/tickets", headers=h).json()["items"][0]["id"]
    messages = http.get(f"/api/support/tickets/{ticket}/messages", headers=h).json()["items"]
    for m in reversed(messages):
        found = CODE_RE.search(m["body"])
        if found:
            return found.group(1)
    raise RuntimeError("no code")


def timed(http: httpx.Client, method: str, path: str, **kw: Any) -> tuple[float, httpx.Response]:
    t0 = time.perf_counter()
    r = http.request(method, path, **kw)
    return (time.perf_counter() - t0) * 1000, r


def run(pg: str, clients: int, runs: int, warmup: int = 5) -> dict[str, Any]:
    name = f"pm_bench_contracts_{os.getpid()}"
    url = sqlalchemy_url(with_database(pg, name))
    create_database(url, replace=True)
    data_dir = Path(tempfile.mkdtemp(prefix="pm-bench-contracts-"))
    try:
        from privet_manager import migrate

        migrate.upgrade(url)
        email, made = asyncio.run(seed(url, clients * runs + warmup, data_dir))
        with (
            serve(url, {"PRIVET_DATA_DIR": str(data_dir)}) as server,
            httpx.Client(base_url=server.base_url, timeout=30) as http,
        ):
            token = http.post(
                "/api/manager/auth/login", json={"email": email, "password": PASSWORD}
            ).json()["access_token"]
            h = {"Authorization": f"Bearer {token}", "User-Agent": "contracts-bench"}
            for client_id, _ in made:
                r = http.post(
                    f"/api/manager/clients/{client_id}/tariff/apply",
                    json={"tariff_code": "basic"},
                    headers=h,
                )
                assert r.status_code == 200, r.text
            health = [timed(http, "GET", "/health")[0] for _ in range(200)]
            for client_id, user_id in made[:warmup]:  # fonts, templates, pools
                http.post(
                    f"/api/manager/clients/{client_id}/contract/generate",
                    json={"pep_agreed": True},
                    headers=h,
                )
                code = read_code(http, user_id)
                http.post(
                    f"/api/manager/clients/{client_id}/contract/confirm",
                    json={"code": code},
                    headers=h,
                )
            per_run: list[dict[str, Any]] = []
            rest = made[warmup:]
            with watch(server.pid) as usage:
                for n in range(runs):
                    batch = rest[n * clients : (n + 1) * clients]
                    gen: list[float] = []
                    conf: list[float] = []
                    for client_id, _ in batch:
                        ms, r = timed(
                            http,
                            "POST",
                            f"/api/manager/clients/{client_id}/contract/generate",
                            json={"pep_agreed": True},
                            headers=h,
                        )
                        assert r.status_code == 201, r.text
                        gen.append(ms)
                    codes = {c: read_code(http, u) for c, u in batch}
                    for client_id, _ in batch:
                        ms, r = timed(
                            http,
                            "POST",
                            f"/api/manager/clients/{client_id}/contract/confirm",
                            json={"code": codes[client_id]},
                            headers=h,
                        )
                        assert r.status_code == 200, r.text
                        conf.append(ms)
                    per_run.append({"generate": summary(gen), "confirm": summary(conf)})
        result: dict[str, Any] = {
            "benchmark": "contracts",
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "clients_per_run": clients,
            "runs": per_run,
            "median_of_runs": {
                kind: {
                    key: round(statistics.median(r[kind][key] for r in per_run), 2)
                    for key in ("p50_ms", "p95_ms", "p99_ms", "max_ms")
                }
                for kind in ("generate", "confirm")
            },
            "baseline_health": summary(health),
            "targets_p95_ms": TARGETS,
            "server_peak_rss_mb": round(usage.peak_rss / 2**20, 1),
            "server_cpu_seconds": round(usage.cpu_seconds, 2),
        }
        result["meets_targets"] = {
            kind: result["median_of_runs"][kind]["p95_ms"] <= TARGETS[kind] for kind in TARGETS
        }
        return result
    finally:
        drop_database(url)
        shutil.rmtree(data_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg", default=SYSTEM_PG, help="a superuser URL of the server to use")
    args = parser.parse_args(argv)
    result = run(args.pg, args.clients, args.runs)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "contracts.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    for i, r in enumerate(result["runs"], 1):
        for kind in ("generate", "confirm"):
            s = r[kind]
            print(f"run {i} {kind:8} p50 {s['p50_ms']:7.2f} ms  p95 {s['p95_ms']:7.2f} ms")
    med = result["median_of_runs"]
    for kind in ("generate", "confirm"):
        ok = "meets" if result["meets_targets"][kind] else "MISSES"
        print(
            f"median of runs: {kind:8} p50 {med[kind]['p50_ms']:.2f} ms  "
            f"p95 {med[kind]['p95_ms']:.2f} ms  ({ok} target p95 <= {TARGETS[kind]:.0f} ms)"
        )
    b = result["baseline_health"]
    print(f"baseline GET /health p50 {b['p50_ms']:.2f} ms p95 {b['p95_ms']:.2f} ms")
    print(f"server peak RSS {result['server_peak_rss_mb']} MB -> {RESULTS / 'contracts.json'}")


if __name__ == "__main__":
    main()
