"""Step 6: payment with Idempotency-Key semantics, invoices into the support chat."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from privet_manager.billing.models import Invoice, Payment
from privet_manager.clients.models import Client
from privet_manager.kit import idempotency
from sqlalchemy import func, select, text

from tests.contracts.helpers import (
    API,
    apply_and_generate,
    read_code,
    ready_client,
    support_messages,
)


async def signed_client(client, headers, manager, db, **kw):
    ready = await ready_client(db, manager, **kw)
    await apply_and_generate(client, headers, ready.client_id, kw.pop("tariff", "basic"))
    code = await read_code(client, ready.user_id)
    r = await client.post(
        f"{API}/clients/{ready.client_id}/contract/confirm", json={"code": code}, headers=headers
    )
    assert r.status_code == 200, r.text
    return ready, r.json()


async def count(session, model) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_payment_out_of_order_is_409(client, headers, manager, clean_db) -> None:
    ready = await ready_client(clean_db, manager)
    url = f"{API}/clients/{ready.client_id}/payment/confirm"
    body = {"amount": "780.00", "method": "cash", "reference": ""}
    r = await client.post(url, json=body, headers=headers)
    assert r.status_code == 409
    await apply_and_generate(client, headers, ready.client_id)
    r = await client.post(url, json=body, headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "contract_not_signed"
    r = await client.post(f"{API}/clients/{ready.client_id}/billing/notify", headers=headers)
    assert r.status_code == 409


async def test_amount_must_equal_the_surcharge(client, headers, manager, clean_db, session) -> None:
    ready, _ = await signed_client(client, headers, manager, clean_db)
    url = f"{API}/clients/{ready.client_id}/payment/confirm"
    for amount in ("779.99", "780.01", "0"):
        r = await client.post(url, json={"amount": amount, "method": "card"}, headers=headers)
        assert r.status_code == 422
        assert r.json()["errors"][0]["loc"] == ["body", "amount"]
    bad_bodies = [
        {"amount": "780.00", "method": "bitcoin"},
        {"amount": "1e20", "method": "cash"},
        {"amount": "780.001", "method": "cash"},
        {"amount": "-1", "method": "cash"},
        {"amount": "NaN", "method": "cash"},
        {"method": "cash"},
    ]
    for bad in bad_bodies:
        r = await client.post(url, json=bad, headers=headers)
        assert r.status_code == 422, bad
    r = await client.post(
        url,
        content=b'{"amount": 1e400, "method": "cash"}',
        headers={**headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 422
    assert await count(session, Payment) == 0


async def test_payment_processes_the_client_and_replays_idempotently(
    client, headers, manager, clean_db, session
) -> None:
    ready, _ = await signed_client(client, headers, manager, clean_db)
    url = f"{API}/clients/{ready.client_id}/payment/confirm"
    body = {"amount": "780.00", "method": "transfer", "reference": "п/п 42"}
    key = {"Idempotency-Key": "pay-1"}
    first = await client.post(url, json=body, headers={**headers, **key})
    assert first.status_code == 200, first.text
    assert first.json()["client_status"] == "processed"
    assert first.json()["current_step"] == "success"
    assert first.json()["payment"]["amount"] == "780.00"

    again = await client.post(url, json=body, headers={**headers, **key})
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert await count(session, Payment) == 1

    other = await client.post(url, json={**body, "method": "cash"}, headers={**headers, **key})
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"

    # A new key cannot pay twice either.
    r = await client.post(url, json=body, headers={**headers, "Idempotency-Key": "pay-2"})
    assert r.status_code == 409
    assert await count(session, Payment) == 1
    c = await session.get(Client, ready.client_id)
    assert c is not None and c.status == "processed" and c.processed_at is not None


async def test_a_concurrent_duplicate_gets_409(client, headers, manager, clean_db, session) -> None:
    ready, _ = await signed_client(client, headers, manager, clean_db)
    url = f"{API}/clients/{ready.client_id}/payment/confirm"
    body = {"amount": "780.00", "method": "cash"}
    # Hold the key's lock as the first request would while it runs.
    async with clean_db.engine.connect() as conn, conn.begin():
        await conn.execute(
            text("SELECT pg_advisory_xact_lock(:ns, hashtext(:k))"),
            {"ns": idempotency._LOCK_NAMESPACE, "k": f"{manager.id}:dup"},
        )
        r = await client.post(url, json=body, headers={**headers, "Idempotency-Key": "dup"})
        assert r.status_code == 409 and r.json()["code"] == "idempotency_in_progress"
    assert await count(session, Payment) == 0
    r = await client.post(url, json=body, headers={**headers, "Idempotency-Key": "dup"})
    assert r.status_code == 200


async def test_parallel_payments_with_different_keys_pay_once(
    client, headers, manager, clean_db, session
) -> None:
    ready, _ = await signed_client(client, headers, manager, clean_db)
    url = f"{API}/clients/{ready.client_id}/payment/confirm"
    rs = await asyncio.gather(
        *(
            client.post(
                url,
                json={"amount": "780.00", "method": "cash"},
                headers={**headers, "Idempotency-Key": f"k{i}"},
            )
            for i in range(4)
        )
    )
    assert sorted(r.status_code for r in rs) == [200, 409, 409, 409]
    assert await count(session, Payment) == 1


async def test_invoice_goes_to_the_support_chat(
    client, headers, manager, clean_db, session
) -> None:
    ready, signed_body = await signed_client(client, headers, manager, clean_db)
    number = signed_body["contract"]["number"]
    url = f"{API}/clients/{ready.client_id}/billing/notify"
    r = await client.post(url, headers={**headers, "Idempotency-Key": "inv-1"})
    assert r.status_code == 200, r.text
    invoice = r.json()["invoice"]
    year = datetime.now(UTC).year
    assert invoice["number"] == f"INV-{year}-000001"
    assert invoice["amount"] == "780.00"
    today = datetime.now(UTC).astimezone(ZoneInfo("Europe/Moscow")).date()
    assert date.fromisoformat(invoice["due_date"]) == today + timedelta(days=7)
    assert r.json()["client_status"] == "processed"

    last = (await support_messages(client, ready.user_id))[-1]
    assert last["id"] == invoice["support_message_id"]
    assert invoice["number"] in last["body"] and number in last["body"]
    assert "780.00" in last["body"]

    replay = await client.post(url, headers={**headers, "Idempotency-Key": "inv-1"})
    assert replay.status_code == 200 and replay.json() == r.json()
    assert (await client.post(url, headers=headers)).status_code == 409
    pay = await client.post(
        f"{API}/clients/{ready.client_id}/payment/confirm",
        json={"amount": "780.00", "method": "cash"},
        headers=headers,
    )
    assert pay.status_code == 409
    assert await count(session, Invoice) == 1

    card = await client.get(f"{API}/clients/{ready.client_id}", headers=headers)
    assert card.json()["invoice"]["number"] == invoice["number"]
    assert card.json()["payment"] is None


async def test_no_surcharge_means_processed_at_signing(
    client, headers, manager, clean_db, session
) -> None:
    # premium covers five devices: nothing more to pay.
    ready = await ready_client(clean_db, manager)
    await apply_and_generate(client, headers, ready.client_id, "premium")
    r = await client.post(
        f"{API}/clients/{ready.client_id}/tariff/apply",
        json={"tariff_code": "premium"},
        headers=headers,
    )
    assert r.status_code == 200 and r.json()["surcharge"] == "1990.00"
    # What "already paid" covers is zero today (no source table): emulate a stored value.
    async with clean_db.engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE manager_client_tariffs SET already_paid = total, surcharge = 0 "
                "WHERE client_id = :c"
            ),
            {"c": ready.client_id},
        )
    r = await client.post(
        f"{API}/clients/{ready.client_id}/contract/generate",
        json={"pep_agreed": True},
        headers=headers,
    )
    assert r.status_code == 201 and r.json()["contract"]["surcharge"] == "0.00"
    code = await read_code(client, ready.user_id)
    r = await client.post(
        f"{API}/clients/{ready.client_id}/contract/confirm", json={"code": code}, headers=headers
    )
    assert r.status_code == 200
    assert r.json()["client_status"] == "processed"
    assert r.json()["current_step"] == "success"
    r = await client.post(f"{API}/clients/{ready.client_id}/billing/notify", headers=headers)
    assert r.status_code == 409
