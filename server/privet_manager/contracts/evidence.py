"""The signing evidence: a canonical serialisation and its HMAC (CONTRACT_SIGNATURE_SECRET).

Canonical form: compact JSON with sorted keys, non-ASCII kept as UTF-8, times as UTC ISO 8601
with microseconds, money as a decimal string with two places. Every field comes from a column
of manager_contracts, so changing any one of them in the database makes the HMAC fail on
verification. docs/SECURITY.md gives both formats byte by byte, with a worked example.

- Version 1 (contracts signed before migration 0008): the signature's own fields.
- Version 2: those, plus the SHA-256 of the canonical snapshot JSON (what the PDF was made
  from) and the client's activity chain head when the code was accepted (seq and hash), so
  an edited snapshot or a rewritten history up to the signature fails as well.

The key is CONTRACT_SIGNATURE_SECRET itself, distinct from OTP_HMAC_SECRET (the codes) and
from the activity chain's key (activity/service.py `chain_key`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from privet_manager.contracts.models import Contract
from privet_manager.kit.security import constant_time_equals, hmac_sha256
from privet_manager.settings import get_settings

EVIDENCE_VERSION = 2  # what new signatures use
VERSIONS = (1, 2)


def _ts(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="microseconds") if value else None


def canonical(fields: dict[str, Any]) -> bytes:
    """Compact JSON, keys sorted (at every depth), non-ASCII as UTF-8."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def snapshot_sha256(snapshot: dict[str, Any]) -> str:
    """SHA-256 (hex) of the snapshot's canonical JSON, as evidence 2 covers it."""
    return hashlib.sha256(canonical(snapshot)).hexdigest()


def evidence_fields(contract: Contract, version: int | None = None) -> dict[str, Any]:
    """Exactly the fields the HMAC covers, in the contract's format (or `version`)."""
    version = version or contract.evidence_version or EVIDENCE_VERSION
    if version not in VERSIONS:
        raise ValueError(f"unknown evidence version {version}")
    fields: dict[str, Any] = {
        "v": version,
        "contract_id": contract.id,
        "number": contract.number,
        "client_id": contract.client_id,
        "surcharge": f"{contract.surcharge:.2f}",
        "pdf_sha256": contract.pdf_sha256,
        "signed_pdf_sha256": contract.signed_pdf_sha256,
        "signed_at": _ts(contract.signed_at),
        "pep_agreed_at": _ts(contract.pep_agreed_at),
        "pep_version": contract.pep_version,
        "pep_sha256": contract.pep_sha256,
        "signer_ip": contract.signer_ip,
        "signer_user_agent": contract.signer_user_agent,
        "manager_id": contract.signed_by_manager_id,
        "support_ticket_id": contract.support_ticket_id,
        "support_message_id": contract.support_message_id,
        "photo_hashes": list(contract.photo_hashes or []),
    }
    if version >= 2:
        fields["snapshot_sha256"] = snapshot_sha256(contract.snapshot)
        fields["activity_head_seq"] = contract.activity_head_seq
        fields["activity_head_hash"] = contract.activity_head_hash
    return fields


def sign(contract: Contract) -> str:
    """The HMAC of the contract's evidence in its format (`evidence_version`, else the
    current one)."""
    return hmac_sha256(
        get_settings().contract_signature_secret, canonical(evidence_fields(contract))
    )


def hmac_valid(contract: Contract) -> bool:
    """The stored HMAC matches; a missing one, a garbled one or an unknown format does not."""
    if not contract.signature_hmac or contract.evidence_version not in VERSIONS:
        return False
    return constant_time_equals(sign(contract), contract.signature_hmac)
