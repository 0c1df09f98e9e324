"""What the verification QR code costs on the generation and signing paths (issue 14 §2).

    .venv/bin/python -m bench.qr_bench [--rounds 40]

Renders the same contract (five devices with photos, the PEP text) and the same signing
sheet with and without the QR code, interleaved round by round so that both series see the
same machine load, in this process (no database, no HTTP: the PDF work alone, as
`signing/service.py` and `signing/confirm.py` run it in a thread). `mask` is the choice of the
code's mask pattern for a new number, which generation makes once (signing/pdf/qr.py). Prints
medians and p95 and writes bench/results/qr-<time>.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from privet_manager.contracts.pep import agreement
from privet_manager.signing.pdf import qr
from privet_manager.signing.pdf.document import ContractDocument, EvidenceDocument
from privet_manager.signing.pdf.evidence import append_evidence
from privet_manager.signing.pdf.qr import best_mask
from privet_manager.signing.pdf.render import render_contract

RESULTS = Path(__file__).resolve().parent / "results"
URL = "https://manager.privet-super.ru/verify/PM-2026-000123"


def snapshot() -> dict[str, Any]:
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC).isoformat()
    devices = [
        {
            "id": i,
            "kind": "phone",
            "brand": "Apple",
            "model": f"iPhone {i + 10}",
            "serial_number": f"SN-{i:08d}",
            "declared_value": "45000.00",
            "condition": "ok",
            "condition_note": None,
        }
        for i in range(1, 6)
    ]
    return {
        "number": "PM-2026-000123",
        "generated_at": now,
        "verify_url": URL,
        "company": {
            "name": "ООО «Привет Супер»",
            "inn": "7700000000",
            "ogrn": "1207700000000",
            "address": "г. Москва, ул. Примерная, д. 1",
        },
        "client": {
            "user_id": 1,
            "name": "Иванова Мария Петровна",
            "phone": "+79161234567",
            "email": "maria@example.ru",
            "address": "125009, г. Москва, ул. Тверская, д. 7",
        },
        "passport": {
            "issued_by": "ГУ МВД России по г. Москве",
            "issue_date": "2015-05-20",
            "department_code": "770-001",
            "birth_date": "1990-03-14",
            "birth_place": "г. Москва",
        },
        "devices": devices,
        "photos": [
            {"device_id": d["id"], "file": f"{d['id']:032x}.jpg", "sha256": f"{d['id']:064x}"}
            for d in devices
        ],
        "tariff": {
            "name": "Семейный",
            "lines": [{"label": "Базовая стоимость", "amount": "990.00"}],
            "total": "990.00",
            "already_paid": "0.00",
            "surcharge": "990.00",
            "period_months": 12,
        },
        "pep": {"version": "v1", "sha256": "0" * 64, "agreed_at": now},
    }


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(values), 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 2),
    }


def timed(fn: Any, *args: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn(*args)
    return (time.perf_counter() - start) * 1000, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    pep = agreement()
    snap = snapshot()
    snap["verify_qr_mask"] = best_mask(URL)
    with_qr = ContractDocument.from_snapshot(
        snap, passport_series="4517", passport_number="918273", pep_text=pep.text
    )
    without = dataclasses.replace(with_qr, verify_url="")
    ev = EvidenceDocument(
        number="PM-2026-000123",
        client_name="Иванова Мария Петровна",
        signed_at="01.12.2026 15:00 МСК (UTC+3)",
        manager="Михаил Мастеров (id 1, m@privet.test)",
        pdf_sha256="0" * 64,
        pep="версия v1",
        pep_agreed_at="01.12.2026 15:00 МСК (UTC+3)",
        signer_ip="203.0.113.7",
        signer_user_agent="Mozilla/5.0",
        ticket="обращение № 1",
        photo_hashes=[f"{i:064x}" for i in range(5)],
        verify_url=URL,
        verify_qr_mask=snap["verify_qr_mask"],
    )
    ev_without = dataclasses.replace(ev, verify_url="")
    series: dict[str, list[float]] = {"mask": []}
    series |= {k: [] for k in ("generate_qr", "generate", "sheet_qr", "sheet")}
    sizes: dict[str, int] = {}
    for _ in range(2):  # warm-up: fonts, caches
        render_contract(with_qr), render_contract(without)
    for n in range(args.rounds):
        ms, _ = timed(best_mask, f"https://manager.privet-super.ru/verify/PM-2026-{n:06d}")
        series["mask"].append(ms)
        # Each contract has a number of its own: nothing of its code is cached yet (the
        # mask is, in its snapshot), neither for its pages nor for its signing sheet.
        qr.modules.cache_clear()
        qr._path.cache_clear()
        for name, doc in (("generate_qr", with_qr), ("generate", without)):
            ms, pdf = timed(render_contract, doc)
            series[name].append(ms)
            sizes[name] = len(pdf)
        qr.modules.cache_clear()
        qr._path.cache_clear()
        for name, e in (("sheet_qr", ev), ("sheet", ev_without)):
            ms, signed = timed(append_evidence, pdf, e)
            series[name].append(ms)
            sizes[name] = len(signed) - len(pdf)
    figures = {k: summary(v) for k, v in series.items()}
    out = {
        "when": datetime.now(UTC).isoformat(),
        "load_1min": os.getloadavg()[0],
        "cpus": os.cpu_count(),
        "figures": figures,
        "bytes": sizes,
    }
    for k, v in figures.items():
        size = f"  ({sizes[k]} bytes)" if k in sizes else ""
        print(f"{k:12} p50 {v['p50_ms']:7.2f} ms  p95 {v['p95_ms']:7.2f} ms{size}")
    print(f"load average (1 min) {out['load_1min']:.2f} on {out['cpus']} cores")
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"qr-{stamp}.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
