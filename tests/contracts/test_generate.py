"""Contract generation: preconditions, number, PDF, storage, the message with the code."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import UTC, datetime

from privet_manager.contracts.models import Contract
from privet_manager.contracts.pep import agreement
from privet_manager.kit.security import sha256_hex
from privet_manager.kit.storage import get_storage
from privet_manager.legacy.models import SupportMessage, SupportTicket
from privet_manager.settings import get_settings
from privet_manager.signing.pdf.document import ContractDocument
from privet_manager.signing.pdf.render import render_contract
from privet_manager.support.models import ManagerSupportMessage, SupportThread
from pypdf import PdfReader
from sqlalchemy import delete as sa_delete
from sqlalchemy import func, select

from tests.contracts.helpers import (
    API,
    CODE_RE,
    apply_and_generate,
    read_code,
    ready_client,
    support_messages,
)

YEAR = datetime.now(UTC).year


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


async def test_generation_needs_every_step_and_names_what_is_missing(
    client, headers, manager, clean_db, session
) -> None:
    ready = await ready_client(clean_db, manager, devices=())
    r = await client.post(
        f"{API}/clients/{ready.client_id}/contract/generate",
        json={"pep_agreed": True},
        headers=headers,
    )
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "steps_incomplete"
    assert [e["loc"] for e in body["errors"]] == [["steps", "devices"], ["steps", "tariff"]]
    assert await session.scalar(select(func.count()).select_from(Contract)) == 0


async def test_pep_agreement_must_be_true(client, headers, manager, clean_db) -> None:
    ready = await ready_client(clean_db, manager)
    url = f"{API}/clients/{ready.client_id}/contract/generate"
    for body in ({"pep_agreed": False}, {}, {"pep_agreed": "yes"}):
        r = await client.post(url, json=body, headers=headers)
        assert r.status_code == 422, body
        assert r.json()["errors"][0]["loc"] == ["body", "pep_agreed"]


async def test_devices_changed_after_tariff_make_it_stale(
    client, headers, manager, clean_db
) -> None:
    ready = await ready_client(clean_db, manager)
    r = await client.post(
        f"{API}/clients/{ready.client_id}/tariff/apply",
        json={"tariff_code": "basic"},
        headers=headers,
    )
    assert r.status_code == 200
    async with clean_db.engine.begin() as conn:
        from privet_manager.devices.models import ManagerDevice

        await conn.execute(sa_delete(ManagerDevice).where(ManagerDevice.kind == "phone"))
    r = await client.post(
        f"{API}/clients/{ready.client_id}/contract/generate",
        json={"pep_agreed": True},
        headers=headers,
    )
    assert r.status_code == 409
    assert r.json()["errors"][0]["loc"] == ["steps", "tariff"]


async def test_generate_stores_the_pdf_and_posts_the_code(
    client, headers, manager, clean_db, session
) -> None:
    ready = await ready_client(clean_db, manager)
    contract = await apply_and_generate(client, headers, ready.client_id)

    assert contract["number"] == f"PM-{YEAR}-000001"
    assert contract["status"] == "awaiting_signature"
    # basic: 490 base covers the laptop (dearer), the phone costs 290 more.
    assert contract["surcharge"] == "780.00"
    assert contract["otp_attempts_left"] == 5
    assert contract["pdf_url"].startswith("/api/storage/objects/contracts/")
    pdf = await get_storage().get(f"contracts/{ready.client_id}/{contract['number']}.pdf")
    assert pdf.startswith(b"%PDF")
    assert sha256_hex(pdf) == contract["pdf_sha256"]
    text = pdf_text(pdf)
    assert ready.name in text
    assert contract["number"] in text
    assert "780,00 руб." in text  # split() reads the no-break space as a plain one
    assert "серия 4517 № 918273" in text  # the PDF states the passport

    # The manager can download it through the signed link.
    r = await client.get(contract["pdf_url"])
    assert r.status_code == 200 and sha256_hex(r.content) == contract["pdf_sha256"]

    # The message went into the client's existing open ticket.
    messages = await support_messages(client, ready.user_id)
    last = messages[-1]
    assert contract["number"] in last["body"]
    assert "780.00" in last["body"]
    assert contract["pdf_sha256"][:8] in last["body"]
    assert "http://" in last["body"] or "https://" in last["body"]
    code = CODE_RE.search(last["body"]).group(1)  # type: ignore[union-attr]
    link = re.search(r"(https?://\S+)", last["body"]).group(1)  # type: ignore[union-attr]
    base = get_settings().public_base_url.rstrip("/")
    r = await client.get(link.removeprefix(base))
    assert r.status_code == 200 and sha256_hex(r.content) == contract["pdf_sha256"]
    assert await session.scalar(select(func.count()).select_from(SupportTicket)) == 1

    # The manager side's log has the message, without the code.
    logged = (await session.scalars(select(ManagerSupportMessage))).all()
    assert len(logged) == 1 and logged[0].kind == "otp"
    assert code not in logged[0].body and contract["number"] in logged[0].body
    row = await session.scalar(select(Contract))
    assert row is not None and row.otp_hmac and code not in row.otp_hmac
    # The snapshot (a JSONB column) keeps the passport masked: encrypted at rest only.
    assert row.snapshot["passport"]["series_number_masked"] == "45** ***273"
    assert "918273" not in str(row.snapshot)

    # The card carries the contract section, and no code.
    card = await client.get(f"{API}/clients/{ready.client_id}", headers=headers)
    assert card.status_code == 200, card.text
    assert card.json()["contract"]["number"] == contract["number"]
    assert card.json()["tariff"]["surcharge"] == "780.00"
    assert code not in card.text
    assert card.json()["status"] == "awaiting_signature"


async def test_a_ticket_is_created_when_the_client_has_none(
    client, headers, manager, clean_db, session
) -> None:
    ready = await ready_client(clean_db, manager, with_ticket=False)
    await apply_and_generate(client, headers, ready.client_id)
    tickets = (await session.scalars(select(SupportTicket))).all()
    assert len(tickets) == 1 and tickets[0].user_id == ready.user_id
    thread = await session.scalar(select(SupportThread))
    assert thread is not None and thread.ticket_id == tickets[0].id
    assert len(await read_code(client, ready.user_id)) == 6


async def test_regenerating_voids_the_unsigned_contract(
    client, headers, manager, clean_db, session
) -> None:
    ready = await ready_client(clean_db, manager)
    first = await apply_and_generate(client, headers, ready.client_id)
    old_code = await read_code(client, ready.user_id)
    r = await client.post(
        f"{API}/clients/{ready.client_id}/contract/generate",
        json={"pep_agreed": True},
        headers=headers,
    )
    assert r.status_code == 201
    second = r.json()["contract"]
    assert second["number"] == f"PM-{YEAR}-000002"
    statuses = {
        n: s for n, s in (await session.execute(select(Contract.number, Contract.status))).all()
    }
    assert statuses == {first["number"]: "void", second["number"]: "awaiting_signature"}
    r = await client.post(
        f"{API}/clients/{ready.client_id}/contract/confirm",
        json={"code": old_code},
        headers=headers,
    )
    assert r.status_code == 422  # the old contract's code means nothing for the new one


async def test_numbers_stay_unique_and_gapless_under_concurrency(
    client, factory, clean_db, session
) -> None:
    from tests.conftest import login

    pairs = []
    for i in range(6):
        m = await factory.manager()
        h = await login(client, m)
        ready = await ready_client(clean_db, m, name=f"Клиент Номер {i}")
        r = await client.post(
            f"{API}/clients/{ready.client_id}/tariff/apply",
            json={"tariff_code": "family"},
            headers=h,
        )
        assert r.status_code == 200
        pairs.append((ready.client_id, h))

    async def gen(client_id: int, h: dict[str, str]) -> str:
        r = await client.post(
            f"{API}/clients/{client_id}/contract/generate", json={"pep_agreed": True}, headers=h
        )
        assert r.status_code == 201, r.text
        number: str = r.json()["contract"]["number"]
        return number

    numbers = await asyncio.gather(*(gen(c, h) for c, h in pairs))
    assert sorted(numbers) == [f"PM-{YEAR}-{i:06d}" for i in range(1, 7)]


async def test_the_pdf_is_deterministic(client, headers, manager, clean_db, session) -> None:
    ready = await ready_client(clean_db, manager)
    contract = await apply_and_generate(client, headers, ready.client_id)
    row = await session.scalar(select(Contract))
    assert row is not None
    doc = ContractDocument.from_snapshot(
        row.snapshot,
        passport_series="4517",
        passport_number="918273",
        pep_text=agreement(row.pep_version).text,
    )
    assert sha256_hex(render_contract(doc)) == contract["pdf_sha256"]


async def test_an_operator_template_overrides_the_packaged_one(
    client, headers, manager, clean_db
) -> None:
    folder = get_settings().privet_data_dir / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "contract.txt.j2"
    path.write_text(
        "# Особый договор № {{ doc.number }}\n\nКлиент: {{ doc.client_name }}. "
        "Доплата {{ doc.surcharge }}.\n\n[[devices]]\n",
        encoding="utf-8",
    )
    try:
        ready = await ready_client(clean_db, manager)
        contract = await apply_and_generate(client, headers, ready.client_id)
        text = pdf_text(
            await get_storage().get(f"contracts/{ready.client_id}/{contract['number']}.pdf")
        )
        assert "Особый договор" in text and ready.name in text
    finally:
        path.unlink()


async def test_pep_agreement_endpoint(client, headers) -> None:
    r = await client.get(f"{API}/pep-agreement", headers=headers)
    assert r.status_code == 200
    body = r.json()
    assert body["version"] == "v1"
    assert sha256_hex(body["text"].encode()) == body["sha256"]
    assert "простой электронной подписи" in body["text"]


async def test_a_stranger_may_not_generate(client, factory, manager, clean_db) -> None:
    from tests.conftest import login

    ready = await ready_client(clean_db, manager)
    other = await login(client, await factory.manager())
    r = await client.post(
        f"{API}/clients/{ready.client_id}/contract/generate",
        json={"pep_agreed": True},
        headers=other,
    )
    assert r.status_code == 403
    r = await client.post(
        f"{API}/clients/999999/contract/generate", json={"pep_agreed": True}, headers=other
    )
    assert r.status_code == 404


async def test_support_message_row_is_the_one_in_the_contract(
    client, headers, manager, clean_db, session
) -> None:
    ready = await ready_client(clean_db, manager)
    contract = await apply_and_generate(client, headers, ready.client_id)
    message = await session.get(SupportMessage, contract["support_message_id"])
    assert message is not None and message.author_type == "system"
    assert contract["number"] in message.body


async def test_a_broken_operator_template_is_a_clear_503(
    client, headers, manager, clean_db, session
) -> None:
    folder = get_settings().privet_data_dir / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "contract.txt.j2"
    path.write_text("# Договор {{ doc.no_such_field }}\n{% if %}", encoding="utf-8")
    try:
        ready = await ready_client(clean_db, manager)
        r = await client.post(
            f"{API}/clients/{ready.client_id}/tariff/apply",
            json={"tariff_code": "basic"},
            headers=headers,
        )
        assert r.status_code == 200
        r = await client.post(
            f"{API}/clients/{ready.client_id}/contract/generate",
            json={"pep_agreed": True},
            headers=headers,
        )
        assert r.status_code == 503 and r.json()["code"] == "contract_template_error"
        assert await session.scalar(select(func.count()).select_from(Contract)) == 0
    finally:
        path.unlink()
