"""Verification anyone holding the secret can run (API and CLI): the stored PDFs still hash
to the recorded values, so do the device photos the contract recorded, the evidence HMAC
matches, the client's activity chain holds, and the signed copy's PAdES seal holds."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.activity import service as activity
from privet_manager.activity.models import ActivityEntry
from privet_manager.contracts import evidence, repository
from privet_manager.contracts.models import Contract
from privet_manager.kit.security import constant_time_equals, sha256_hex
from privet_manager.kit.storage import get_storage
from privet_manager.seal import load_seal, validate, validate_extension
from privet_manager.settings import get_settings

OK, FAILED, NOT_APPLICABLE = "ok", "failed", "not_applicable"
# The seal of a contract signed a moment ago, still being made (contracts/sealing.py): not a
# failure and not a pass. Everything the evidence HMAC covers is checked without it, so it
# leaves `valid` as the other checks make it, like `not_applicable`.
PENDING = "pending"


@dataclass
class Verification:
    number: str
    status: str
    checks: dict[str, str] = field(default_factory=dict)
    failed_activity_seq: int | None = None

    @property
    def valid(self) -> bool:
        return all(v in (OK, NOT_APPLICABLE, PENDING) for v in self.checks.values()) and (
            self.checks.get("hmac") == OK
        )


async def _hash_matches(key: str | None, expected: str | None) -> str:
    if not key or not expected:
        return FAILED
    try:
        data = await get_storage().get(key)
    except KeyError:
        return FAILED
    return OK if constant_time_equals(sha256_hex(data), expected) else FAILED


async def _seal_holds(contract: Contract) -> str:
    """`pending` while the seal is still to be made; then, for a seal made after the signing
    (`sealed_pdf_key`), `_extension_holds`; for one made inside it, the older rule: the seal
    on the signed copy handed out (the timestamped one when there is one): that copy hashes
    as recorded, begins with exactly the sealed copy the evidence covers, and its
    seal is intact, covers the whole file (document timestamps aside) and chains to the
    configured seal's roots. A contract signed before sealing, whose copy carries no seal, is
    not applicable; one recorded as sealed without a seal in the file fails."""
    if contract.seal_pending and not contract.sealed:
        return PENDING
    if contract.sealed_pdf_key:
        return await _extension_holds(contract)
    key, expected = contract.current_signed_pdf_key, contract.current_signed_pdf_sha256
    if not key or not expected:
        return NOT_APPLICABLE if not contract.sealed else FAILED
    storage = get_storage()
    try:
        data = await storage.get(key)
        prefix = data
        if contract.timestamped_pdf_key:
            prefix = await storage.get(contract.signed_pdf_key or "")
    except KeyError:
        return FAILED
    if not constant_time_equals(sha256_hex(data), expected) or not data.startswith(prefix):
        return FAILED
    roots = load_seal(get_settings()).trust_roots
    check = await asyncio.to_thread(validate, data, roots)
    if not check.present and not contract.sealed:
        return NOT_APPLICABLE
    return OK if check.ok else FAILED


async def _extension_holds(contract: Contract) -> str:
    """The sealed copy hashes as recorded, is the HMAC-covered signed copy byte for byte plus
    exactly the seal's revision (`validate_extension`), and the seal holds; a timestamped copy
    hashes as recorded, begins with the sealed copy and adds only document timestamps."""
    storage = get_storage()
    if not contract.signed_pdf_key or not contract.sealed_pdf_key:
        return FAILED
    try:
        signed = await storage.get(contract.signed_pdf_key)
        sealed = await storage.get(contract.sealed_pdf_key)
        stamped = None
        if contract.timestamped_pdf_key:
            stamped = await storage.get(contract.timestamped_pdf_key)
    except (KeyError, ValueError):  # absent, or a key the store refuses
        return FAILED
    if not (
        constant_time_equals(sha256_hex(signed), contract.signed_pdf_sha256 or "")
        and constant_time_equals(sha256_hex(sealed), contract.sealed_pdf_sha256 or "")
    ):
        return FAILED
    roots = load_seal(get_settings()).trust_roots
    if not (await asyncio.to_thread(validate_extension, signed, sealed, roots)).ok:
        return FAILED
    if stamped is not None and not (
        constant_time_equals(sha256_hex(stamped), contract.timestamped_pdf_sha256 or "")
        and stamped.startswith(sealed)
        and (await asyncio.to_thread(validate, stamped, roots)).ok
    ):
        return FAILED
    return OK


async def _photos_match(snapshot: dict[str, Any]) -> str:
    """Each photo the contract recorded, re-read from storage and hashed again. Contracts
    generated before photos were recorded with their keys have nothing to re-read."""
    photos = snapshot.get("photos")
    if not photos:
        return NOT_APPLICABLE
    results = await asyncio.gather(
        *(_hash_matches(str(p.get("key") or ""), str(p.get("sha256") or "")) for p in photos)
    )
    return OK if all(r == OK for r in results) else FAILED


def _records_the_signature(entry: ActivityEntry | None, contract: Contract) -> bool:
    return (
        entry is not None
        and isinstance(entry.payload, dict)  # a writer may have stored any JSON there
        and entry.action == "contract.signed"
        and entry.payload.get("contract_id") == contract.id
        and entry.payload.get("signature_hmac") == contract.signature_hmac
    )


async def verify_contract(session: AsyncSession, contract: Contract) -> Verification:
    """Only a signed contract can be valid; each check says ok or failed on its own."""
    result = Verification(number=contract.number, status=contract.status)
    result.checks["pdf_hash"] = await _hash_matches(contract.pdf_key, contract.pdf_sha256)
    result.checks["signed_pdf_hash"] = await _hash_matches(
        contract.signed_pdf_key, contract.signed_pdf_sha256
    )
    result.checks["photos"] = await _photos_match(contract.snapshot)
    result.checks["seal"] = await _seal_holds(contract)
    result.checks["hmac"] = OK if evidence.hmac_valid(contract) else FAILED
    anchor = None
    if contract.activity_head_seq is not None and contract.activity_head_hash is not None:
        anchor = (contract.activity_head_seq, contract.activity_head_hash)
    chain_ok, bad_seq = await activity.verify_chain(session, contract.client_id, anchor)
    if chain_ok and anchor is not None:
        # The signature's own entry follows the head it bound: cutting the newest entries and
        # moving the (unkeyed) head back is seen down to the signature, not only before it.
        signed = await activity.entry_at(session, contract.client_id, anchor[0] + 1)
        if not _records_the_signature(signed, contract):
            chain_ok, bad_seq = False, anchor[0] + 1
    result.checks["activity_chain"] = OK if chain_ok else FAILED
    result.failed_activity_seq = bad_seq
    return result


async def verify_number(session: AsyncSession, number: str) -> Verification | None:
    """Verify the contract with this number (None if there is none)."""
    contract = await repository.by_number(session, number)
    if contract is None:
        return None
    return await verify_contract(session, contract)
