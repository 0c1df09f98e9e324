"""Fill a fresh database with the TARGETS.md data set through COPY, reproducibly.

    .venv/bin/python -m bench.seed --database-url postgresql://postgres@127.0.0.1:5432/pm_bench \
        --create --clients 100000 --seed 42

100,000 users + manager_clients, 200,000 shared devices (and the manager's copies of them for
clients past step 3), support tickets, 5 managers, and - where the domains that own them are
installed - passports, activity chains and 20,000 contracts in every status.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, date, datetime, timedelta

import psycopg

from bench import seed_data
from bench.db import create_database, libpq_url, sqlalchemy_url
from bench.seed_base import Seeded, copy_rows

BENCH_PASSWORD = "Bench-Password-2026"
MANAGERS = 5
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)

# Share of clients in each status (exact, shuffled). Awaiting signature + signed + processed =
# 19 % hold a live contract; void and locked earlier attempts make up the 20 % of contracts.
STATUS_WEIGHTS = (
    ("new", 0.50),
    ("in_progress", 0.31),
    ("awaiting_signature", 0.05),
    ("signed", 0.03),
    ("processed", 0.11),
)


def manager_email(i: int) -> str:
    return f"bench{i}@privet.test"


def _statuses(n: int, rng: random.Random) -> list[str]:
    statuses: list[str] = []
    for status, weight in STATUS_WEIGHTS[1:]:
        statuses += [status] * round(n * weight)
    statuses += ["new"] * (n - len(statuses))
    rng.shuffle(statuses)
    return statuses


def _step(status: str, rng: random.Random) -> str:
    if status == "new":
        return "1"
    if status == "in_progress":
        return rng.choice(("1", "2", "3", "4"))
    return "success" if status == "processed" else "4"


def seed_managers(cur: psycopg.Cursor) -> list[int]:
    from privet_manager.kit.security import hash_password

    pw = hash_password(BENCH_PASSWORD)  # bcrypt once, shared by all five
    rows = [
        (
            manager_email(i),
            f"Мастер {seed_data.MALE_NAMES[i]} {i}",
            pw,
            "admin" if i == MANAGERS else "manager",
        )
        for i in range(1, MANAGERS + 1)
    ]
    ids = []
    for row in rows:
        cur.execute(
            "INSERT INTO manager_users (email, name, password_hash, role) "
            "VALUES (%s, %s, %s, %s) RETURNING id",
            row,
        )
        got = cur.fetchone()
        assert got is not None
        ids.append(got[0])
    return ids


def seed_people(cur: psycopg.Cursor, n: int, rng: random.Random, out: Seeded) -> None:
    """users and manager_clients (ids 1..n, client id = user id)."""
    manager_ids = seed_managers(cur)
    phones = rng.sample(range(10**9), n)
    statuses = _statuses(n, rng)
    users, clients = [], []
    for i in range(1, n + 1):
        p = seed_data.person(rng)
        a = seed_data.address(rng)
        phone = f"+79{phones[i - 1]:09d}"
        email = f"{p.email_local}{i}@{rng.choice(seed_data.MAIL_DOMAINS)}"
        created = EPOCH - timedelta(minutes=rng.randrange(60 * 24 * 700))
        users.append((i, phone, email, p.name, created))
        status = statuses[i - 1]
        step = _step(status, rng)
        manager = None if status == "new" else rng.choice(manager_ids)
        claimed = None if manager is None else created + timedelta(days=rng.randint(1, 30))
        processed = claimed + timedelta(hours=2) if status == "processed" and claimed else None
        updated = processed or claimed or created
        out.statuses.append(status)
        out.steps.append(step)
        out.managers.append(manager)
        clients.append(
            (i, i, status, step, manager, claimed, processed, p.name, phone, email, a.text,
             a.postal_code, a.region, a.city, a.street, a.house, a.building, a.apartment,
             created, updated)
        )  # fmt: skip
    copy_rows(cur, "users", ("id", "phone", "email", "name", "created_at"), users)
    copy_rows(
        cur,
        "manager_clients",
        ("id", "user_id", "status", "current_step", "assigned_manager_id", "claimed_at",
         "processed_at", "name", "phone", "email", "address_text", "address_postal_code",
         "address_region", "address_city", "address_street", "address_house", "address_building",
         "address_apartment", "created_at", "updated_at"),
        clients,
    )  # fmt: skip


def seed_devices(cur: psycopg.Cursor, n: int, rng: random.Random, out: Seeded) -> None:
    """2n shared devices (every user has at least one); manager copies past step 3."""
    out.devices_by_user = [[] for _ in range(n + 1)]
    rows = []
    for did in range(1, 2 * n + 1):
        uid = did if did <= n else rng.randint(1, n)
        kind, brand, model, serial = seed_data.device(rng)
        out.devices_by_user[uid].append(did)
        rows.append((did, uid, kind, brand, model, serial, EPOCH - timedelta(days=did % 500)))
    copy_rows(
        cur, "devices", ("id", "user_id", "kind", "brand", "model", "serial_number", "created_at"),
        rows,
    )  # fmt: skip

    mrows, photos = [], []
    mid = 0
    by_id = {r[0]: r for r in rows}
    for cid in range(1, n + 1):
        status, step = out.statuses[cid - 1], out.steps[cid - 1]
        if status == "new" or (status == "in_progress" and step in ("1", "2")):
            continue
        for did in out.devices_by_user[cid]:
            _, _, kind, brand, model, serial, _ = by_id[did]
            mid += 1
            lo, hi = seed_data.DEVICE_VALUES.get(kind, (5000, 50000))
            value = f"{rng.randrange(lo, hi, 100)}.00"
            bought = date(2020, 1, 1) + timedelta(days=rng.randrange(2000))
            mrows.append((mid, cid, did, kind, brand, model, serial, bought, value))
            out.manager_devices.setdefault(cid, []).append(mid)
            key = f"clients/{cid}/devices/{mid}/{rng.getrandbits(64):016x}.jpg"
            photos.append((mid, key, "image/jpeg", rng.randint(80_000, 400_000),
                           f"{rng.getrandbits(256):064x}"))  # fmt: skip
    copy_rows(
        cur, "manager_devices",
        ("id", "client_id", "source_device_id", "kind", "brand", "model", "serial_number",
         "purchase_date", "declared_value"),
        mrows,
    )  # fmt: skip
    copy_rows(
        cur,
        "manager_device_photos",
        ("device_id", "object_key", "content_type", "size", "sha256"),
        photos,
    )


def seed_tickets(cur: psycopg.Cursor, n: int, rng: random.Random, out: Seeded) -> None:
    """A support ticket with the client's first message for every claimed client and 20 % of
    the new ones (the OTP goes to it)."""
    tickets, messages = [], []
    tid = 0
    for cid in range(1, n + 1):
        if out.statuses[cid - 1] == "new" and rng.random() >= 0.2:
            continue
        tid += 1
        out.tickets[cid] = tid
        at = EPOCH - timedelta(minutes=rng.randrange(60 * 24 * 30))
        tickets.append((tid, cid, "Оформление подписки", "open", at, at))
        messages.append((tid, "client", "Здравствуйте! Хочу оформить обслуживание техники.", at))
    copy_rows(
        cur, "support_tickets", ("id", "user_id", "subject", "status", "created_at", "updated_at"),
        tickets,
    )  # fmt: skip
    copy_rows(cur, "support_messages", ("ticket_id", "author_type", "body", "created_at"), messages)


def reset_sequences(cur: psycopg.Cursor) -> None:
    cur.execute(
        """
        SELECT c.relname, a.attname FROM pg_class c
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        JOIN pg_namespace ns ON ns.oid = c.relnamespace AND ns.nspname = 'public'
        WHERE c.relkind = 'r' AND pg_get_serial_sequence(c.relname, a.attname) IS NOT NULL
        """
    )
    for table, column in cur.fetchall():
        cur.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
            f"COALESCE((SELECT max({column}) FROM {table}), 0) + 1, false)"
        )


def seed(url: str, clients: int, seed_number: int) -> Seeded:
    from privet_manager import migrate

    from bench import seed_extras

    out = Seeded(clients=clients)
    t0 = time.perf_counter()
    migrate.upgrade(sqlalchemy_url(url))
    out.timings["migrate"] = time.perf_counter() - t0
    rng = random.Random(seed_number)
    with psycopg.connect(libpq_url(url)) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM users")
        row = cur.fetchone()
        if row and row[0]:
            raise SystemExit("the database is not empty: seed a fresh one (--create)")
        cur.execute("SET synchronous_commit = off")
        # The search (GIN) indexes take entries directly (no pending list, migration 0006),
        # which made loading 100,000 clients five times slower: drop them for the load and
        # build them afresh from their own definitions afterwards, as a bulk load should.
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename = 'manager_clients' AND indexdef LIKE '%USING gin%'"
        )
        search_indexes = cur.fetchall()
        for index_name, _ in search_indexes:
            cur.execute(f"DROP INDEX {index_name}")
        # The funnel's facts (migration 0013) likewise: their triggers would rebuild them per
        # COPY, planned on the statistics of empty tables; built once after the load instead.
        # The analytics revision's (migration 0017) would queue one deferred event per row
        # loaded: the revision moves once, at the end, instead.
        cur.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger "
            "WHERE (tgname LIKE 'manager\\_funnel\\_%' OR tgname LIKE 'manager\\_analytics\\_%')"
            " AND NOT tgisinternal"
        )
        funnel_triggers = cur.fetchall()
        for table, trigger in funnel_triggers:
            cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        for name, step in (
            ("people", seed_people),
            ("devices", seed_devices),
            ("tickets", seed_tickets),
        ):
            t = time.perf_counter()
            step(cur, clients, rng, out)
            out.timings[name] = time.perf_counter() - t
        for name, extra in seed_extras.EXTRAS:
            t = time.perf_counter()
            message = extra(cur, clients, random.Random(f"{seed_number}-{name}"), out)
            out.timings[name] = time.perf_counter() - t
            print(f"  {name}: {message}")
        reset_sequences(cur)
        t = time.perf_counter()
        for _, definition in search_indexes:
            cur.execute(definition)
        out.timings["search_indexes"] = time.perf_counter() - t
        if funnel_triggers:
            t = time.perf_counter()
            for table in ("manager_clients", "manager_activity_log", "manager_contracts"):
                cur.execute(f"ANALYZE {table}")
            cur.execute("SELECT manager_funnel_refresh(ARRAY(SELECT id FROM manager_clients))")
            for table, trigger in funnel_triggers:
                cur.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
            # Every figure changed: whatever a running server cached is stale.
            cur.execute("UPDATE manager_analytics_revision SET revision = revision + 1")
            out.timings["funnel_facts"] = time.perf_counter() - t
        conn.commit()
    t = time.perf_counter()
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        # VACUUM too: it sets the visibility map, the state a database that autovacuum looks
        # after is in (and, before migration 0006, merged the GIN indexes' pending lists,
        # which every search scanned linearly).
        conn.execute("VACUUM (ANALYZE)")
    out.timings["vacuum_analyze"] = time.perf_counter() - t
    out.timings["total"] = time.perf_counter() - t0
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--create", action="store_true", help="create the database first")
    parser.add_argument("--replace", action="store_true", help="drop it first if it exists")
    args = parser.parse_args(argv)
    if args.create or args.replace:
        create_database(args.database_url, replace=args.replace)
    out = seed(args.database_url, args.clients, args.seed)
    parts = ", ".join(f"{k} {v:.1f}s" for k, v in out.timings.items() if k != "total")
    print(f"seeded {args.clients} clients in {out.timings['total']:.1f} s ({parts})")
    print(f"managers: {manager_email(1)} … {manager_email(MANAGERS)} / {BENCH_PASSWORD}")


if __name__ == "__main__":
    main()
