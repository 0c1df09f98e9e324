"""The seal on contracts signed through the API, checked two independent ways (pdfsig and
pyHanko's validator), with a TSA in the test, a TSA that never answers, `add-timestamps`, and
contracts signed before sealing."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from privet_manager.contracts import sealing
from privet_manager.contracts.models import Contract
from privet_manager.kit.security import sha256_hex
from privet_manager.kit.storage import get_storage
from privet_manager.seal import SealStamp, load_seal, validate
from privet_manager.settings import get_settings
from privet_manager.signing import confirm
from privet_manager.signing.pdf.evidence import append_evidence
from sqlalchemy import select, update

from tests.contracts.helpers import API, apply_and_generate, read_code, ready_client
from tests.contracts.test_document import screenshots
from tests.contracts.test_verify import cli, signed, verify
from tests.seal.test_seal import pdfsig
from tests.seal.tsa import running_tsa, silent_tsa, write_root


async def stored(session, which: str = "signed_pdf_key") -> tuple[Contract, bytes]:
    row = await session.scalar(select(Contract).execution_options(populate_existing=True))
    assert row is not None
    return row, await get_storage().get(getattr(row, which))


def both_say_broken(data: bytes, tmp_path: Path) -> None:
    report = pdfsig(data, tmp_path, "broken.pdf")
    assert "Signature is Valid." not in report, report
    assert not validate(data, load_seal(get_settings()).trust_roots).ok


async def test_a_signed_contract_is_sealed_and_one_byte_breaks_it(
    client, headers, manager, clean_db, session, tmp_path
) -> None:
    ready, body = await signed(client, headers, manager, clean_db)
    # The answer came before the seal; the helper waited for it.
    assert body["contract"]["sealed"] is False and body["contract"]["seal_pending"] is True
    row, data = await stored(session, "sealed_pdf_key")
    original = await get_storage().get(row.pdf_key)
    signed_copy = await get_storage().get(row.signed_pdf_key or "")
    assert row.sealed and not row.timestamped and not row.seal_pending
    assert sha256_hex(data) == row.sealed_pdf_sha256
    # Each copy is the next one's exact prefix: the PDF the client was shown, the copy the
    # evidence covers, the sealed one.
    assert signed_copy.startswith(original) and data.startswith(signed_copy)
    assert sha256_hex(signed_copy) == row.signed_pdf_sha256

    report = pdfsig(data, tmp_path)
    assert "Signature Validation: Signature is Valid." in report, report
    assert "Total document signed" in report, report
    check = validate(data, load_seal(get_settings()).trust_roots)
    assert (check.intact, check.covers_whole_file, check.trusted) == (True, True, True), check
    assert check.signer is not None and "Привет Супер" in check.signer

    result = await verify(client, headers, ready.client_id)
    assert result["valid"] is True and result["checks"]["seal"] == "ok"

    # For a person to look at: the stamp on the evidence page.
    pages = screenshots(data, "sealed-signed")
    assert len(pages) >= 5

    for offset in (100, len(original) // 2, len(original) + 200, len(data) - 20):
        broken = bytearray(data)
        broken[offset] ^= 0x01
        both_say_broken(bytes(broken), tmp_path)


async def test_with_a_tsa_the_seal_is_timestamped(
    client, headers, manager, clean_db, session, tmp_path, monkeypatch
) -> None:
    with running_tsa() as tsa:
        monkeypatch.setattr(get_settings(), "tsa_url", tsa.url)
        monkeypatch.setattr(get_settings(), "tsa_trust_roots_path", write_root(tsa, tmp_path))
        ready, _body = await signed(client, headers, manager, clean_db)  # sealed in the block
    row, data = await stored(session, "sealed_pdf_key")
    assert row.sealed and row.timestamped and row.timestamped_pdf_key is None
    check = validate(data, load_seal(get_settings()).trust_roots)
    assert check.ok and check.timestamped, check
    report = pdfsig(data, tmp_path)
    assert "Signature is Valid." in report and "Total document signed" in report, report
    result = await verify(client, headers, ready.client_id)
    assert result["valid"] is True and result["checks"]["seal"] == "ok"


async def test_a_silent_tsa_does_not_hold_signing_and_add_timestamps_fixes_it(
    client, headers, manager, clean_db, session, tmp_path, monkeypatch
) -> None:
    ready = await ready_client(clean_db, manager)
    await apply_and_generate(client, headers, ready.client_id)
    code = await read_code(client, ready.user_id)
    with silent_tsa() as url:
        monkeypatch.setattr(get_settings(), "tsa_url", url)
        started = time.monotonic()
        r = await client.post(
            f"{API}/clients/{ready.client_id}/contract/confirm",
            json={"code": code},
            headers=headers,
        )
        took = time.monotonic() - started
        assert r.status_code == 200, r.text
        started = time.monotonic()
        await asyncio.wait_for(sealing.settle(), timeout=180)  # the seal, in the background
        sealing_took = time.monotonic() - started
    assert took < 5, took  # the answer never waits for the TSA
    row, sealed = await stored(session, "sealed_pdf_key")
    assert row.sealed and not row.timestamped, sealing_took
    number = row.number

    with running_tsa() as tsa:
        run = cli("add-timestamps", TSA_URL=tsa.url)
        assert run.returncode == 0, run.stdout + run.stderr
        assert f"{number}" in run.stdout and "1 timestamped, 0 failed" in run.stdout
        again = cli("add-timestamps", TSA_URL=tsa.url)
        assert "0 timestamped, 0 failed" in again.stdout  # nothing left to do
    row, stamped = await stored(session, "timestamped_pdf_key")
    assert row.timestamped and row.timestamped_pdf_sha256
    assert stamped.startswith(sealed)  # the sealed copy is the exact prefix
    assert (await get_storage().get(row.sealed_pdf_key or "")) == sealed  # never rewritten
    check = validate(stamped, load_seal(get_settings()).trust_roots)
    assert check.ok and check.timestamped, check
    assert pdfsig(stamped, tmp_path).count("Signature #") == 2

    result = await verify(client, headers, ready.client_id)
    assert result["valid"] is True, result
    assert result["checks"]["seal"] == "ok" and result["checks"]["signed_pdf_hash"] == "ok"
    card = await client.get(f"/api/manager/clients/{ready.client_id}/contract", headers=headers)
    assert card.json()["contract"]["timestamped"] is True
    assert "-ts.pdf" in card.json()["contract"]["signed_pdf_url"]
    assert cli("verify-contract", number).returncode == 0
    signed_copy = await get_storage().get(row.signed_pdf_key or "")
    for copy in (signed_copy, sealed, stamped):  # the public check knows every copy
        r = await client.post(
            f"/api/public/contracts/{number}/check", json={"sha256": sha256_hex(copy)}
        )
        assert r.status_code == 200 and r.json()["match"] == "signed", r.text

    # Anything but a document timestamp after the seal is refused, even with the hash updated.
    forged = stamped + b"\n% a later revision\n"
    await get_storage().put(row.timestamped_pdf_key or "", forged, "application/pdf")
    async with clean_db.engine.begin() as conn:
        await conn.execute(
            update(Contract)
            .where(Contract.id == row.id)
            .values(timestamped_pdf_sha256=sha256_hex(forged))
        )
    result = await verify(client, headers, ready.client_id)
    assert result["valid"] is False and result["checks"]["seal"] == "failed"


async def test_a_contract_signed_before_sealing_is_still_valid(
    client, headers, manager, clean_db, session
) -> None:
    with sealing.held():  # what confirm made before issue 14: never sealed
        ready, _ = await signed(client, headers, manager, clean_db, settle=False)
        row, _ = await stored(session)
        async with clean_db.engine.begin() as conn:  # the migrations' defaults for older rows
            await conn.execute(
                update(Contract)
                .where(Contract.id == row.id)
                .values(sealed=False, seal_pending=False)
            )
    await sealing.settle()  # the held seal finds nothing to do
    result = await verify(client, headers, ready.client_id)
    assert result["valid"] is True and result["checks"]["seal"] == "not_applicable"
    row, _ = await stored(session)
    assert row.sealed_pdf_key is None

    # Recorded as sealed, but the file carries no seal: failed.
    async with clean_db.engine.begin() as conn:
        await conn.execute(update(Contract).where(Contract.id == row.id).values(sealed=True))
    result = await verify(client, headers, ready.client_id)
    assert result["valid"] is False and result["checks"]["seal"] == "failed"


async def test_a_contract_sealed_inside_the_signing_still_verifies(
    client, headers, manager, clean_db, session, tmp_path, monkeypatch
) -> None:
    """A row made the old way (before migration 0016): the signed copy the evidence covers
    is the sealed copy itself, `sealed_pdf_*` is empty."""

    def sealed_inline(original, ev):  # what confirm did before the seal moved after it
        number = ev.number
        stamp = SealStamp(get_settings().company_name, number, ev.signed_at)
        return load_seal(get_settings()).seal(append_evidence(original, ev), stamp=stamp).data

    monkeypatch.setattr(confirm, "signed_copy", sealed_inline)
    with sealing.held():
        ready, _ = await signed(client, headers, manager, clean_db, settle=False)
        row, data = await stored(session)
        async with clean_db.engine.begin() as conn:
            await conn.execute(
                update(Contract)
                .where(Contract.id == row.id)
                .values(sealed=True, seal_pending=False)
            )
    await sealing.settle()
    row, data = await stored(session)
    assert row.sealed_pdf_key is None and sha256_hex(data) == row.signed_pdf_sha256
    assert row.current_signed_pdf_key == row.signed_pdf_key
    result = await verify(client, headers, ready.client_id)
    assert result["valid"] is True and result["checks"]["seal"] == "ok", result
    assert cli("verify-contract", row.number).returncode == 0
    card = await client.get(f"{API}/clients/{ready.client_id}/contract", headers=headers)
    assert "-signed.pdf" in card.json()["contract"]["signed_pdf_url"]

    broken = bytearray(data)
    broken[len(data) // 2] ^= 0x01
    await get_storage().put(row.signed_pdf_key or "", bytes(broken), "application/pdf")
    result = await verify(client, headers, ready.client_id)
    assert result["valid"] is False and result["checks"]["seal"] == "failed"


@pytest.mark.parametrize("offset", [0.25, 0.75])
async def test_verify_contract_names_a_broken_seal(
    client, headers, manager, clean_db, session, offset
) -> None:
    await signed(client, headers, manager, clean_db)
    row, data = await stored(session, "sealed_pdf_key")
    broken = bytearray(data)
    broken[int(len(data) * offset)] ^= 0x01
    await get_storage().put(row.sealed_pdf_key or "", bytes(broken), "application/pdf")
    bad = cli("verify-contract", row.number)
    assert bad.returncode == 1
    lines = {line.split()[0]: line.split()[-1] for line in bad.stdout.splitlines()[:-1]}
    # The signed copy the evidence covers is intact; the seal over it is not.
    assert lines["seal"] == "failed" and lines["signed_pdf_hash"] == "ok"
