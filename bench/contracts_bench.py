"""Benchmark of `contract/generate` and `contract/confirm` against one live uvicorn process.

    .venv/bin/python -m bench.contracts_bench [--clients 50] [--runs 3] [--pg URL]
        [--compare-unsealed] [--compare-main PATH | --compare-rev REV] [--seal-latency 20]

A fresh database on the PostgreSQL server (the system one by default) is migrated and seeded
with clients whose steps 1-4 are done; the tariff is applied through the API (not timed).
Then, per run, `generate` is timed once per client, the code is read through the support
bridge as the client's app would (not timed), and `confirm` is timed once per client.
Requests are sequential, so the figures are service times, not queueing. A `GET /health`
series in the same run is the baseline. Results: bench/results/contracts.json.
Targets (TARGETS.md): generate p95 <= 150 ms, confirm p95 <= 60 ms.

The seal is made after confirm answers (contracts/sealing.py). Per variant the bench also
times, sequentially after the runs: `--seal-latency N` contracts from confirm's answer until
the sealed copy is recorded (polling the database directly every 2 ms, not the server), and
`generate` right after a confirm, i.e. while that contract's seal is being made
(`generate_after_confirm`). `--compare-main PATH` adds a server running the code of the
checkout at PATH (PYTHONPATH=PATH/server), `--compare-rev REV` the same for a git revision
(e.g. 160a5fb, which seals inside confirm), interleaved with this one's in the same run:
before and after on one machine at one load (reported as "main").
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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
APP = "privet_manager.main:create_app"
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


UNSEALED_APP = "bench.unsealed_app:create_app"


def seal_latency(
    http: httpx.Client, h: dict[str, str], batch: list[tuple[int, int]], url: str
) -> list[float]:
    """For each client: generate (not timed), confirm, then the time from confirm's answer
    until the contract is recorded sealed (the database polled every 2 ms)."""
    import psycopg

    out: list[float] = []
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        for client_id, user_id in batch:
            r = http.post(
                f"/api/manager/clients/{client_id}/contract/generate",
                json={"pep_agreed": True},
                headers=h,
            )
            assert r.status_code == 201, r.text
            code = read_code(http, user_id)
            r = http.post(
                f"/api/manager/clients/{client_id}/contract/confirm",
                json={"code": code},
                headers=h,
            )
            assert r.status_code == 200, r.text
            answered = time.perf_counter()
            deadline = answered + 60
            while True:
                row = conn.execute(
                    "SELECT sealed FROM manager_contracts WHERE client_id = %s"
                    " AND status = 'signed'",
                    (client_id,),
                ).fetchone()
                if row and row[0]:
                    break
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"client {client_id}: not sealed within 60 s")
                time.sleep(0.002)
            out.append((time.perf_counter() - answered) * 1000)
    return out


def generate_after_confirm(
    http: httpx.Client, h: dict[str, str], pairs: list[tuple[int, int]]
) -> list[float]:
    """`generate` timed right after another client's confirm answered: with the seal after
    confirm, while that seal is being made."""
    half = len(pairs) // 2
    signers, others = pairs[:half], pairs[half : 2 * half]
    for client_id, _ in signers:
        r = http.post(
            f"/api/manager/clients/{client_id}/contract/generate",
            json={"pep_agreed": True},
            headers=h,
        )
        assert r.status_code == 201, r.text
    codes = {c: read_code(http, u) for c, u in signers}
    out: list[float] = []
    for (signer, _), (other, _) in zip(signers, others, strict=True):
        r = http.post(
            f"/api/manager/clients/{signer}/contract/confirm",
            json={"code": codes[signer]},
            headers=h,
        )
        assert r.status_code == 200, r.text
        ms, r = timed(
            http,
            "POST",
            f"/api/manager/clients/{other}/contract/generate",
            json={"pep_agreed": True},
            headers=h,
        )
        assert r.status_code == 201, r.text
        out.append(ms)
    return out


def checkout(rev: str) -> Path:
    """The server code of git revision `rev`, extracted into a temporary folder."""
    import subprocess

    root = Path(tempfile.mkdtemp(prefix="pm-bench-rev-"))
    repo = Path(__file__).resolve().parent.parent
    archive = subprocess.run(
        ["git", "-C", str(repo), "archive", rev, "server"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
    return root


def children_cpu(pid: int) -> float:
    """CPU seconds of the server's child processes (the seal's worker)."""
    import psutil

    total = 0.0
    for child in psutil.Process(pid).children(recursive=True):
        with contextlib.suppress(psutil.Error):
            t = child.cpu_times()
            total += t.user + t.system
    return total


def login(http: httpx.Client, email: str) -> dict[str, str]:
    token = http.post(
        "/api/manager/auth/login", json={"email": email, "password": PASSWORD}
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}", "User-Agent": "contracts-bench"}


def sign_batch(
    http: httpx.Client, h: dict[str, str], batch: list[tuple[int, int]]
) -> tuple[list[float], list[float]]:
    """Generate for every client of `batch`, then confirm each (both timed)."""
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
    return gen, conf


def medians(per_run: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        kind: {
            key: round(statistics.median(r[kind][key] for r in per_run), 2)
            for key in ("p50_ms", "p95_ms", "p99_ms", "max_ms")
        }
        for kind in ("generate", "confirm")
    }


def seal_cpu_ms(data_dir: Path, repeat: int = 30) -> dict[str, float]:
    """The seal alone, in this process: one generated contract with its signing sheet
    appended, sealed `repeat` times with the own ECDSA P-256 seal (CPU time per seal)."""
    from privet_manager.seal import SealStamp, load_seal
    from privet_manager.settings import Settings
    from privet_manager.signing.pdf.document import EvidenceDocument
    from privet_manager.signing.pdf.evidence import append_evidence

    original = next(p for p in (data_dir / "storage").rglob("*.pdf") if "-signed" not in p.name)
    ev = EvidenceDocument(
        number="PM-2026-000001",
        client_name="Иванова Мария Петровна",
        signed_at="01.12.2026 20:15:03 МСК (UTC+3)",
        manager="Bench (id 1, bench@privet.test)",
        pdf_sha256="0" * 64,
        pep="версия v1, SHA-256 " + "1" * 64,
        pep_agreed_at="01.12.2026 20:14:03 МСК (UTC+3)",
        signer_ip="203.0.113.7",
        signer_user_agent="contracts-bench",
        ticket="чат поддержки",
        photo_hashes=["2" * 64, "3" * 64, "4" * 64],
        signed_ts=time.time(),
    )
    signed = append_evidence(original.read_bytes(), ev)
    seal = load_seal(Settings(privet_data_dir=data_dir / "bench-seal"))
    stamp = SealStamp("ООО «Привет Супер»", "PM-2026-000001", "01.12.2026 20:15:03 МСК (UTC+3)")
    seal.seal(signed, stamp=stamp)  # warm-up
    cpu: list[float] = []
    for _ in range(repeat):
        started = time.process_time()
        seal.seal(signed, stamp=stamp)
        cpu.append((time.process_time() - started) * 1000)
    return {"p50_ms": round(statistics.median(cpu), 2), "min_ms": round(min(cpu), 2)}


def run(
    pg: str,
    clients: int,
    runs: int,
    warmup: int = 5,
    compare_unsealed: bool = False,
    compare_main: Path | None = None,
    latency: int = 20,
) -> dict[str, Any]:
    name = f"pm_bench_contracts_{os.getpid()}"
    url = sqlalchemy_url(with_database(pg, name))
    create_database(url, replace=True)
    data_dir = Path(tempfile.mkdtemp(prefix="pm-bench-contracts-"))
    variants = ["sealed"]
    if compare_main is not None:
        variants.append("main")
    if compare_unsealed:
        variants.append("unsealed")
    apps = {"sealed": APP, "main": APP, "unsealed": UNSEALED_APP}
    extra = {"main": {"PYTHONPATH": str(compare_main / "server")} if compare_main else {}}
    try:
        from privet_manager import migrate

        migrate.upgrade(url)
        per_variant = clients * runs + warmup + 3 * latency
        email, made = asyncio.run(seed(url, per_variant * len(variants), data_dir))
        env = {"PRIVET_DATA_DIR": str(data_dir)}
        with contextlib.ExitStack() as stack:
            servers = {
                v: stack.enter_context(serve(url, {**env, **extra.get(v, {})}, apps[v]))
                for v in variants
            }
            https = {
                v: stack.enter_context(httpx.Client(base_url=s.base_url, timeout=30))
                for v, s in servers.items()
            }
            headers = {v: login(https[v], email) for v in variants}
            h0, http0 = headers[variants[0]], https[variants[0]]
            for client_id, _ in made:
                r = http0.post(
                    f"/api/manager/clients/{client_id}/tariff/apply",
                    json={"tariff_code": "basic"},
                    headers=h0,
                )
                assert r.status_code == 200, r.text
            health = [timed(http0, "GET", "/health")[0] for _ in range(200)]
            mine = {
                v: made[i * per_variant : (i + 1) * per_variant] for i, v in enumerate(variants)
            }
            for v in variants:  # fonts, templates, pools, the seal
                sign_batch(https[v], headers[v], mine[v][:warmup])
            per_run: dict[str, list[dict[str, Any]]] = {v: [] for v in variants}
            cpu: dict[str, float] = {}
            worker_cpu: dict[str, float] = {}
            for n in range(runs):
                for v in variants:  # interleaved: both see the same machine load
                    batch = mine[v][warmup + n * clients : warmup + (n + 1) * clients]
                    before = children_cpu(servers[v].pid)
                    with watch(servers[v].pid) as usage:
                        gen, conf = sign_batch(https[v], headers[v], batch)
                    cpu[v] = cpu.get(v, 0.0) + usage.cpu_seconds
                    worker_cpu[v] = worker_cpu.get(v, 0.0) + (children_cpu(servers[v].pid) - before)
                    per_run[v].append({"generate": summary(gen), "confirm": summary(conf)})
            after: dict[str, dict[str, Any]] = {}
            if latency:
                start = warmup + runs * clients
                for v in variants:
                    rest = mine[v][start:]
                    after[v] = {
                        "generate_after_confirm": summary(
                            generate_after_confirm(https[v], headers[v], rest[: 2 * latency])
                        ),
                    }
                for v in variants:
                    if v == "unsealed":
                        continue
                    rest = mine[v][start + 2 * latency : start + 3 * latency]
                    after[v]["answer_to_sealed"] = summary(
                        seal_latency(https[v], headers[v], rest, url)
                    )
        result: dict[str, Any] = {
            "benchmark": "contracts",
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "clients_per_run": clients,
            "runs": per_run["sealed"],
            "median_of_runs": medians(per_run["sealed"]),
            "baseline_health": summary(health),
            "machine_load_average": [round(x, 2) for x in os.getloadavg()],
            "targets_p95_ms": TARGETS,
            "server_cpu_ms_per_contract": {
                v: round(cpu[v] * 1000 / (clients * runs), 1) for v in variants
            },
            # The seal's worker process (a child of the server): not in the figure above.
            "seal_worker_cpu_ms_per_contract": {
                v: round(worker_cpu[v] * 1000 / (clients * runs), 1) for v in variants
            },
            "after_confirm": after,
            "seal_alone_cpu_ms": seal_cpu_ms(data_dir),
        }
        for v in variants[1:]:
            result[v] = {"runs": per_run[v], "median_of_runs": medians(per_run[v])}
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
    parser.add_argument(
        "--compare-unsealed",
        action="store_true",
        help="also confirm on a second server that signs without the seal (before issue 14)",
    )
    parser.add_argument(
        "--compare-main",
        type=Path,
        default=None,
        metavar="PATH",
        help="also run the code of the checkout at PATH (e.g. /work/main), interleaved",
    )
    parser.add_argument(
        "--compare-rev",
        default=None,
        metavar="REV",
        help="like --compare-main, with the server code of this git revision (git archive), "
        "e.g. 160a5fb, main just before the seal moved after confirm",
    )
    parser.add_argument(
        "--seal-latency",
        type=int,
        default=20,
        metavar="N",
        help="contracts timed from confirm's answer to the sealed copy (and generate after "
        "a confirm); 0 skips both",
    )
    args = parser.parse_args(argv)
    if args.compare_rev:
        args.compare_main = checkout(args.compare_rev)
    result = run(
        args.pg,
        args.clients,
        args.runs,
        compare_unsealed=args.compare_unsealed,
        compare_main=args.compare_main,
        latency=args.seal_latency,
    )
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
    for v, label in (("main", "main (--compare-main)"), ("unsealed", "without the seal")):
        if v in result:
            for kind in ("generate", "confirm"):
                m = result[v]["median_of_runs"][kind]
                print(
                    f"median of runs: {kind:8} {label} p50 {m['p50_ms']:.2f} ms  "
                    f"p95 {m['p95_ms']:.2f} ms"
                )
    for v, figures in result["after_confirm"].items():
        for what, s in figures.items():
            print(f"{v:8} {what:22} p50 {s['p50_ms']:7.2f} ms  p95 {s['p95_ms']:7.2f} ms")
    print(f"seal worker CPU per contract: {result['seal_worker_cpu_ms_per_contract']} ms")
    print(f"server CPU per generate + confirm: {result['server_cpu_ms_per_contract']} ms")
    print(f"the seal alone: {result['seal_alone_cpu_ms']} ms CPU")
    print(f"load average {result['machine_load_average']}")
    b = result["baseline_health"]
    print(f"baseline GET /health p50 {b['p50_ms']:.2f} ms p95 {b['p95_ms']:.2f} ms")
    print(f"-> {RESULTS / 'contracts.json'}")


if __name__ == "__main__":
    main()
