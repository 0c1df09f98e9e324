"""Markdown tables of benchmark results against TARGETS.md (for bench/README.md).

    .venv/bin/python -m bench.report [bench/results/api-….json …]

With several API result files, each figure is the median over them (TARGETS.md asks for
medians over several runs); with none, bench/results/api-latest.json.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any

from bench.api import DESCRIPTIONS, TARGETS

RESULTS = Path(__file__).resolve().parent / "results"
KEYS = (
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "rps",
    "peak_rss_mb",
    "server_cpu_ms_per_request",
    "rps_vs_health",
    "rps_vs_pg_select",
)


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def api_table(files: list[Path]) -> str:
    runs = [json.loads(f.read_text()) for f in files]
    kinds: dict[str, dict[str, list[float]]] = {}
    for run in runs:
        for name, k in run["kinds"].items():
            if "rps" not in k:
                continue
            d = kinds.setdefault(name, {})
            for key in KEYS:
                if k.get(key) is not None:
                    d.setdefault(key, []).append(float(k[key]))
    lines = [
        "| request | p50 ms | p95 ms | p99 ms | req/s | server CPU ms/req | req/s vs /health "
        "| req/s vs psycopg | peak RSS MB | target | meets |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, d in kinds.items():
        m = {k: _median(v) for k, v in d.items()}
        target = TARGETS.get(name)
        if target:
            p95, rps = target
            goal = f"p95 ≤ {p95:g}" + (f", ≥ {rps:g}/s" if rps else "")
            ok = (p95 is None or m["p95_ms"] <= p95) and (rps is None or m["rps"] >= rps)
            verdict = "yes" if ok else "**no**"
        else:
            goal, verdict = "baseline", ""
        lines.append(
            f"| {DESCRIPTIONS.get(name, name)} | {m['p50_ms']:.1f} | {m['p95_ms']:.1f} "
            f"| {m['p99_ms']:.1f} | {m['rps']:.0f} | {m.get('server_cpu_ms_per_request', 0):.2f} "
            f"| {m.get('rps_vs_health', 0):.3f} | {m.get('rps_vs_pg_select', 0):.3f} "
            f"| {m['peak_rss_mb']:.0f} | {goal} | {verdict} |"
        )
    loads = [r["machine"]["load_avg_at_start"][0] for r in runs]
    lines.append("")
    lines.append(
        f"{len(runs)} run(s): {', '.join(r.get('label') or r['started_at'] for r in runs)}; "
        f"load average at start {', '.join(f'{x:.1f}' for x in loads)} on "
        f"{runs[0]['machine']['cpus']} cores; driver {runs[0]['settings']['driver']}, "
        f"{runs[0]['settings']['connections']} connections, "
        f"{runs[0]['settings']['duration_s']:g} s per kind, "
        f"{runs[0]['settings']['clients']} clients."
    )
    return "\n".join(lines)


def contracts_table() -> str:
    path = RESULTS / "contracts.json"
    if not path.exists():
        return ""
    d: dict[str, Any] = json.loads(path.read_text())
    m = d["median_of_runs"]
    t = d["targets_p95_ms"]
    rows = ["| request | p50 ms | p95 ms | target p95 | meets |", "|---|---|---|---|---|"]
    for name in ("generate", "confirm"):
        ok = m[name]["p95_ms"] <= t[name]
        rows.append(f"| POST contract/{name} | {m[name]['p50_ms']:.1f} | {m[name]['p95_ms']:.1f} "
                    f"| ≤ {t[name]:g} | {'yes' if ok else '**no**'} |")  # fmt: skip
    rows.append(f"\n(bench/contracts_bench.py, {d['at']}: sequential requests, median of "
                f"{len(d['runs'])} runs of {d['clients_per_run']} clients; GET /health "
                f"baseline p50 {d['baseline_health']['p50_ms']} ms.)")  # fmt: skip
    return "\n".join(rows)


def main() -> None:
    files = [Path(a) for a in sys.argv[1:]] or [RESULTS / "api-latest.json"]
    print(api_table(files))
    print()
    print(contracts_table())


if __name__ == "__main__":
    main()
