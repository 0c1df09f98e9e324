"""Public verification: no token, nothing personal, 404 and 422 as problem+json, throttled
per address."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest
from privet_manager.contracts.models import Contract
from privet_manager.contracts.timestamps import add_timestamps
from privet_manager.kit.storage import get_storage
from privet_manager.settings import get_settings
from sqlalchemy import select

from tests.contracts.helpers import apply_and_generate, ready_client, sign
from tests.seal.tsa import running_tsa

PUBLIC = "/api/public/contracts"
# What the arranged client is (tests/contracts/helpers.py): none of it may reach a stranger.
PERSONAL = (
    "Иванова",
    "Мария",
    "Петровна",
    "+79161234567",
    "9161234567",
    "maria@example.ru",
    "4517",
    "918273",
    "Тверская",
    "125009",
    "ГУ МВД",
    "770-001",
    "1990-03-14",
)


def assert_nothing_personal(response: httpx.Response) -> None:
    body = response.text
    for item in PERSONAL:
        assert item not in body, (item, body)


async def test_status_and_check_answer_anyone_with_nothing_personal(
    client, headers, manager, clean_db, session
) -> None:
    ready = await ready_client(clean_db, manager)
    contract = await apply_and_generate(client, headers, ready.client_id)
    number = contract["number"]
    answers: list[httpx.Response] = []

    # No Authorization header on any public request.
    r = await client.get(f"{PUBLIC}/{number}")
    answers.append(r)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "number": number,
        "status": "awaiting_signature",
        "signed_at": None,
        "sealed": False,
        "timestamped": False,
    }
    assert r.headers["cache-control"] == "no-store"
    r = await client.post(f"{PUBLIC}/{number}/check", json={"sha256": contract["pdf_sha256"]})
    answers.append(r)
    assert r.status_code == 200, r.text
    assert r.json() == {"number": number, "match": "original"}

    await sign(client, headers, ready)
    row = await session.scalar(select(Contract).where(Contract.number == number))
    assert row is not None and row.signed_pdf_key and row.signed_at
    signed = await get_storage().get(row.signed_pdf_key)

    r = await client.get(f"{PUBLIC}/{number}")
    answers.append(r)
    body: dict[str, Any] = r.json()
    assert body["status"] == "signed"
    assert body["signed_at"] is not None
    assert body["sealed"] is True and body["timestamped"] is False  # no TSA configured
    assert set(body) == {"number", "status", "signed_at", "sealed", "timestamped"}
    # The hash the browser computes of the downloaded signed copy (upper-case is fine too).
    for digest, expected in (
        (hashlib.sha256(signed).hexdigest(), "signed"),
        (hashlib.sha256(signed).hexdigest().upper(), "signed"),
        (contract["pdf_sha256"], "original"),
        (hashlib.sha256(signed + b"\n").hexdigest(), "none"),
    ):
        r = await client.post(f"{PUBLIC}/{number}/check", json={"sha256": digest})
        answers.append(r)
        assert r.status_code == 200, r.text
        assert r.json() == {"number": number, "match": expected}, digest

    for answer in answers:
        assert_nothing_personal(answer)
        assert "Authorization" not in answer.request.headers


async def test_the_timestamped_copy_is_the_signed_copy_too(
    client, headers, manager, clean_db, session
) -> None:
    ready = await ready_client(clean_db, manager)
    number = (await apply_and_generate(client, headers, ready.client_id))["number"]
    await sign(client, headers, ready)
    with running_tsa() as tsa:  # the TSA answers now, not when the contract was sealed
        async with clean_db.sessionmaker() as s, s.begin():
            run = await add_timestamps(s, tsa.url, timeout_seconds=5)
    assert run.added == [number], run
    row = await session.scalar(select(Contract).where(Contract.number == number))
    assert row is not None and row.timestamped_pdf_key and row.signed_pdf_key
    r = await client.get(f"{PUBLIC}/{number}")
    assert (r.json()["sealed"], r.json()["timestamped"]) == (True, True)
    assert row.sealed_pdf_key
    for key in (row.signed_pdf_key, row.sealed_pdf_key, row.timestamped_pdf_key):
        digest = hashlib.sha256(await get_storage().get(key)).hexdigest()
        r = await client.post(f"{PUBLIC}/{number}/check", json={"sha256": digest})
        assert r.json()["match"] == "signed", key


async def test_an_unknown_number_is_a_problem_404(client, clean_db) -> None:
    for r in (
        await client.get(f"{PUBLIC}/PM-2026-999999"),
        await client.post(f"{PUBLIC}/PM-2026-999999/check", json={"sha256": "a" * 64}),
    ):
        assert r.status_code == 404, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        problem = r.json()
        assert problem["code"] == "contract_not_found"
        assert problem["status"] == 404
        assert "не найден" in problem["detail"]
    # A number no contract could have is refused before any lookup.
    r = await client.get(f"{PUBLIC}/{'9' * 200}")
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "body",
    [
        {"sha256": "a" * 63},
        {"sha256": "a" * 65},
        {"sha256": "g" * 64},
        {"sha256": " " + "a" * 63},
        {"sha256": 12345},
        {},
        {"sha256": "a" * 64, "name": "Иванова"},
    ],
)
async def test_a_bad_hash_is_a_422(client, clean_db, body: dict[str, Any]) -> None:
    r = await client.post(f"{PUBLIC}/PM-2026-000001/check", json=body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"]


async def test_lookups_are_limited_per_address(
    app, client, clean_db, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "public_requests_per_minute", 5)
    # Unknown numbers count as well: guessing costs the same allowance.
    for i in range(3):
        r = await client.get(f"{PUBLIC}/PM-2026-{i:06d}")
        assert r.status_code == 404
    for _ in range(2):
        r = await client.post(f"{PUBLIC}/PM-2026-000001/check", json={"sha256": "b" * 64})
        assert r.status_code == 404
    for r in (
        await client.get(f"{PUBLIC}/PM-2026-000001"),
        await client.post(f"{PUBLIC}/PM-2026-000001/check", json={"sha256": "b" * 64}),
    ):
        assert r.status_code == 429, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert 1 <= int(r.headers["retry-after"]) <= 61
        assert r.json()["code"] == "too_many_requests"
    # Another address has its own allowance.
    transport = httpx.ASGITransport(app=app, client=("198.51.100.23", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        assert (await other.get(f"{PUBLIC}/PM-2026-000001")).status_code == 404


async def test_the_spa_answers_the_verification_page(client, clean_db) -> None:
    # The QR code's link is a deep link into the SPA: index.html, never cached, no login.
    r = await client.get("/verify/PM-2026-000001")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["content-type"].startswith("text/")
