"""The seal made after the signing commits (contracts/sealing.py): the answer does not wait
for it, verification says `pending` until it exists, then the sealed copy extends the signed
one; the sweeps, the CLI and concurrent sealers; downloads and packs never hand out an
unsealed copy. Sealing is held back with `sealing.held()`, never by timing."""

from __future__ import annotations

import asyncio
import io
import zipfile
from pathlib import Path

from privet_manager.activity.models import ActivityEntry
from privet_manager.contracts import sealing
from privet_manager.contracts.models import Contract
from privet_manager.disputes import archive
from privet_manager.disputes.verify import Keys, verify_pack
from privet_manager.kit.db import Database, transaction
from privet_manager.kit.security import sha256_hex
from privet_manager.kit.storage import get_storage
from privet_manager.seal import load_seal, validate, validate_extension
from privet_manager.settings import DEV_SECRETS, get_settings
from sqlalchemy import select

from tests.contracts.helpers import API
from tests.contracts.test_verify import cli, signed, signed_unsealed, verify
from tests.seal.test_seal import pdfsig

SETTLE = 180  # the first seal of a test run starts the worker process (imports under load)


async def contract_row(db: Database) -> Contract:
    async with db.sessionmaker() as s:
        row = await s.scalar(select(Contract))
        assert row is not None
        return row


async def sealed_objects(row: Contract) -> set[str]:
    """The sealed copies stored for this contract's key (the store outlives a test's
    database, and numbers start again: compare before and after)."""
    prefix = (row.signed_pdf_key or "").removesuffix(".pdf") + "-sealed-"
    return {k for k in await get_storage().list_keys(prefix) if k.startswith(prefix)}


async def test_confirm_answers_before_the_seal_which_then_extends_the_signed_copy(
    client, headers, manager, clean_db, tmp_path: Path
) -> None:
    with sealing.held() as waiting:
        ready, body = await signed(client, headers, manager, clean_db, settle=False)
        contract = body["contract"]
        assert contract["status"] == "signed"
        assert contract["sealed"] is False and contract["seal_pending"] is True
        assert waiting == [contract["id"]]  # the seal waits; the answer did not
        row = await contract_row(clean_db)
        assert row.seal_pending and not row.sealed and row.sealed_pdf_key is None
        signed_copy = await get_storage().get(row.signed_pdf_key or "")
        assert sha256_hex(signed_copy) == row.signed_pdf_sha256 == contract["signed_pdf_sha256"]
        assert not validate(signed_copy, load_seal(get_settings()).trust_roots).present

        result = await verify(client, headers, ready.client_id)
        assert result["checks"]["seal"] == "pending", result
        assert result["valid"] is True  # everything the evidence covers holds already
        public = await client.get(f"/api/public/contracts/{row.number}")
        assert public.json()["sealed"] is False
        check = await client.post(
            f"/api/public/contracts/{row.number}/check", json={"sha256": row.signed_pdf_sha256}
        )
        assert check.json()["match"] == "signed"
    await asyncio.wait_for(sealing.settle(), timeout=SETTLE)

    row = await contract_row(clean_db)
    assert row.sealed and not row.seal_pending and row.sealed_pdf_key
    sealed = await get_storage().get(row.sealed_pdf_key)
    assert sha256_hex(sealed) == row.sealed_pdf_sha256
    assert sealed.startswith(signed_copy) and len(sealed) > len(signed_copy)
    assert (await get_storage().get(row.signed_pdf_key or "")) == signed_copy  # untouched
    report = pdfsig(sealed, tmp_path)
    assert "Signature is Valid." in report and "Total document signed" in report, report
    result = await verify(client, headers, ready.client_id)
    assert result["valid"] is True and result["checks"]["seal"] == "ok", result
    assert result["checks"]["activity_chain"] == "ok"
    async with clean_db.sessionmaker() as s:
        entry = await s.scalar(
            select(ActivityEntry)
            .where(ActivityEntry.action == sealing.SEALED_ACTION)
            .order_by(ActivityEntry.seq.desc())
        )
    assert entry is not None and entry.payload["sealed_pdf_sha256"] == row.sealed_pdf_sha256
    assert entry.seq > (row.activity_head_seq or 0) + 1  # after the signature's own entry
    public = await client.get(f"/api/public/contracts/{row.number}")
    assert public.json()["sealed"] is True
    for copy in (signed_copy, sealed):
        check = await client.post(
            f"/api/public/contracts/{row.number}/check", json={"sha256": sha256_hex(copy)}
        )
        assert check.json()["match"] == "signed"
    card = await client.get(f"{API}/clients/{ready.client_id}/contract", headers=headers)
    assert "-sealed-" in card.json()["contract"]["signed_pdf_url"]

    # One byte changed in the sealed copy: verify names the seal, the evidence still holds.
    broken = bytearray(sealed)
    broken[len(signed_copy) + (len(sealed) - len(signed_copy)) // 2] ^= 0x01
    await get_storage().put(row.sealed_pdf_key, bytes(broken), "application/pdf")
    result = await verify(client, headers, ready.client_id)
    assert result["valid"] is False and result["checks"]["seal"] == "failed", result
    assert result["checks"]["signed_pdf_hash"] == "ok" and result["checks"]["hmac"] == "ok"


def test_the_extension_rule_refuses_anything_but_one_seal_revision() -> None:
    """`validate_extension` on files made here: the seal of another signed copy, and a
    revision slipped in between the signed copy and the seal."""
    from privet_manager.seal import SealStamp
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    from tests.seal.test_seal import sample_pdf

    seal = load_seal(get_settings())
    signed_copy = sample_pdf()
    stamp = SealStamp("ООО «Тест»", "PM-1", "01.12.2026 12:00:00 МСК (UTC+3)")
    sealed = seal.seal(signed_copy, stamp=stamp).data
    assert validate_extension(signed_copy, sealed, seal.trust_roots).ok
    assert not validate_extension(sample_pdf(pages=4), sealed, seal.trust_roots).ok

    writer = IncrementalPdfFileWriter(io.BytesIO(signed_copy))
    writer.root["/PrivetExtra"] = generic.NameObject("/Slipped")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    resealed = seal.seal(out.getvalue(), stamp=stamp).data
    assert validate(resealed, seal.trust_roots).ok  # the seal itself is fine
    assert resealed.startswith(signed_copy)
    check = validate_extension(signed_copy, resealed, seal.trust_roots)
    assert not check.ok and "revision" in check.detail, check


async def test_the_sweep_and_the_cli_seal_what_a_crash_left(
    client, headers, manager, clean_db
) -> None:
    await signed_unsealed(client, headers, manager, clean_db)
    row = await contract_row(clean_db)
    assert row.seal_pending and not row.sealed

    result = await asyncio.to_thread(cli, "seal-pending")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{row.number}" in result.stdout and "1 sealed, 0 failed" in result.stdout
    row = await contract_row(clean_db)
    assert row.sealed and not row.seal_pending and row.sealed_pdf_key
    run = await sealing.sweep()
    assert run.sealed == [] and run.failed == []  # nothing left
    assert cli("verify-contract", row.number).returncode == 0


async def test_the_start_up_sweep_seals_a_pending_contract(
    client, headers, manager, clean_db
) -> None:
    ready, _ = await signed_unsealed(client, headers, manager, clean_db)
    row = await contract_row(clean_db)
    # The periodic sweep leaves a fresh contract to the process that signed it ...
    assert (await sealing.sweep(older_than=sealing.FRESH)).sealed == []
    # ... the start-up one (and the CLI's) takes everything.
    run = await asyncio.wait_for(sealing.sweep(), timeout=SETTLE)
    assert run.sealed == [row.number] and run.failed == []
    result = await verify(client, headers, ready.client_id)
    assert result["valid"] is True and result["checks"]["seal"] == "ok"


async def test_concurrent_sealers_record_one_sealed_copy(
    client, headers, manager, clean_db
) -> None:
    await signed_unsealed(client, headers, manager, clean_db)
    row = await contract_row(clean_db)
    before = await sealed_objects(row)
    outcomes = await asyncio.wait_for(
        asyncio.gather(
            sealing.seal_one(row.id, wait=True),
            sealing.seal_one(row.id, wait=True),
            sealing.seal_one(row.id),
            sealing.sweep(),
        ),
        timeout=SETTLE,
    )
    sealed_now = [o for o in outcomes[:3] if o is True] + outcomes[3].sealed
    assert len(sealed_now) == 1, outcomes
    row = await contract_row(clean_db)
    assert await sealed_objects(row) - before == {row.sealed_pdf_key}


async def test_the_conditional_write_keeps_one_copy_without_the_row_lock(
    client, headers, manager, clean_db
) -> None:
    """Two sealers that both read the row pending (no lock: the worst interleaving) each make
    a seal; one conditional UPDATE records its copy, the other deletes its object."""
    ready, _ = await signed_unsealed(client, headers, manager, clean_db)
    row = await contract_row(clean_db)
    before = await sealed_objects(row)

    async def racer() -> bool:
        async with transaction() as s:
            contract = await s.get(Contract, row.id)
            assert contract is not None and contract.seal_pending
            return await sealing._seal_locked(s, contract)

    outcomes = await asyncio.wait_for(asyncio.gather(racer(), racer()), timeout=SETTLE)
    assert sorted(outcomes) == [False, True]
    row = await contract_row(clean_db)
    assert await sealed_objects(row) - before == {row.sealed_pdf_key}
    result = await verify(client, headers, ready.client_id)
    assert result["valid"] is True and result["checks"]["seal"] == "ok"


async def test_a_download_while_pending_seals_first(client, headers, manager, clean_db) -> None:
    with sealing.held():
        _ready, body = await signed(client, headers, manager, clean_db, settle=False)
        before = await sealed_objects(await contract_row(clean_db))
        url = body["contract"]["signed_pdf_url"]
        assert url.startswith(f"/api/manager/contracts/{body['contract']['id']}/signed.pdf?")
        r = await asyncio.wait_for(client.get(url), timeout=SETTLE)  # no token: signed link
        assert r.status_code == 302, r.text
        copy = await client.get(r.headers["location"])
        assert copy.status_code == 200
        row = await contract_row(clean_db)
        assert row.sealed and copy.content == await get_storage().get(row.sealed_pdf_key or "")
        signed_copy = await get_storage().get(row.signed_pdf_key or "")
        assert validate_extension(
            signed_copy, copy.content, load_seal(get_settings()).trust_roots
        ).ok
        # A link not signed by us, or expired, is refused.
        forged = url.replace("sig=", "sig=0")
        assert (await client.get(forged)).status_code == 403
    await sealing.settle()  # the held background seal finds it sealed
    row = await contract_row(clean_db)
    assert await sealed_objects(row) - before == {row.sealed_pdf_key}


async def test_a_dispute_pack_while_pending_carries_the_sealed_copy(
    client, headers, manager, clean_db
) -> None:
    with sealing.held():
        ready, _ = await signed(client, headers, manager, clean_db, settle=False)
        r = await asyncio.wait_for(
            client.get(f"{API}/clients/{ready.client_id}/contract/dispute-pack", headers=headers),
            timeout=SETTLE,
        )
        assert r.status_code == 200, r.text
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        names = set(z.namelist())
        sealed = z.read(archive.SEALED_PDF)
        signed_copy = z.read(archive.SIGNED_PDF)
    assert {archive.SIGNED_PDF, archive.SEALED_PDF} <= names
    assert sealed.startswith(signed_copy)
    keys = Keys(contract_signature=DEV_SECRETS["CONTRACT_SIGNATURE_SECRET"], chain=True)
    result = verify_pack(r.content, keys)
    assert result.valid, [c.line() for c in result.checks]
    assert {c.name: c.outcome for c in result.checks}["seal"] == "ok"


async def test_a_download_never_hands_out_a_copy_it_cannot_seal(
    client, headers, manager, clean_db
) -> None:
    """The stored signed copy changed before its seal: it is not sealed, and its link
    answers 503 (retry later) instead of the unsealed bytes; verify names the copy."""
    with sealing.held() as waiting:
        ready, body = await signed(client, headers, manager, clean_db, settle=False)
        waiting.clear()
    row = await contract_row(clean_db)
    data = await get_storage().get(row.signed_pdf_key or "")
    await get_storage().put(row.signed_pdf_key or "", data + b"\n%x\n", "application/pdf")
    r = await client.get(body["contract"]["signed_pdf_url"])
    assert r.status_code == 503, r.text
    assert r.json()["code"] == "seal_not_ready" and r.headers["retry-after"] == "60"
    assert (await sealing.sweep()).failed == [row.number]
    row = await contract_row(clean_db)
    assert row.seal_pending and not row.sealed
    result = await verify(client, headers, ready.client_id)
    assert result["valid"] is False and result["checks"]["signed_pdf_hash"] == "failed"
    assert result["checks"]["seal"] == "pending"
