"""PostgreSQL's own CPU per request for the analytics and the surname search: the figure a
busy machine moves least (wrk's latencies on a shared 2-core machine are mostly queueing).

    .venv/bin/python -m bench.db_cpu --database-url postgresql://postgres@127.0.0.1:5432/pm_bench

Runs the statements the API runs (the services' own code, in this process, one connection)
for the bench's mix (bench/api.py: a random day, week or month of the seeded history, half
of the funnels for one manager; the 330 surnames and 330 phone queries without a tab) and
reads the database
backend's user + system CPU from /proc before and after: PostgreSQL must run on this machine.
`PYTHONPATH=<other tree>/server` measures another version of the code on its own database.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
from datetime import date, timedelta
from typing import Any

import psycopg

from bench import seed_data
from bench.db import libpq_url


def backend_cpu(pid: int) -> float:
    """User + system seconds of a process (fields 14 and 15 of /proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _figures(times: list[float], cpu: float) -> dict[str, float]:
    times = sorted(times)
    n = len(times)
    return {
        "db_cpu_ms_per_request": round(1000 * cpu / n, 2),
        "p50_ms": round(1000 * times[n // 2], 2),
        "p95_ms": round(1000 * times[int(n * 0.95)], 2),
        "requests": n,
    }


async def analytics(url: str, kind: str, n: int, seed: int) -> dict[str, float]:
    """The statements and the assembling of the answer, as on a cache miss (the API's cache,
    analytics/cache.py, is not involved)."""
    from privet_manager.analytics import queries, service

    rng = random.Random(seed)
    today = date(2026, 12, 1)
    times: list[float] = []
    async with await psycopg.AsyncConnection.connect(libpq_url(url), autocommit=True) as conn:
        managers = [
            r[0] for r in await (await conn.execute("SELECT id FROM manager_users")).fetchall()
        ]
        row = await (await conn.execute("SELECT pg_backend_pid()")).fetchone()
        assert row is not None
        start = backend_cpu(row[0])
        for _ in range(n):
            last = date(2026, 1, 15) - timedelta(days=rng.randrange(60))
            w = service.window(last - timedelta(days=rng.choice((0, 6, 29))), last, today)
            t = time.perf_counter()
            if kind == "funnel":
                manager = rng.choice(managers) if rng.random() < 0.5 else None
                rows = await service.run_statements(
                    conn, queries.funnel_queries(manager is not None), w.params(manager, today)
                )
                service.funnel_figures(rows, w, manager).model_dump_json()
            else:
                rows = await service.run_statements(conn, queries.manager_queries(), w.params())
                service.manager_figures(rows, w).model_dump_json()
            times.append(time.perf_counter() - t)
        cpu = backend_cpu(row[0]) - start
    return _figures(times, cpu)


def searches(url: str, kind: str, passes: int, seed: int) -> dict[str, float]:
    """The 330 surnames, or 330 phone queries drawn as bench/api.py draws them, without a
    tab (the phone-like ones with their contract-number suffix statement, as the list runs
    them)."""
    from privet_manager.clients import repository

    number_suffix_pattern, page_query = repository.number_suffix_pattern, repository.page_query
    # The code before the two-step name search has no `ids_only`: its page is one statement.
    ids_only = getattr(repository, "ids_only", lambda query: False)

    from bench.api import _phone_query

    rng = random.Random(seed)
    times: list[float] = []
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
        assert row is not None
        me = conn.execute("SELECT min(id) FROM manager_users").fetchone()
        assert me is not None
        if kind == "surname":
            terms = list(seed_data.SURNAMES)
        else:
            phones = [r[0] for r in conn.execute("SELECT phone FROM manager_clients")]
            terms = [_phone_query(rng.choice(phones), rng) for _ in seed_data.SURNAMES]
        queries: list[tuple[Any, dict[str, Any]]] = []
        for term in terms:
            q = " ".join(term.split())
            queries.append(page_query(None, me[0], q, 50, None))
            suffix = number_suffix_pattern(q)
            if suffix is not None:
                queries.append(page_query(None, me[0], suffix, 50, None, "number_suffix"))

        def run(query: Any, params: dict[str, Any]) -> None:
            rows = conn.execute(query.sql, params, prepare=query.prepare).fetchall()
            if rows and ids_only(query):  # a name search's second statement: its items
                items, values = repository.page_items([r[0] for r in rows[: params["limit"] - 1]])
                conn.execute(items.sql, values, prepare=items.prepare).fetchall()

        for query, params in queries[:20]:  # warm the cache
            run(query, params)
        start = backend_cpu(row[0])
        for _ in range(passes):
            for query, params in queries:
                t = time.perf_counter()
                run(query, params)
                times.append(time.perf_counter() - t)
        cpu = backend_cpu(row[0]) - start
    return _figures(times, cpu)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True, help="a database seeded by bench.seed")
    parser.add_argument("--requests", type=int, default=90, help="per analytics endpoint")
    parser.add_argument("--passes", type=int, default=3, help="over the 330 surnames")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--kinds", default="analytics_funnel,analytics_managers,search_surname,search_phone"
    )
    args = parser.parse_args(argv)
    url = args.database_url
    runs = {
        "analytics_funnel": lambda: asyncio.run(analytics(url, "funnel", args.requests, args.seed)),
        "analytics_managers": lambda: asyncio.run(
            analytics(url, "managers", args.requests, args.seed)
        ),
        "search_surname": lambda: searches(url, "surname", args.passes, args.seed),
        "search_phone": lambda: searches(url, "phone", args.passes, args.seed),
    }
    rows = {kind: runs[kind.strip()]() for kind in args.kinds.split(",") if kind.strip()}
    print(
        "kind                       db CPU ms/req   p50 ms   p95 ms   (sequential, one connection)"
    )
    for kind, r in rows.items():
        print(
            f"{kind:26s} {r['db_cpu_ms_per_request']:13.2f} {r['p50_ms']:8.2f} {r['p95_ms']:8.2f}"
        )


if __name__ == "__main__":
    main()
