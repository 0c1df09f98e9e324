"""One-time codes: exact failure counting under parallel guesses, expiry, single use,
resend rules, binding to one contract, and the code never leaking."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from privet_manager.contracts.models import Contract
from privet_manager.kit.logging import JsonFormatter
from sqlalchemy import select

from tests.contracts.helpers import (
    API,
    Awaiting,
    apply_and_generate,
    read_code,
    ready_client,
    wrong,
)


async def contract_row(db, client_id: int) -> Contract:
    async with db.sessionmaker() as s:
        row = await s.scalar(
            select(Contract).where(Contract.client_id == client_id).order_by(Contract.id.desc())
        )
        assert row is not None
        return row


async def test_twenty_parallel_wrong_codes_count_exactly_five_and_lock(
    client, headers, manager, clean_db, awaiting: Awaiting
) -> None:
    ready, code, url = awaiting.ready, awaiting.code, awaiting.confirm_url

    responses = await asyncio.gather(
        *(client.post(url, json={"code": wrong(code)}, headers=headers) for _ in range(20))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(422) == 4  # attempts 1-4: wrong, attempts left
    assert statuses.count(409) == 16  # the fifth locks; the rest find it locked
    row = await contract_row(clean_db, ready.client_id)
    assert row.otp_failures == 5
    assert row.status == "locked"
    assert row.otp_hmac is None

    r = await client.post(url, json={"code": code}, headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "contract_locked"
    # Resending does not unlock: a locked contract must be generated anew.
    r = await client.post(f"{API}/clients/{ready.client_id}/contract/resend-otp", headers=headers)
    assert r.status_code == 409
    r = await client.post(
        f"{API}/clients/{ready.client_id}/contract/generate",
        json={"pep_agreed": True},
        headers=headers,
    )
    assert r.status_code == 201 and r.json()["contract"]["otp_attempts_left"] == 5


async def test_wrong_code_reports_attempts_left(
    client, headers, manager, clean_db, awaiting: Awaiting
) -> None:
    ready, code, url = awaiting.ready, awaiting.code, awaiting.confirm_url
    r = await client.post(url, json={"code": wrong(code)}, headers=headers)
    assert r.status_code == 422
    assert r.json()["attempts_left"] == 4
    assert r.json()["errors"][0]["loc"] == ["body", "code"]
    for bad in ("12345", "abcdef", "1234567", ""):
        r = await client.post(url, json={"code": bad}, headers=headers)
        assert r.status_code == 422
    assert (await contract_row(clean_db, ready.client_id)).otp_failures == 1
    r = await client.post(url, json={"code": code}, headers=headers)
    assert r.status_code == 200, r.text


async def test_code_expires_after_ten_minutes(client, headers, manager, clean_db) -> None:
    ready = await ready_client(clean_db, manager)
    contract = await apply_and_generate(client, headers, ready.client_id)
    code = await read_code(client, ready.user_id)
    expires = datetime.fromisoformat(contract["otp_expires_at"])
    # Ten minutes from generation (the answer takes a moment on a busy machine).
    assert timedelta(minutes=9, seconds=50) < expires - datetime.now(UTC) <= timedelta(minutes=10)
    with time_machine.travel(expires + timedelta(seconds=1)):
        r = await client.post(
            f"{API}/clients/{ready.client_id}/contract/confirm",
            json={"code": code},
            headers=headers,
        )
    assert r.status_code == 422
    assert r.json()["code"] == "otp_expired"
    assert (await contract_row(clean_db, ready.client_id)).status == "awaiting_signature"


async def test_the_card_counts_the_code_down_in_whole_seconds_rounded_up(
    client, headers, manager, clean_db, awaiting: Awaiting
) -> None:
    ready, sent = awaiting.ready, awaiting.sent_at

    async def timers(at: datetime) -> tuple[int, int]:
        with time_machine.travel(at, tick=False):
            r = await client.get(f"{API}/clients/{ready.client_id}", headers=headers)
        assert r.status_code == 200, r.text
        c = r.json()["contract"]
        return c["otp_expires_in"], c["otp_resend_in"]

    # Half a second after sending, the manager's timers read 10:00 and 1:00, not 9:59/0:59.
    assert await timers(sent + timedelta(seconds=0.5)) == (600, 60)
    assert await timers(sent + timedelta(seconds=1)) == (599, 59)
    assert await timers(sent + timedelta(seconds=61)) == (539, 0)
    assert await timers(sent + timedelta(minutes=11)) == (0, 0)


async def test_a_used_code_is_refused(client, headers, awaiting: Awaiting) -> None:
    code, url = awaiting.code, awaiting.confirm_url
    assert (await client.post(url, json={"code": code}, headers=headers)).status_code == 200
    r = await client.post(url, json={"code": code}, headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "contract_signed"


async def test_two_parallel_right_codes_sign_once(client, headers, awaiting: Awaiting) -> None:
    code, url = awaiting.code, awaiting.confirm_url
    rs = await asyncio.gather(
        *(client.post(url, json={"code": code}, headers=headers) for _ in range(3))
    )
    assert sorted(r.status_code for r in rs) == [200, 409, 409]


async def test_resend_voids_the_old_code_and_keeps_failures(
    client, headers, manager, clean_db, awaiting: Awaiting
) -> None:
    ready, old = awaiting.ready, awaiting.code
    confirm = f"{API}/clients/{ready.client_id}/contract/confirm"
    resend = f"{API}/clients/{ready.client_id}/contract/resend-otp"
    for _ in range(2):
        r = await client.post(confirm, json={"code": wrong(old)}, headers=headers)
        assert r.status_code == 422

    r = await client.post(resend, headers=headers)
    assert r.status_code == 429
    assert 1 <= int(r.headers["Retry-After"]) <= 60

    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=61)):
        r = await client.post(resend, headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["contract"]["otp_attempts_left"] == 3
        new = await read_code(client, ready.user_id)
        if new != old:  # one chance in a million that the digits repeat
            r = await client.post(confirm, json={"code": old}, headers=headers)
            assert r.status_code == 422
            assert (await contract_row(clean_db, ready.client_id)).otp_failures == 3
        r = await client.post(confirm, json={"code": new}, headers=headers)
        assert r.status_code == 200, r.text


async def test_at_most_five_codes_an_hour(client, headers, manager, clean_db) -> None:
    ready = await ready_client(clean_db, manager)
    await apply_and_generate(client, headers, ready.client_id)
    resend = f"{API}/clients/{ready.client_id}/contract/resend-otp"
    start = datetime.now(UTC)
    for i in range(1, 5):  # codes 2..5
        with time_machine.travel(start + timedelta(seconds=61 * i)):
            assert (await client.post(resend, headers=headers)).status_code == 200
    with time_machine.travel(start + timedelta(seconds=61 * 5)):
        r = await client.post(resend, headers=headers)
        assert r.status_code == 429 and r.json()["code"] == "otp_hourly_cap"
        assert int(r.headers["Retry-After"]) > 60
    with time_machine.travel(start + timedelta(hours=1, seconds=5)):
        assert (await client.post(resend, headers=headers)).status_code == 200


async def test_a_code_for_one_contract_is_refused_on_another(
    client, factory, manager, headers, clean_db
) -> None:
    x = await ready_client(clean_db, manager, name="Первый Клиент Иванович")
    y = await ready_client(clean_db, manager, name="Второй Клиент Петрович")
    await apply_and_generate(client, headers, x.client_id)
    await apply_and_generate(client, headers, y.client_id)
    code_x = await read_code(client, x.user_id)
    code_y = await read_code(client, y.user_id)
    if code_x != code_y:
        r = await client.post(
            f"{API}/clients/{y.client_id}/contract/confirm", json={"code": code_x}, headers=headers
        )
        assert r.status_code == 422
    # Even the same digits do not match across contracts: the HMAC binds contract and PDF.
    row_x = await contract_row(clean_db, x.client_id)
    row_y = await contract_row(clean_db, y.client_id)
    from privet_manager.contracts import otp

    assert row_x.otp_hmac is not None
    assert otp.code_matches(
        code_x, row_x.otp_hmac, contract_id=row_x.id, pdf_sha256=row_x.pdf_sha256
    )
    assert not otp.code_matches(
        code_x, row_x.otp_hmac, contract_id=row_y.id, pdf_sha256=row_x.pdf_sha256
    )
    assert not otp.code_matches(
        code_x, row_x.otp_hmac, contract_id=row_x.id, pdf_sha256=row_y.pdf_sha256
    )
    r = await client.post(
        f"{API}/clients/{y.client_id}/contract/confirm", json={"code": code_y}, headers=headers
    )
    assert r.status_code == 200


async def test_the_code_is_in_no_log_line_and_no_manager_response(
    client, headers, manager, clean_db, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    ready = await ready_client(clean_db, manager)
    manager_bodies: list[str] = []

    async def call(method: str, url: str, **kw: Any) -> None:
        r = await client.request(method, url, headers=headers, **kw)
        manager_bodies.append(r.text + json.dumps(dict(r.headers)))

    base = f"{API}/clients/{ready.client_id}"
    await call("POST", f"{base}/tariff/apply", json={"tariff_code": "basic"})
    await call("POST", f"{base}/contract/generate", json={"pep_agreed": True})
    codes = [await read_code(client, ready.user_id)]
    await call("GET", f"{base}/contract")
    await call("GET", base)
    await call("POST", f"{base}/contract/confirm", json={"code": wrong(codes[0])})
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=61)):
        await call("POST", f"{base}/contract/resend-otp")
        codes.append(await read_code(client, ready.user_id))
        await call("POST", f"{base}/contract/confirm", json={"code": codes[1]})
        await call("GET", base)
        await call("GET", f"{base}/contract/verify")

    formatter = JsonFormatter()
    lines = [formatter.format(rec) for rec in caplog.records]
    assert lines, "expected log lines at DEBUG"
    assert any("otp" in line for line in lines)  # the failure was logged...
    wrong_code = wrong(codes[0])
    for code in codes:
        for line in lines:
            assert code not in line, line  # ...but never a code
        for body in manager_bodies:
            assert code not in body
    assert all(wrong_code not in line for line in lines)


async def test_right_and_wrong_codes_racing_never_deadlock(
    client, headers, manager, clean_db
) -> None:
    for _ in range(3):
        ready = await ready_client(clean_db, manager)
        await apply_and_generate(client, headers, ready.client_id)
        code = await read_code(client, ready.user_id)
        url = f"{API}/clients/{ready.client_id}/contract/confirm"
        bodies = [{"code": wrong(code)}] * 2 + [{"code": code}] + [{"code": wrong(code)}] * 2
        rs = await asyncio.gather(*(client.post(url, json=b, headers=headers) for b in bodies))
        statuses = [r.status_code for r in rs]
        assert statuses.count(200) == 1, statuses
        assert set(statuses) <= {200, 409, 422}, statuses
        row = await contract_row(clean_db, ready.client_id)
        assert row.status == "signed" and row.otp_failures <= 4
