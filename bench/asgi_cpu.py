"""The server's Python CPU per request, in-process, for several checkouts side by side.

    .venv/bin/python -m bench.asgi_cpu --database-url URL --kinds list_new,search_surname \
        --tree main=/tmp/pm-main --tree after=. [--rounds 5]

Each round starts one process per tree (`PYTHONPATH=<tree>/server`), which builds the app,
logs in as bench1 and calls the ASGI app directly (no HTTP server, no client: the ASGI
`receive`/`send` are two small functions) with 8 requests in flight; it reports the process
CPU per request over 800 requests after a warm-up. The trees take turns within each round,
so a busy machine slows them alike; medians over the rounds are printed. PostgreSQL's CPU is
not in the figure (`bench.db_cpu` measures it), nor is uvicorn's HTTP parsing: this is what
the code between the ASGI call and its answer costs, the part a change to our code moves.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import MutableMapping
from typing import Any

from bench.db import sqlalchemy_url
from bench.server import ROOT

CONCURRENCY = 8
REQUESTS = 800


async def _measure(database_url: str, paths: list[str], gzip: bool) -> tuple[float, float]:
    """In the child: CPU ms per request of the app on `paths` (cycled), and the Python
    function calls per request (cProfile's count over the next 200 requests: the same on a
    quiet or a busy machine)."""
    os.environ.update(
        {
            "DATABASE_URL": sqlalchemy_url(database_url),
            "LOG_LEVEL": "WARNING",
            "PRIVET_DATA_DIR": tempfile.mkdtemp(prefix="pm-asgi-"),
            "PRIVET_SPA_DIST": "/nonexistent",
            "ENVIRONMENT": "development",
        }
    )
    import httpx
    from privet_manager.kit.db import close_database, init_database
    from privet_manager.kit.storage import init_storage
    from privet_manager.main import create_app
    from privet_manager.settings import get_settings

    from bench.seed import BENCH_PASSWORD, manager_email

    settings = get_settings()
    init_database(settings)
    init_storage(settings)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        r = await client.post(
            "/api/manager/auth/login",
            json={"email": manager_email(1), "password": BENCH_PASSWORD},
        )
        r.raise_for_status()
        token = r.json()["access_token"]
    headers = [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode())]
    if gzip:
        headers.append((b"accept-encoding", b"gzip"))
    split = [[*p.split("?", 1), ""][:2] for p in paths]
    statuses: set[int] = set()
    counter = 0

    async def one() -> None:
        nonlocal counter
        path, query = split[counter % len(split)]
        counter += 1
        scope: dict[str, Any] = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
            "query_string": query.encode(), "headers": list(headers), "root_path": "",
            "client": ("127.0.0.1", 40001), "server": ("127.0.0.1", 80),
        }  # fmt: skip

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.add(message["status"])

        await app(scope, receive, send)

    async def batch(n: int) -> None:
        async def worker() -> None:
            for _ in range(n // CONCURRENCY):
                await one()

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))

    await batch(240)  # warm-up: prepared statements, the pool, caches
    started = time.process_time()
    await batch(REQUESTS)
    cpu = time.process_time() - started
    profile = cProfile.Profile()
    profile.enable()
    await batch(200)
    profile.disable()
    calls = pstats.Stats(profile).total_calls / 200  # type: ignore[attr-defined]
    await close_database()
    if statuses != {200}:
        raise SystemExit(f"answers other than 200: {sorted(statuses)}")
    return cpu / REQUESTS * 1000, calls


def _paths(database_url: str, kind: str) -> tuple[list[str], bool]:
    from bench.api import GZIP, workloads

    base = kind.removesuffix(GZIP)
    return workloads(database_url, random.Random(7), size=200)[base], kind.endswith(GZIP)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True, help="a database seeded by bench.seed")
    parser.add_argument("--kinds", default="list_new,list_new_gzip,search_surname,card_full")
    parser.add_argument("--tree", action="append", required=True, help="name=checkout")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        paths, gzip = _paths(args.database_url, args.child)
        print(json.dumps(asyncio.run(_measure(args.database_url, paths, gzip))))
        return
    trees = dict(t.split("=", 1) for t in args.tree)
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    figures: dict[tuple[str, str], list[float]] = {}
    calls: dict[tuple[str, str], float] = {}
    loads = [os.getloadavg()[0]]
    for rnd in range(args.rounds):
        for kind in kinds:
            names = list(trees) if rnd % 2 == 0 else list(trees)[::-1]
            for name in names:
                env = {**os.environ, "PYTHONPATH": f"{os.path.abspath(trees[name])}/server:{ROOT}"}
                out = subprocess.run(
                    [sys.executable, "-m", "bench.asgi_cpu", "--database-url", args.database_url,
                     "--tree", "x=.", "--child", kind],
                    env=env, cwd=ROOT, capture_output=True, text=True, check=True,
                )  # fmt: skip
                value, calls[(kind, name)] = json.loads(out.stdout.strip().splitlines()[-1])
                figures.setdefault((kind, name), []).append(value)
                loads.append(os.getloadavg()[0])
                print(f"[{rnd + 1}] {kind:16} {name:10} {value:.3f} ms CPU/request, "
                      f"{calls[(kind, name)]:.0f} calls/request", flush=True)  # fmt: skip
    print(f"\nload average (1 min) {min(loads):.1f}-{max(loads):.1f}; medians of {args.rounds}:")
    for kind in kinds:
        row = "  ".join(f"{name} {statistics.median(figures[(kind, name)]):.3f}" for name in trees)
        print(f"{kind:16} {row}")


if __name__ == "__main__":
    main()
