"""Profile one request kind in-process with pyinstrument (where does a request's CPU go?).

    .venv/bin/python -m bench.profile --database-url URL \
        --path '/api/manager/clients?tab=new&limit=50'

The app runs in this process behind httpx's ASGI transport, driven with `--concurrency`
requests in flight, after a warm-up; the profile is printed (and written as HTML with --html).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time

import httpx


async def _run(args: argparse.Namespace) -> None:
    from pyinstrument import Profiler

    from bench.db import sqlalchemy_url
    from bench.seed import BENCH_PASSWORD, manager_email

    os.environ.update(
        {
            "DATABASE_URL": sqlalchemy_url(args.database_url),
            "LOG_LEVEL": "WARNING",
            "PRIVET_DATA_DIR": tempfile.mkdtemp(prefix="pm-profile-"),
            "PRIVET_SPA_DIST": "/nonexistent",
        }
    )
    from privet_manager.kit.db import close_database, init_database
    from privet_manager.kit.storage import init_storage
    from privet_manager.main import create_app
    from privet_manager.settings import get_settings

    settings = get_settings()
    init_database(settings)
    init_storage(settings)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        r = await client.post(
            "/api/manager/auth/login",
            json={"email": manager_email(args.manager), "password": BENCH_PASSWORD},
        )
        r.raise_for_status()
        client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        paths = args.path

        async def worker(n: int, offset: int) -> None:
            for i in range(n):
                resp = await client.get(paths[(i + offset) % len(paths)])
                if resp.status_code != 200:
                    raise SystemExit(f"{resp.status_code}: {resp.text[:300]}")

        await asyncio.gather(*(worker(20, i) for i in range(args.concurrency)))  # warm-up
        per = args.requests // args.concurrency
        profiler = Profiler(interval=0.0005, async_mode="enabled")
        t0, cpu0 = time.perf_counter(), time.process_time()
        if not args.no_profile:
            profiler.start()
        await asyncio.gather(*(worker(per, i) for i in range(args.concurrency)))
        if not args.no_profile:
            profiler.stop()
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    await close_database()
    n = per * args.concurrency
    print(
        f"{n} requests in {elapsed:.2f} s: {elapsed / n * 1000:.2f} ms each, "
        f"{cpu / n * 1000:.2f} ms CPU each (this process: client + app)"
    )
    if args.no_profile:
        return
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if args.html:
        with open(args.html, "w") as f:
            f.write(profiler.output_html())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--path", action="append", required=True)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--manager", type=int, default=1, help="bench manager number (5 = admin)")
    parser.add_argument("--html")
    parser.add_argument("--no-profile", action="store_true", help="only time the requests")
    asyncio.run(_run(parser.parse_args()))


if __name__ == "__main__":
    main()
