"""Load drivers: wrk (C, low overhead), an async httpx driver, and the psycopg baseline.

Each holds `connections` requests in flight for `duration` seconds and returns latency
percentiles, throughput and the CPU time the driver itself burnt (it shares the machine's two
cores with the server and PostgreSQL, so that figure says how much the driver distorts).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg


@dataclass
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    driver_cpu_seconds: float
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rps": round(self.rps, 1)}


def _percentiles(latencies_ns: list[int]) -> tuple[float, float, float, float]:
    if len(latencies_ns) < 2:
        v = latencies_ns[0] / 1e6 if latencies_ns else 0.0
        return v, v, v, v
    q = statistics.quantiles(latencies_ns, n=100, method="inclusive")
    return q[49] / 1e6, q[94] / 1e6, q[98] / 1e6, max(latencies_ns) / 1e6


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


_LUA = """
wrk.method = "GET"
{headers}
local paths = {{ {paths} }}
local once, threads = {once}, {threads}
local i = 0
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
function init(args)
  if once then i = tid else i = math.random(1, #paths) end
end
function request()
  if once then
    -- thread k asks paths k, k + threads, ...: no path twice while they last
    local path = paths[(i % #paths) + 1]
    i = i + threads
    return wrk.format(nil, path)
  end
  i = (i % #paths) + 1
  return wrk.format(nil, paths[i])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {{"requests": %d, "us": %d, "p50": %d, "p95": %d, "p99": %d, "max": %d, '
    .. '"errors": %d, "status_errors": %d}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def _lua_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run_wrk(
    base_url: str,
    paths: Sequence[str],
    headers: dict[str, str],
    *,
    connections: int,
    duration: float,
    threads: int = 2,
    once: bool = False,
) -> Result:
    """wrk with a Lua script that cycles through `paths` (from a random start per thread);
    `once`: in order, split between the threads, none asked twice until all were."""
    script = _LUA.format(
        headers="\n".join(f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}"
                          for k, v in headers.items()),
        paths=", ".join(_lua_string(p) for p in paths),
        once="true" if once else "false",
        threads=threads,
    )  # fmt: skip
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration:g}s",
         "--timeout", "10s", "-s", f.name, base_url],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    Path(f.name).unlink()
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {proc.stdout}\n{proc.stderr}")
    d = json.loads(line.removeprefix("WRKJSON "))
    return Result(
        requests=d["requests"],
        seconds=d["us"] / 1e6,
        p50_ms=d["p50"] / 1e3,
        p95_ms=d["p95"] / 1e3,
        p99_ms=d["p99"] / 1e3,
        max_ms=d["max"] / 1e3,
        errors=d["errors"] + d["status_errors"],
        driver_cpu_seconds=(after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        statuses={"non_2xx_3xx": d["status_errors"]} if d["status_errors"] else {},
    )


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def _run_httpx(
    base_url: str,
    paths: Sequence[str],
    headers: dict[str, str],
    connections: int,
    duration: float,
    once: bool,
) -> Result:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    latencies: list[int] = []
    statuses: Counter[str] = Counter()
    errors = 0
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=10
    ) as client:
        deadline = time.monotonic() + duration
        in_order = itertools.cycle(paths)  # shared by the workers: one event loop

        async def worker(seed: int) -> None:
            nonlocal errors
            rng = random.Random(seed)
            while time.monotonic() < deadline:
                path = next(in_order) if once else paths[rng.randrange(len(paths))]
                t = time.perf_counter_ns()
                try:
                    r = await client.get(path)
                    await r.aread()
                except httpx.HTTPError:
                    errors += 1
                    continue
                latencies.append(time.perf_counter_ns() - t)
                statuses[str(r.status_code)] += 1
                if r.status_code >= 400:
                    errors += 1

        cpu0, t0 = _cpu(), time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(connections)))
        seconds, cpu = time.perf_counter() - t0, _cpu() - cpu0
    p50, p95, p99, mx = _percentiles(latencies)
    return Result(len(latencies), seconds, p50, p95, p99, mx, errors, cpu, dict(statuses))


def run_httpx(
    base_url: str,
    paths: Sequence[str],
    headers: dict[str, str],
    *,
    connections: int,
    duration: float,
    once: bool = False,
) -> Result:
    """`once`: the paths in order, none asked twice until all were."""
    return asyncio.run(_run_httpx(base_url, paths, headers, connections, duration, once))


async def _run_pg(
    url: str, queries: Sequence[tuple[str, tuple[Any, ...]]], connections: int, duration: float
) -> Result:
    conns = [
        await psycopg.AsyncConnection.connect(url, autocommit=True) for _ in range(connections)
    ]
    latencies: list[int] = []
    deadline = time.monotonic() + duration

    async def worker(conn: psycopg.AsyncConnection, seed: int) -> None:
        rng = random.Random(seed)
        async with conn.cursor() as cur:
            while time.monotonic() < deadline:
                sql, params = queries[rng.randrange(len(queries))]
                t = time.perf_counter_ns()
                await cur.execute(sql, params)
                await cur.fetchall()
                latencies.append(time.perf_counter_ns() - t)

    try:
        cpu0, t0 = _cpu(), time.perf_counter()
        await asyncio.gather(*(worker(c, i) for i, c in enumerate(conns)))
        seconds, cpu = time.perf_counter() - t0, _cpu() - cpu0
    finally:
        for c in conns:
            await c.close()
    p50, p95, p99, mx = _percentiles(latencies)
    return Result(len(latencies), seconds, p50, p95, p99, mx, 0, cpu)


def run_pg(
    url: str, queries: Sequence[tuple[str, tuple[Any, ...]]], *, connections: int, duration: float
) -> Result:
    """The framework-free baseline: the same SELECT through psycopg, `connections` at once."""
    return asyncio.run(_run_pg(url, queries, connections, duration))
