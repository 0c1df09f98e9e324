"""Compression benchmark: the list and the card at each gzip level (and zstd, brotli), against
the same requests uncompressed, CPU per request against bytes sent.

    .venv/bin/python -m bench.compression \\
        --database-url postgresql://postgres@127.0.0.1:5432/pm_bench \\
        [--before-tree /tmp/pm-main] [--duration 8] [--repeat 1] [--codecs-only]

One uvicorn process per configuration, all started at once and measured in turn, kind by kind
and encoding by encoding, so that each comparison is made minutes apart at most on a machine
whose load changes. `--before-tree` adds a server running another checkout's code (its
`server/` on PYTHONPATH: the code before this change). Writes bench/results/compression-*.json.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.api import git_commit, login, measure, save_report, workloads
from bench.drivers import have_wrk
from bench.server import serve


@dataclass(frozen=True)
class Config:
    name: str
    env: dict[str, str]
    encodings: tuple[str, ...]


def configs(before_tree: str | None, levels: str) -> list[Config]:
    """`levels`: comma-separated gzip/zstd/brotli triples, one server each (0: off)."""
    out = []
    if before_tree:
        env = {"PYTHONPATH": str(Path(before_tree) / "server")}
        out.append(Config("before", env, ("identity", "gzip")))
    for triple in levels.split(","):
        gzip, zstd, brotli = (int(x) for x in triple.split("/"))
        env = {"GZIP_LEVEL": str(gzip), "ZSTD_LEVEL": str(zstd), "BROTLI_QUALITY": str(brotli)}
        on = [e for e, level in (("gzip", gzip), ("zstd", zstd), ("br", brotli)) if level]
        out.append(Config(f"g{gzip}/z{zstd}/b{brotli}", env, ("identity", *on)))
    return out


LEVEL_OF = {"gzip": "GZIP_LEVEL", "zstd": "ZSTD_LEVEL", "br": "BROTLI_QUALITY"}


def wire_bytes(base_url: str, paths: list[str], headers: dict[str, str]) -> tuple[float, str]:
    """Mean bytes on the wire over a sample of paths, and the encoding the server chose."""
    sizes, chosen = [], set()
    with httpx.Client(base_url=base_url, timeout=30) as http:
        for path in paths[:30]:
            with http.stream("GET", path, headers=headers) as r:
                assert r.status_code == 200, (path, r.status_code)
                sizes.append(sum(len(chunk) for chunk in r.iter_raw()))
                chosen.add(r.headers.get("content-encoding", "identity"))
    return statistics.mean(sizes), ",".join(sorted(chosen))


CODECS: dict[str, tuple[int, ...]] = {"gzip": (1, 3, 6, 9), "zstd": (1, 3, 6, 9), "br": (1, 3, 5)}


def codec_costs(bodies: list[bytes], rounds: int = 10, batches_of: int = 7) -> list[dict[str, Any]]:
    """CPU per body and the bytes out, for each codec and level, on the real answers: the part
    of a request that compression adds, measured in this process (`process_time`), apart from
    the server's other work and far less noisy than the whole request on a loaded machine."""
    import gzip
    import time

    import brotli
    import zstandard

    def compressor(codec: str, level: int) -> Any:
        if codec == "gzip":
            return lambda b: gzip.compress(b, compresslevel=level)
        if codec == "zstd":
            return zstandard.ZstdCompressor(level=level).compress
        return lambda b: brotli.compress(b, quality=level)

    out = []
    for codec, levels in CODECS.items():
        for level in levels:
            fn = compressor(codec, level)
            # The least of several batches: on a shared machine a batch only ever gets slower
            # (other processes evict the caches), never faster than the codec itself.
            batches = []
            for _ in range(batches_of):
                started = time.process_time()
                for _ in range(rounds):
                    sizes = [len(fn(b)) for b in bodies]
                batches.append((time.process_time() - started) / (rounds * len(bodies)) * 1000)
            cpu_ms = min(batches)
            out.append({"codec": codec, "level": level, "cpu_ms": round(cpu_ms, 4),
                        "cpu_ms_median": round(statistics.median(batches), 4),
                        "bytes": round(statistics.mean(sizes))})  # fmt: skip
    return out


def bodies_of(base_url: str, paths: list[str], headers: dict[str, str]) -> list[bytes]:
    with httpx.Client(base_url=base_url, timeout=30) as http:
        return [http.get(p, headers={**headers, "Accept-Encoding": "identity"}).content
                for p in paths[:30]]  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True, help="a database seeded by bench.seed")
    parser.add_argument("--before-tree", help="a checkout whose code is the 'before' server")
    parser.add_argument("--kinds", default="list_new,card_full")
    parser.add_argument("--levels", default="1/1/1,3/3/3,6/6/5,9/9/9",
                        help="gzip/zstd/brotli per server, comma-separated")  # fmt: skip
    parser.add_argument("--duration", type=float, default=8)
    parser.add_argument("--warmup", type=float, default=1)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-save", action="store_true")
    parser.add_argument("--codecs-only", action="store_true", help="no HTTP runs")
    args = parser.parse_args(argv)
    args.driver = "wrk" if have_wrk() else "httpx"

    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    paths = workloads(args.database_url, random.Random(args.seed))
    started = datetime.now(UTC)
    load = [os.getloadavg()]
    rows: list[dict[str, Any]] = []
    with ExitStack() as stack:
        servers = {
            c.name: (c, stack.enter_context(serve(args.database_url, c.env)))
            for c in configs(args.before_tree, args.levels)[: 1 if args.codecs_only else None]
        }
        auth = {name: login(server.base_url) for name, (_, server) in servers.items()}
        _, first = next(iter(servers.values()))
        codecs: dict[str, dict[str, Any]] = {}
        for kind in kinds:
            bodies = bodies_of(first.base_url, paths[kind], auth[next(iter(servers))])
            identity = round(statistics.mean(map(len, bodies)))
            costs = codec_costs(bodies)
            codecs[kind] = {"identity_bytes": identity, "codecs": costs}
            for c in costs:
                print(
                    f"codec {kind:9} {c['codec']:4} {c['level']:2} {c['bytes']:7} B "
                    f"{c['cpu_ms']:.4f} ms/body (identity {identity} B)"
                )
        for rep in range(0 if args.codecs_only else args.repeat):
            for kind in kinds:
                for encoding in ("identity", "gzip", "zstd", "br"):
                    for name, (config, server) in servers.items():
                        if encoding not in config.encodings:
                            continue
                        headers = {**auth[name], "Accept-Encoding": encoding}
                        size, chosen = wire_bytes(server.base_url, paths[kind], headers)
                        res = measure(kind, args, server.pid, server.base_url, paths[kind],
                                      headers)  # fmt: skip
                        level = config.env.get(LEVEL_OF.get(encoding, ""), "")
                        row = {
                            "round": rep + 1, "kind": kind, "server": name,
                            "encoding": encoding, "level": level, "content_encoding": chosen,
                            "bytes": round(size),
                            **{k: res[k] for k in ("rps", "p50_ms", "p95_ms", "p99_ms",
                                                   "server_cpu_ms_per_request", "server_cpu",
                                                   "machine_cpu", "errors")},
                        }  # fmt: skip
                        rows.append(row)
                        print(f"[{rep + 1}] {kind:9} {name:12} {encoding:8} {row['bytes']:7} B "
                              f"{row['server_cpu_ms_per_request']:6.3f} ms/req "
                              f"{row['rps']:6.0f} req/s p95 {row['p95_ms']:5.1f} ms "
                              f"load {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
                        load.append(os.getloadavg())
    print_table(rows)
    report = {
        "benchmark": "compression",
        "started_at": started.isoformat(),
        "commit": git_commit(),
        "load_avg": {
            "start": load[0],
            "max_1min": max(x[0] for x in load),
            "min_1min": min(x[0] for x in load),
        },
        "settings": {
            "connections": args.connections,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "driver": args.driver,
            "before_tree": args.before_tree,
        },
        "codecs": codecs,
        "rows": rows,
    }
    if not args.no_save:
        save_report("compression-codecs" if args.codecs_only else "compression", started, report)


def print_table(rows: list[dict[str, Any]]) -> None:
    """Medians over rounds per (kind, server, encoding)."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["kind"], r["server"], r["encoding"]), []).append(r)
    print(f"\n{'kind':9} {'server':12} {'encoding':8} {'level':>5} {'bytes':>7} {'ms/req':>7} "
          f"{'req/s':>7} {'p95':>6}")  # fmt: skip
    for (kind, server, encoding), rs in groups.items():
        med = {k: statistics.median(r[k] for r in rs)
               for k in ("bytes", "server_cpu_ms_per_request", "rps", "p95_ms")}  # fmt: skip
        print(
            f"{kind:9} {server:12} {encoding:8} {rs[0]['level']:>5} {med['bytes']:7.0f} "
            f"{med['server_cpu_ms_per_request']:7.3f} {med['rps']:7.0f} {med['p95_ms']:6.1f}"
        )


if __name__ == "__main__":
    main()
