"""GET /metrics: who may scrape it, what a wizard run leaves in it, and that no label value
names a client."""

from __future__ import annotations

import random
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from privet_manager.clients.models import Client
from privet_manager.kit import metrics
from privet_manager.legacy.models import SupportMessage, SupportTicket, User
from privet_manager.settings import get_settings
from privet_manager.tariffs.service import seed_default_tariffs
from prometheus_client import Counter
from prometheus_client.parser import text_string_to_metric_families

from bench.wizard import StepFailed, Wizard
from tests.conftest import login

BUSINESS = (
    "privet_manager_clients_claimed_total",
    "privet_manager_contracts_generated_total",
    "privet_manager_contracts_signed_total",
    "privet_manager_contracts_locked_total",
    "privet_manager_otp_failures_total",
    "privet_manager_payments_total",
    "privet_manager_invoices_total",
    "privet_manager_login_failures_total",
)
PHONE = re.compile(r"\+?\d[\d\s()-]{8,}\d")


def _transport(app, peer: str) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=app, client=(peer, 50000))


@pytest.fixture
async def local(app, clean_db) -> AsyncIterator[httpx.AsyncClient]:
    """The app as seen from the machine itself (Prometheus next to it)."""
    async with httpx.AsyncClient(
        transport=_transport(app, "127.0.0.1"), base_url="http://testserver"
    ) as c:
        yield c


async def scrape(http: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = await http.get("/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
    }


def total(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str) -> float:
    return sum(v for (n, _), v in samples.items() if n == name)


async def new_client(db, name: str, phone: str, email: str) -> tuple[int, int]:
    """A Привет Супер user with a ticket and its client card, as the sync task makes them."""
    async with db.sessionmaker() as s, s.begin():
        await seed_default_tariffs(s)
        user = User(name=name, phone=phone, email=email)
        s.add(user)
        await s.flush()
        ticket = SupportTicket(user_id=user.id, subject="Оформление подписки")
        s.add(ticket)
        await s.flush()
        s.add(SupportMessage(ticket_id=ticket.id, author_type="client", body="Здравствуйте"))
        client = Client(user_id=user.id, name=name, phone=phone, email=email)
        s.add(client)
        await s.flush()
        return client.id, user.id


async def to_awaiting_signature(w: Wizard, cid: int) -> None:
    version = await w.claim(cid)
    version = await w.profile(cid, version)
    version = await w.passport(cid, version)
    device_id, _ = await w.device(cid, version)
    await w.confirm_photo(cid, device_id, await w.upload(cid, device_id))
    await w.apply_tariff(cid, "basic")
    await w.generate(cid)


async def wrong_code(w: Wizard, cid: int, code: str) -> int:
    bad = f"{(int(code) + 1) % 1_000_000:06d}"
    try:
        await w.confirm(cid, bad)
    except StepFailed as exc:
        return exc.status
    raise AssertionError("a wrong code was accepted")


async def test_a_wizard_run_leaves_its_counts(client, local, factory, clean_db) -> None:
    manager = await factory.manager(name="Метрик Счётов")
    headers = await login(client, manager)
    before = await scrape(local)
    r = await client.post(
        "/api/manager/auth/login", json={"email": manager.email, "password": "not-the-password"}
    )
    assert r.status_code == 401

    people = [
        ("Кузнецова Анна Сергеевна", "+79161230001", "anna.k@example.ru"),
        ("Попов Игорь Викторович", "+79161230002", "igor.p@example.ru"),
    ]
    w = Wizard(client, headers, get_settings().jwt_secret, random.Random(7))
    (paid, paid_user), (locked, locked_user) = [
        await new_client(clean_db, *person) for person in people
    ]

    # One client: a wrong code, then the right one, then the payment.
    await to_awaiting_signature(w, paid)
    code = await w.read_code(paid_user)
    assert await wrong_code(w, paid, code) == 422
    await w.confirm(paid, code)
    card = await w.card(paid)
    await w.pay(paid, card["contract"]["surcharge"])

    # The other: five wrong codes lock the contract; generated again, signed, invoiced.
    await to_awaiting_signature(w, locked)
    code = await w.read_code(locked_user)
    statuses = [await wrong_code(w, locked, code) for _ in range(5)]
    assert statuses[:4] == [422] * 4 and statuses[4] in (409, 422, 423), statuses
    await w.generate(locked)
    await w.confirm(locked, await w.read_code(locked_user))
    r = await client.post(f"/api/manager/clients/{locked}/billing/notify", headers=headers)
    assert r.status_code in (200, 201), r.text

    after = await scrape(local)
    delta = {name: total(after, name) - total(before, name) for name in BUSINESS}
    assert delta == {
        "privet_manager_clients_claimed_total": 2,
        "privet_manager_contracts_generated_total": 3,
        "privet_manager_contracts_signed_total": 2,
        "privet_manager_contracts_locked_total": 1,
        "privet_manager_otp_failures_total": 6,
        "privet_manager_payments_total": 1,
        "privet_manager_invoices_total": 1,
        "privet_manager_login_failures_total": 1,
    }

    # Requests by route template and status, never by the path with its ids.
    claim = "/api/manager/clients/{client_id}/claim"
    key = (
        "privet_manager_http_request_duration_seconds_count",
        (("method", "POST"), ("route", claim), ("status", "200")),
    )
    assert after.get(key, 0) - before.get(key, 0) == 2, [k for k in after if "claim" in str(k)]
    assert total(after, "privet_manager_db_pool_connections") >= 1
    assert after[("privet_manager_ready", (("check", "database"),))] == 1
    assert after[("privet_manager_ready", (("check", "storage"),))] == 1
    assert ("privet_manager_sse_connections", ()) in after
    assert total(after, "process_resident_memory_bytes") > 0
    assert total(after, "process_cpu_seconds_total") > 0

    # No label value is an id, an e-mail or a phone.
    named = {str(v) for v in (paid, locked, paid_user, locked_user, manager.id)}
    named |= {p for person in people for p in person} | {manager.email}
    ours = [(n, labels) for n, labels in after if n.startswith("privet_manager_")]
    assert {label for _, labels in ours for label, _ in labels} == {
        "le", "method", "route", "status", "pool", "state", "check",
    }  # fmt: skip
    for name, labels in ours:
        for label, value in labels:
            if label in ("le", "status"):  # a bucket's bound, an HTTP status
                continue
            assert "@" not in value, (name, label, value)
            assert not PHONE.search(value), (name, label, value)
            assert value not in named, (name, label, value)
            assert not any(ch.isdigit() for ch in value), (name, label, value)


async def test_paths_and_methods_a_client_makes_up_add_no_series(local) -> None:
    for i in range(5):
        await local.request(f"BREW{i}", f"/api/manager/nothing-{i}/{i}")
        await local.post(f"/api/manager/clients/{1000 + i}/claim")  # 401: the template
    samples = await scrape(local)
    counts = [dict(labels) for name, labels in samples
              if name == "privet_manager_http_request_duration_seconds_count"]  # fmt: skip
    assert not any(c["method"].startswith("BREW") for c in counts)
    assert any(c["method"] == "OTHER" for c in counts)
    routes = {c["route"] for c in counts}
    assert "/api/manager/clients/{client_id}/claim" in routes
    assert not any("nothing" in r or "1000" in r for r in routes), routes


async def test_a_counter_waits_for_the_commit(clean_db) -> None:
    counter = metrics.business_counter("test_commit_probe", "only in this test")
    async with clean_db.sessionmaker() as s:
        await s.execute(User.__table__.select().limit(1))
        metrics.count_on_commit(s, counter)
        assert _value(counter) == 0  # counted at the commit, not before
        await s.rollback()
    assert _value(counter) == 0  # rolled back: never happened
    async with clean_db.sessionmaker() as s:
        await s.execute(User.__table__.select().limit(1))
        metrics.count_on_commit(s, counter)
        await s.commit()
    assert _value(counter) == 1


def _value(counter: Counter) -> float:
    return float(counter._value.get())


async def test_only_allowed_addresses_or_the_token(app, client, local, monkeypatch) -> None:
    r = await client.get("/metrics")  # client: 203.0.113.7, not allowed
    assert r.status_code == 403
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "metrics_forbidden"
    assert (await local.get("/metrics")).status_code == 200

    # Through a proxy the app was not told about, loopback means nothing.
    r = await local.get("/metrics", headers={"X-Forwarded-For": "198.51.100.9"})
    assert r.status_code == 403
    r = await local.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})
    assert r.status_code == 403

    settings = get_settings()
    monkeypatch.setattr(settings, "trusted_proxies", "10.0.0.1")
    async with httpx.AsyncClient(
        transport=_transport(app, "10.0.0.1"), base_url="http://testserver"
    ) as proxied:
        assert (await proxied.get("/metrics")).status_code == 403  # who sent it? nobody said
        r = await proxied.get("/metrics", headers={"X-Forwarded-For": "198.51.100.9"})
        assert r.status_code == 403
        r = await proxied.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})
        assert r.status_code == 200

    monkeypatch.setattr(settings, "metrics_token", "m" * 40)
    assert (await client.get("/metrics")).status_code == 403
    for wrong in ("Bearer " + "m" * 39, "Basic " + "m" * 40, "Bearer"):
        r = await client.get("/metrics", headers={"Authorization": wrong})
        assert r.status_code == 403, wrong
    r = await client.get("/metrics", headers={"Authorization": "Bearer " + "m" * 40})
    assert r.status_code == 200
    assert "privet_manager_http_request_duration_seconds_bucket" in r.text

    monkeypatch.setattr(settings, "metrics_allowed_ips", "")
    assert (await local.get("/metrics")).status_code == 403  # no address is allowed now
