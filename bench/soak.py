"""Soak run: 10 simulated managers take clients through the whole wizard concurrently against
one live uvicorn process for a few minutes; then every contract and every activity chain must
verify, no client may be held by two managers, and the counts must match.

    .venv/bin/python -m bench.soak --database-url postgresql://postgres@127.0.0.1:5432/pm_soak \
        --create --clients 5000 --duration 180

Writes bench/results/soak-<timestamp>.json and bench/results/soak-latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import psycopg

from bench import seed as seed_mod
from bench.db import create_database, libpq_url, sqlalchemy_url
from bench.server import ROOT, serve, watch
from bench.wizard import API, StepFailed, Wizard

RESULTS = ROOT / "bench" / "results"


@dataclass
class Outcome:
    manager: int
    done: list[dict[str, Any]] = field(default_factory=list)  # completed wizards
    claim_conflicts: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    claimed: list[int] = field(default_factory=list)


def add_managers(url: str, total: int) -> list[str]:
    """Bench managers 1..total (the seed makes 5; the rest share their password hash)."""
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        row = conn.execute(
            "SELECT password_hash FROM manager_users WHERE email = %s", (seed_mod.manager_email(1),)
        ).fetchone()
        assert row is not None, "seed the database with bench.seed first"
        for i in range(1, total + 1):
            conn.execute(
                "INSERT INTO manager_users (email, name, password_hash, role) "
                "VALUES (%s, %s, %s, 'manager') ON CONFLICT DO NOTHING",
                (seed_mod.manager_email(i), f"Мастер {i}", row[0]),
            )
    return [seed_mod.manager_email(i) for i in range(1, total + 1)]


async def manager_loop(
    n: int, base_url: str, email: str, jwt_secret: str, deadline: float, seed: int
) -> tuple[Outcome, Wizard]:
    out = Outcome(manager=n)
    limits = httpx.Limits(max_connections=4)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as http:
        r = await http.post(
            f"{API}/auth/login", json={"email": email, "password": seed_mod.BENCH_PASSWORD}
        )
        r.raise_for_status()
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        rng = random.Random(seed * 1000 + n)
        w = Wizard(http, headers, jwt_secret, rng)
        tariffs = await w.tariffs()
        while time.monotonic() < deadline:
            page = await w.call("list", "GET", f"{API}/clients?tab=new&limit=50")
            if not page["items"]:
                break
            item = rng.choice(page["items"])  # ten managers on one page: claims collide
            try:
                version = await w.claim(item["id"])
            except StepFailed as exc:
                if exc.status == 409:
                    out.claim_conflicts += 1
                    continue
                out.failures.append({"client": item["id"], "step": exc.step, "status": exc.status,
                                     "body": exc.response.text[:300]})  # fmt: skip
                continue
            out.claimed.append(item["id"])
            try:
                result = await _rest_of_wizard(w, item, version, rng.choice(tariffs))
                out.done.append({"client": item["id"], **result})
            except StepFailed as exc:
                out.failures.append({"client": item["id"], "step": exc.step, "status": exc.status,
                                     "body": exc.response.text[:300]})  # fmt: skip
            except AssertionError as exc:
                out.failures.append({"client": item["id"], "step": "check", "error": str(exc)})
    return out, w


async def _rest_of_wizard(
    w: Wizard, item: dict[str, Any], version: int, tariff: str
) -> dict[str, Any]:
    cid, user_id = item["id"], item["user_id"]
    version = await w.profile(cid, version)
    version = await w.passport(cid, version)
    await w.card(cid)
    devices = []
    for _ in range(w.rng.randint(1, 3)):
        device_id, version = await w.device(cid, version)
        devices.append(device_id)
    await w.confirm_photo(cid, devices[0], await w.upload(cid, devices[0]))
    surcharge = await w.apply_tariff(cid, tariff)
    contract = await w.generate(cid)
    await w.card(cid)
    signed = await w.confirm(cid, await w.read_code(user_id))
    status = signed["client_status"]
    paid = False
    if status != "processed":
        status = (await w.pay(cid, surcharge))["client_status"]
        paid = True
    return {"contract": contract["number"], "surcharge": surcharge, "status": status,
            "paid": paid, "devices": len(devices)}  # fmt: skip


async def verify_everything(
    base_url: str, headers: dict[str, str], url: str, outcomes: list[Outcome]
) -> dict[str, Any]:
    """The end-of-run checks, through the API and straight in the database."""
    from privet_manager.activity.service import verify_chain
    from sqlalchemy.ext.asyncio import create_async_engine

    done = [(o.manager, d) for o in outcomes for d in o.done]
    claimed = Counter(cid for o in outcomes for cid in o.claimed)
    checks: dict[str, Any] = {}

    bad_contracts = []
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as http:
        for _, d in done:
            r = await http.get(f"{API}/clients/{d['client']}/contract/verify")
            body = r.json()
            if r.status_code != 200 or body.get("valid") is not True:
                bad_contracts.append({"client": d["client"], "status": r.status_code, "body": body})
    checks["contracts_verify"] = {"checked": len(done), "invalid": bad_contracts}

    engine = create_async_engine(sqlalchemy_url(url), pool_size=2)
    bad_chains = []
    from sqlalchemy.ext.asyncio import AsyncSession

    async with AsyncSession(engine) as session:
        for cid in claimed:
            ok, seq = await verify_chain(session, cid)
            if not ok:
                bad_chains.append({"client": cid, "first_bad_seq": seq})
    await engine.dispose()
    checks["activity_chains_verify"] = {"checked": len(claimed), "invalid": bad_chains}

    # No client held by two managers: each claim won once, and the database agrees on who.
    twice = [cid for cid, n in claimed.items() if n > 1]
    with psycopg.connect(libpq_url(url)) as conn:
        rows = conn.execute(
            "SELECT c.id, m.email, c.status, "
            "(SELECT count(*) FROM manager_contracts k WHERE k.client_id = c.id "
            " AND k.status = 'signed'), "
            "(SELECT count(*) FROM manager_payments p WHERE p.client_id = c.id) "
            "FROM manager_clients c JOIN manager_users m ON m.id = c.assigned_manager_id "
            "WHERE c.id = ANY(%s)",
            (list(claimed),),
        ).fetchall()
    by_id = {r[0]: r for r in rows}
    wrong_holder = [
        {"client": d["client"], "soak_manager": seed_mod.manager_email(m),
         "db_manager": by_id.get(d["client"], (None, None))[1]}
        for m, d in done if by_id.get(d["client"], (None, None))[1] != seed_mod.manager_email(m)
    ]  # fmt: skip
    checks["no_client_held_twice"] = {"claimed_twice": twice, "holder_mismatch": wrong_holder}

    processed = sum(1 for r in rows if r[2] == "processed")
    expected_processed = sum(1 for _, d in done if d["status"] == "processed")
    signed_contracts = sum(r[3] for r in rows if any(d["client"] == r[0] for _, d in done))
    payments = sum(r[4] for r in rows)
    checks["counts"] = {
        "wizards_completed": len(done),
        "clients_processed_in_db": processed,
        "expected_processed": expected_processed,
        "signed_contracts_of_completed": signed_contracts,
        "payments_in_db": payments,
        "payments_made": sum(1 for _, d in done if d["paid"]),
    }
    c = checks["counts"]
    checks["ok"] = (
        not bad_contracts
        and not bad_chains
        and not twice
        and not wrong_holder
        and processed == expected_processed == len(done)
        and signed_contracts == len(done)
        and payments == c["payments_made"]
    )
    return checks


def _pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return round(values[0] * 1000, 1) if values else 0.0
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000, 1)


async def run(args: argparse.Namespace, base_url: str, server_pid: int) -> dict[str, Any]:
    from privet_manager.settings import Settings

    jwt_secret = Settings().jwt_secret
    emails = add_managers(args.database_url, args.managers)
    deadline = time.monotonic() + args.duration
    started = time.monotonic()
    with watch(server_pid, interval=0.5) as usage:
        results = await asyncio.gather(
            *(manager_loop(i + 1, base_url, e, jwt_secret, deadline, args.seed)
              for i, e in enumerate(emails))
        )  # fmt: skip
    elapsed = time.monotonic() - started
    outcomes = [o for o, _ in results]
    steps: dict[str, list[float]] = {}
    for _, w in results:
        for step, values in w.timings.steps.items():
            steps.setdefault(step, []).extend(values)
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        login = {"email": seed_mod.manager_email(5), "password": seed_mod.BENCH_PASSWORD}
        r = await http.post(f"{API}/auth/login", json=login)
        admin = {"Authorization": f"Bearer {r.json()['access_token']}"}
    checks = await verify_everything(base_url, admin, args.database_url, outcomes)
    failures = [f for o in outcomes for f in o.failures]
    return {
        "benchmark": "soak",
        "started_at": datetime.now(UTC).isoformat(),
        "settings": {
            "managers": args.managers,
            "duration_s": args.duration,
            "clients_in_database": args.clients,
        },
        "elapsed_s": round(elapsed, 1),
        "wizards_completed": sum(len(o.done) for o in outcomes),
        "wizards_per_minute": round(sum(len(o.done) for o in outcomes) / elapsed * 60, 1),
        "claim_conflicts_409": sum(o.claim_conflicts for o in outcomes),
        "failures": failures,
        "failures_by_status": dict(Counter(str(f.get("status")) for f in failures)),
        "per_manager": {o.manager: len(o.done) for o in outcomes},
        "server_peak_rss_mb": round(usage.peak_rss / 2**20, 1),
        "server_cpu": round(usage.cpu_seconds / elapsed, 2),
        "steps_ms": {
            s: {"n": len(v), "p50": _pct(v, 50), "p95": _pct(v, 95)}
            for s, v in sorted(steps.items())
        },
        "checks": checks,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--create", action="store_true", help="create and seed it first")
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--managers", type=int, default=10)
    parser.add_argument("--duration", type=float, default=180)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args(argv)
    if args.create:
        create_database(args.database_url, replace=True)
        seed_mod.seed(args.database_url, args.clients, args.seed)
    with serve(args.database_url) as server:
        report = asyncio.run(run(args, server.base_url, server.pid))
    print(json.dumps({k: v for k, v in report.items() if k != "failures"}, indent=2,
                     ensure_ascii=False))  # fmt: skip
    if report["failures"]:
        print(f"{len(report['failures'])} failures, first: {report['failures'][:3]}")
    print("soak checks:", "OK" if report["checks"]["ok"] else "FAILED")
    if not args.no_save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        text = json.dumps(report, indent=2, ensure_ascii=False)
        (RESULTS / f"soak-{stamp}.json").write_text(text)
        (RESULTS / "soak-latest.json").write_text(text)
    if not report["checks"]["ok"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
