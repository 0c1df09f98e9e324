"""Signing evidence and verification: the signed copy, the HMAC, tamper detection, the CLI."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest
from privet_manager.activity.models import ActivityEntry
from privet_manager.contracts import evidence, sealing
from privet_manager.contracts import verify as verification
from privet_manager.contracts.models import Contract
from privet_manager.kit.security import sha256_hex
from privet_manager.kit.storage import get_storage
from pypdf import PdfReader
from sqlalchemy import delete as sa_delete
from sqlalchemy import select, update

from tests.contracts.helpers import (
    API,
    apply_and_generate,
    read_code,
    ready_client,
    settle_seals,
)

UA = "Mozilla/5.0 (iPad; CPU OS 17_0) Privet-Tablet"


async def signed(client, headers, manager, db, *, settle: bool = True, **kw):
    """A client signed through the API; with `settle`, its seal (made in the background once
    the signing commits) is waited for."""
    ready = await ready_client(db, manager, **kw)
    await apply_and_generate(client, headers, ready.client_id)
    code = await read_code(client, ready.user_id)
    r = await client.post(
        f"{API}/clients/{ready.client_id}/contract/confirm",
        json={"code": code},
        headers={**headers, "User-Agent": UA},
    )
    assert r.status_code == 200, r.text
    if settle:
        await settle_seals()
    return ready, r.json()


async def signed_unsealed(client, headers, manager, db, **kw):
    """Signed, with its background seal lost (as if the process died after the commit):
    pending, and the signature's entry is the chain's last."""
    with sealing.held() as waiting:
        ready, body = await signed(client, headers, manager, db, settle=False, **kw)
        assert waiting == [body["contract"]["id"]]
        waiting.clear()
    return ready, body


async def verify(client, headers, client_id: int) -> dict[str, Any]:
    r = await client.get(f"{API}/clients/{client_id}/contract/verify", headers=headers)
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


async def test_confirm_records_the_evidence(client, headers, manager, clean_db, session) -> None:
    ready, body = await signed(client, headers, manager, clean_db)
    contract = body["contract"]
    assert contract["status"] == "signed"
    assert body["client_status"] == "signed"  # a surcharge is still due
    row = await session.scalar(select(Contract))
    assert row is not None
    assert row.signer_ip == "203.0.113.7"  # the socket peer; no trusted proxy configured
    assert row.signer_user_agent == UA
    assert row.signed_by_manager_id == manager.id
    assert row.pep_version == "v1" and len(row.pep_sha256) == 64
    assert row.pep_agreed_at <= row.signed_at
    assert row.support_message_id == contract["support_message_id"]
    assert row.photo_hashes and len(row.photo_hashes) == 2
    assert row.signature_hmac == evidence.sign(row)
    assert set(evidence.evidence_fields(row)) >= {
        "pdf_sha256",
        "signed_at",
        "pep_agreed_at",
        "signer_ip",
        "signer_user_agent",
        "manager_id",
        "pep_version",
        "pep_sha256",
        "support_message_id",
        "photo_hashes",
    }

    # The signed copy: the original pages unchanged, plus the evidence page.
    original = await get_storage().get(row.pdf_key)
    copy = await get_storage().get(row.signed_pdf_key)
    assert sha256_hex(copy) == row.signed_pdf_sha256 != row.pdf_sha256
    pages_orig = PdfReader(io.BytesIO(original)).pages
    pages_copy = PdfReader(io.BytesIO(copy)).pages
    assert len(pages_copy) == len(pages_orig) + 1
    assert pages_copy[0].extract_text() == pages_orig[0].extract_text()
    last = " ".join(pages_copy[-1].extract_text().split())
    assert row.pdf_sha256 in last.replace(" ", "")
    assert "МСК" in last and "Михаил Мастеров" in last
    assert f"№ {row.support_ticket_id}" in last

    # The activity chain holds generate and sign, without any code.
    actions = (
        await session.scalars(select(ActivityEntry.action).order_by(ActivityEntry.seq))
    ).all()
    assert "contract.generated" in actions and "contract.signed" in actions

    result = await verify(client, headers, ready.client_id)
    assert result["valid"] is True
    assert result["checks"] == {
        "pdf_hash": "ok",
        "signed_pdf_hash": "ok",
        "photos": "ok",
        "hmac": "ok",
        "activity_chain": "ok",
        "seal": "ok",
    }


async def test_verify_before_signing_is_404(client, headers, manager, clean_db) -> None:
    ready = await ready_client(clean_db, manager)
    await apply_and_generate(client, headers, ready.client_id)
    r = await client.get(f"{API}/clients/{ready.client_id}/contract/verify", headers=headers)
    assert r.status_code == 404


@pytest.mark.parametrize("which", ["pdf", "signed_pdf"])
async def test_one_byte_changed_in_a_stored_pdf(client, headers, manager, clean_db, session, which):
    ready, _ = await signed(client, headers, manager, clean_db)
    row = await session.scalar(select(Contract))
    assert row is not None
    key = row.pdf_key if which == "pdf" else row.signed_pdf_key
    data = bytearray(await get_storage().get(key))
    data[len(data) // 2] ^= 0x01
    await get_storage().put(key, bytes(data), "application/pdf")
    result = await verify(client, headers, ready.client_id)
    assert result["valid"] is False
    failed = {k for k, v in result["checks"].items() if v != "ok"}
    # The signed copy's byte breaks its seal as well.
    assert failed == ({"pdf_hash"} if which == "pdf" else {"signed_pdf_hash", "seal"})


async def test_a_missing_pdf_fails_verification(
    client, headers, manager, clean_db, session
) -> None:
    ready, _ = await signed(client, headers, manager, clean_db)
    row = await session.scalar(select(Contract))
    assert row is not None
    await get_storage().delete(row.pdf_key)
    result = await verify(client, headers, ready.client_id)
    assert result["valid"] is False and result["checks"]["pdf_hash"] == "failed"


TAMPERED = {
    "signer_ip": "198.51.100.1",
    "signer_user_agent": "curl/8.0",
    "pep_version": "v0",
    "pep_sha256": "0" * 64,
    "photo_hashes": ["0" * 64],
    "surcharge": "0.00",
    "number": "PM-1999-000001",
}


@pytest.mark.parametrize(
    "field",
    [
        *TAMPERED,
        "signed_at",
        "pep_agreed_at",
        "support_message_id",
        "signed_by_manager_id",
        "pdf_sha256",
        "signed_pdf_sha256",
    ],
)
async def test_any_evidence_field_changed_in_the_database(
    client, headers, manager, factory, clean_db, session, field
) -> None:
    ready, _ = await signed(client, headers, manager, clean_db)
    row = await session.scalar(select(Contract))
    assert row is not None
    value: Any
    if field in TAMPERED:
        value = TAMPERED[field]
    elif field in ("signed_at", "pep_agreed_at"):
        value = getattr(row, field) - timedelta(seconds=1)
    elif field == "support_message_id":
        value = row.support_message_id - 1 if row.support_message_id > 1 else None
    elif field == "signed_by_manager_id":
        value = (await factory.manager()).id
    else:
        value = "f" * 64
    async with clean_db.engine.begin() as conn:
        await conn.execute(update(Contract).where(Contract.id == row.id).values({field: value}))
    result = await verify(client, headers, ready.client_id)
    assert result["valid"] is False
    assert result["checks"]["hmac"] == "failed"
    if field == "pdf_sha256":
        assert result["checks"]["pdf_hash"] == "failed"


@pytest.mark.parametrize("change", ["edit", "delete"])
async def test_an_activity_row_edited_or_deleted(
    client, headers, manager, clean_db, session, change
):
    ready, _ = await signed(client, headers, manager, clean_db)
    first = await session.scalar(
        select(ActivityEntry).where(ActivityEntry.action == "contract.generated")
    )
    assert first is not None
    async with clean_db.engine.begin() as conn:
        if change == "edit":
            await conn.execute(
                update(ActivityEntry)
                .where(ActivityEntry.id == first.id)
                .values(payload={**first.payload, "surcharge": "0.00"})
            )
        else:
            await conn.execute(sa_delete(ActivityEntry).where(ActivityEntry.id == first.id))
    result = await verify(client, headers, ready.client_id)
    assert result["valid"] is False
    assert result["checks"]["activity_chain"] == "failed"
    assert result["checks"]["hmac"] == "ok"
    assert result["failed_activity_seq"] == first.seq


def cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    exe = os.path.join(os.path.dirname(sys.executable), "privet-manager")
    return subprocess.run(
        [exe, *args], capture_output=True, text=True, env={**os.environ, **env}, timeout=120
    )


async def test_verify_contract_command(client, headers, manager, clean_db, session) -> None:
    _, body = await signed(client, headers, manager, clean_db)
    number = body["contract"]["number"]
    ok = cli("verify-contract", number)
    assert ok.returncode == 0, ok.stderr
    assert f"{number}: VALID" in ok.stdout

    row = await session.scalar(select(Contract))
    assert row is not None
    async with clean_db.engine.begin() as conn:
        await conn.execute(
            update(Contract).where(Contract.id == row.id).values(signer_ip="10.0.0.1")
        )
    bad = cli("verify-contract", number)
    assert bad.returncode == 1
    assert "INVALID" in bad.stdout and "hmac" in bad.stdout and "failed" in bad.stdout
    assert cli("verify-contract", "PM-1900-000001").returncode == 2
    # The command's lookup in this process too: mutation testing sees no subprocess.
    async with clean_db.sessionmaker() as s:
        found = await verification.verify_number(s, number)
        assert found is not None and found.number == number and found.status == "signed"
        assert not found.valid and found.checks["hmac"] == "failed"
        assert await verification.verify_number(s, "PM-1900-000001") is None


async def test_a_pdf_changed_before_signing_cannot_be_signed(
    client, headers, manager, clean_db, session
) -> None:
    ready = await ready_client(clean_db, manager)
    contract = await apply_and_generate(client, headers, ready.client_id)
    code = await read_code(client, ready.user_id)
    key = f"contracts/{ready.client_id}/{contract['number']}.pdf"
    original = await get_storage().get(key)
    await get_storage().put(key, original + b"%", "application/pdf")
    url = f"{API}/clients/{ready.client_id}/contract/confirm"
    r = await client.post(url, json={"code": code}, headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "pdf_tampered"
    await get_storage().delete(key)
    r = await client.post(url, json={"code": code}, headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "pdf_tampered"
    # Nothing was signed, and the code was not spent: the original PDF restores signing.
    await get_storage().put(key, original, "application/pdf")
    r = await client.post(url, json={"code": code}, headers=headers)
    assert r.status_code == 200, r.text
