"""The parts of the data set owned by other domains: passports, activity chains, tariffs and
contracts. Each is seeded only when its table exists (the migration has landed), with the
domain's own crypto and hash functions, so the API reads them as its own writes."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg

from bench import seed_data
from bench.seed_base import Seeded, copy_rows

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
CONTRACT_SHARE = 0.2  # 20,000 contracts at 100,000 clients
PAST_PASSPORT = {"awaiting_signature", "signed", "processed"}


def _tables(cur: psycopg.Cursor) -> set[str]:
    cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {r[0] for r in cur.fetchall()}


def _has_passport(out: Seeded, cid: int) -> bool:
    status, step = out.statuses[cid - 1], out.steps[cid - 1]
    return status in PAST_PASSPORT or (status == "in_progress" and step in ("3", "4"))


def seed_passports(cur: psycopg.Cursor, n: int, rng: random.Random, out: Seeded) -> str:

    try:
        from privet_manager.kit import crypto
    except ImportError:
        return "skipped (privet_manager.kit.crypto is not there yet)"
    rows = []
    for cid in range(1, n + 1):
        if not _has_passport(out, cid):
            continue
        birth = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
        issued = birth + timedelta(days=365 * 20 + rng.randrange(365 * 10))
        issued = min(issued, date(2026, 1, 1))
        series, kid = crypto.encrypt(f"{rng.randrange(10000):04d}")
        number, _ = crypto.encrypt(f"{rng.randrange(1000000):06d}")
        dept = f"{rng.randrange(1000):03d}-{rng.randrange(1000):03d}"
        city = seed_data.PLACES[cid % len(seed_data.PLACES)][2]
        rows.append(
            (cid, series, number, kid, f"ГУ МВД России по г. {city}", issued, dept, birth,
             f"г. {city}", out.managers[cid - 1])
        )  # fmt: skip
    # bytea goes through COPY's text format as \\x hex
    copy_rows(
        cur, "users_passports",
        ("user_id", "series_enc", "number_enc", "key_id", "issued_by", "issue_date",
         "department_code", "birth_date", "birth_place", "updated_by_manager_id"),
        ((r[0], "\\x" + r[1].hex(), "\\x" + r[2].hex(), *r[3:]) for r in rows),
    )  # fmt: skip
    return f"{len(rows)} passports"


# Actions a client past each status has gone through (the first `k` of them).
_ACTIONS = (
    "client.claimed", "client.profile_updated", "client.passport_saved", "device.created",
    "photo.added", "tariff.applied", "contract.generated", "contract.signed", "payment.confirmed",
)  # fmt: skip
_STEP_ACTIONS = {"1": 1, "2": 2, "3": 3, "4": 5}
_STATUS_ACTIONS = {"awaiting_signature": 7, "signed": 8, "processed": 9}


def seed_activity(cur: psycopg.Cursor, n: int, rng: random.Random, out: Seeded) -> str:

    try:
        from privet_manager.activity.service import GENESIS_HASH, entry_hash
    except ImportError:
        return "skipped (privet_manager.activity.service is not there yet)"
    rows: list[tuple[Any, ...]] = []
    ua = "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Safari/604.1"
    for cid in range(1, n + 1):
        status, step, manager = out.statuses[cid - 1], out.steps[cid - 1], out.managers[cid - 1]
        if status == "new":
            continue
        k = _STATUS_ACTIONS.get(status) or _STEP_ACTIONS[step]
        prev = GENESIS_HASH
        at = EPOCH - timedelta(days=rng.randint(1, 60), microseconds=rng.randrange(10**9))
        for seq in range(1, k + 1):
            action = _ACTIONS[seq - 1]
            payload: dict[str, Any] = {"step": min(seq, 4)} if seq > 1 else {}
            ip = f"10.{cid % 250}.{seq}.{rng.randint(1, 250)}"
            at += timedelta(minutes=rng.randint(1, 15), microseconds=rng.randrange(10**6))
            h = entry_hash(
                client_id=cid, seq=seq, manager_id=manager, action=action, payload=payload,
                ip=ip, user_agent=ua, created_at=at, prev_hash=prev,
            )  # fmt: skip
            rows.append((cid, seq, manager, action, json.dumps(payload), ip, ua, at, prev, h))
            prev = h
    columns: tuple[str, ...] = ("client_id", "seq", "manager_id", "action", "payload", "ip",
                                "user_agent", "created_at", "prev_hash", "hash")  # fmt: skip
    cur.execute(
        "SELECT 1 FROM information_schema.columns "
        "WHERE table_name = 'manager_activity_log' AND column_name = 'hash_version'"
    )
    if cur.fetchone():  # from 0008 on each entry names its hash rule (entry_hash's default)
        from privet_manager.activity.service import HASH_VERSION

        columns += ("hash_version",)
        rows = [(*r, HASH_VERSION) for r in rows]
    copy_rows(cur, "manager_activity_log", columns, rows)
    newest = (
        "SELECT DISTINCT ON (client_id) client_id, seq, hash "
        "FROM manager_activity_log ORDER BY client_id, seq DESC"
    )
    cur.execute("SELECT to_regclass('manager_activity_heads')")
    row = cur.fetchone()
    if row and row[0]:  # the chain's head has a table of its own (migration 0007)
        cur.execute(f"INSERT INTO manager_activity_heads (client_id, seq, hash) {newest}")
    cur.execute(
        "SELECT 1 FROM information_schema.columns "
        "WHERE table_name = 'manager_clients' AND column_name = 'activity_seq'"
    )
    if cur.fetchone():  # before 0007 the chain's head was kept on the client row
        cur.execute(
            """
            UPDATE manager_clients c SET activity_seq = a.seq, activity_hash = a.hash
            FROM (SELECT DISTINCT ON (client_id) client_id, seq, hash
                  FROM manager_activity_log ORDER BY client_id, seq DESC) a
            WHERE a.client_id = c.id
            """
        )
    return f"{len(rows)} activity entries"


TARIFFS = (
    ("bench-basic", "Базовый", "990.00", 2, "290.00"),
    ("bench-family", "Семейный", "1490.00", 4, "250.00"),
    ("bench-premium", "Премиум", "2490.00", 6, "190.00"),
)


def seed_contracts(cur: psycopg.Cursor, n: int, rng: random.Random, out: Seeded) -> str:
    """Client tariffs past step 4 and 20,000 contracts: one live contract for every client
    awaiting signature, signed or processed, and void/locked ones from earlier attempts."""

    tables = _tables(cur)
    if "manager_contracts" not in tables or "manager_client_tariffs" not in tables:
        return "skipped (manager_contracts is not in the schema yet)"
    cur.execute("SELECT count(*) FROM manager_tariffs")
    row = cur.fetchone()
    if not row or not row[0]:
        for code, name, base, included, extra in TARIFFS:
            cur.execute(
                "INSERT INTO manager_tariffs (code, name, base_price, included_devices, "
                "extra_device_price, kind_multipliers) VALUES (%s, %s, %s, %s, %s, %s)",
                (code, name, base, included, extra, json.dumps({"laptop": "1.20", "tv": "1.10"})),
            )
    cur.execute("SELECT id, code, name, base_price, included_devices, extra_device_price "
                "FROM manager_tariffs WHERE is_active ORDER BY id")  # fmt: skip
    tariffs = cur.fetchall()

    surcharges: dict[int, Decimal] = {}
    ct_rows = []
    for cid in range(1, n + 1):
        status, step = out.statuses[cid - 1], out.steps[cid - 1]
        if not (status in PAST_PASSPORT or (status == "in_progress" and step == "4")):
            continue
        tid, code, name, base, included, extra = rng.choice(tariffs)
        devices = out.manager_devices.get(cid, [])
        devices_part = Decimal(extra) * max(0, len(devices) - included)
        total = Decimal(base) + devices_part
        paid = Decimal(rng.choice(("0.00", "490.00", "990.00")))
        surcharge = max(Decimal("0.00"), total - paid)
        surcharges[cid] = surcharge
        breakdown = {
            "lines": [{"label": "Базовая стоимость", "amount": str(base)}],
            "device_ids": devices,
            "tariff": {"code": code, "name": name},
        }
        ct_rows.append((cid, tid, code, name, len(devices), base, devices_part, total, paid,
                        surcharge, json.dumps(breakdown, ensure_ascii=False),
                        out.managers[cid - 1]))  # fmt: skip
    copy_rows(
        cur, "manager_client_tariffs",
        ("client_id", "tariff_id", "tariff_code", "tariff_name", "device_count", "base",
         "devices_part", "total", "already_paid", "surcharge", "breakdown",
         "applied_by_manager_id"),
        ct_rows,
    )  # fmt: skip

    live = [cid for cid in range(1, n + 1) if out.statuses[cid - 1] in PAST_PASSPORT]
    earlier_pool = [cid for cid in surcharges if out.statuses[cid - 1] != "processed"]
    earlier = rng.sample(
        earlier_pool, min(len(earlier_pool), max(0, round(n * CONTRACT_SHARE) - len(live)))
    )
    plan: list[tuple[int, str]] = [(cid, rng.choice(("void", "locked"))) for cid in earlier]
    plan += [
        (cid, "awaiting_signature" if out.statuses[cid - 1] == "awaiting_signature" else "signed")
        for cid in live
    ]
    # per client: the dead attempt first, like a real history
    plan.sort(key=lambda p: (p[0], p[1] in ("awaiting_signature", "signed")))
    rows = []
    for number, (cid, status) in enumerate(plan, start=1):
        manager = out.managers[cid - 1]
        at = EPOCH + timedelta(minutes=number)
        sha = f"{rng.getrandbits(256):064x}"
        snapshot = {"client": {"id": cid}, "surcharge": str(surcharges[cid])}
        signed = status == "signed"
        otp_live = status == "awaiting_signature"
        rows.append((
            cid, f"PM-2026-{number:06d}", status, json.dumps(snapshot), surcharges[cid],
            f"clients/{cid}/contracts/PM-2026-{number:06d}.pdf", sha, manager, "1.0",
            f"{rng.getrandbits(256):064x}", at,
            f"{rng.getrandbits(256):064x}" if otp_live else None,
            at + timedelta(minutes=10) if otp_live else None, at,
            at + timedelta(minutes=3) if signed else None,
            5 if status == "locked" else 0, at, 1, out.tickets.get(cid),
            at + timedelta(minutes=3) if signed else None, manager if signed else None,
            "10.0.0.1" if signed else None, "bench" if signed else None,
            f"clients/{cid}/contracts/PM-2026-{number:06d}-signed.pdf" if signed else None,
            f"{rng.getrandbits(256):064x}" if signed else None,
            f"{rng.getrandbits(256):064x}" if signed else None,
            at + timedelta(minutes=5) if status == "void" else None,
            "regenerated" if status == "void" else None,
        ))  # fmt: skip
    copy_rows(
        cur, "manager_contracts",
        ("client_id", "number", "status", "snapshot", "surcharge", "pdf_key", "pdf_sha256",
         "generated_by_manager_id", "pep_version", "pep_sha256", "pep_agreed_at", "otp_hmac",
         "otp_expires_at", "otp_sent_at", "otp_used_at", "otp_failures",
         "otp_window_started_at", "otp_window_count", "support_ticket_id", "signed_at",
         "signed_by_manager_id", "signer_ip", "signer_user_agent", "signed_pdf_key",
         "signed_pdf_sha256", "signature_hmac", "voided_at", "void_reason"),
        rows,
    )  # fmt: skip
    cur.execute(
        "INSERT INTO manager_number_counters (series, year, value) VALUES ('PM', 2026, %s) "
        "ON CONFLICT (series, year) DO UPDATE SET value = EXCLUDED.value",
        (len(rows),),
    )
    payments = _seed_payments(cur, out)
    counts: dict[str, int] = {}
    for _, status in plan:
        counts[status] = counts.get(status, 0) + 1
    return f"{len(ct_rows)} client tariffs, {len(rows)} contracts {counts}, {payments} payments"


def _seed_payments(cur: psycopg.Cursor, out: Seeded) -> int:
    if "manager_payments" not in _tables(cur):
        return 0
    cur.execute(
        """
        INSERT INTO manager_payments (contract_id, client_id, amount, method, reference, manager_id)
        SELECT k.id, k.client_id, k.surcharge, 'cash', 'bench', k.signed_by_manager_id
        FROM manager_contracts k JOIN manager_clients c ON c.id = k.client_id
        WHERE c.status = 'processed' AND k.status = 'signed' AND k.surcharge > 0
        """
    )
    return cur.rowcount


EXTRAS: list[tuple[str, Callable[[psycopg.Cursor, int, random.Random, Seeded], str]]] = [
    ("passports", seed_passports),
    ("activity", seed_activity),
    ("contracts", seed_contracts),
]
