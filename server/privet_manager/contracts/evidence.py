"""The signing evidence: a canonical serialisation and its HMAC (CONTRACT_SIGNATURE_SECRET).

Canonical form: compact JSON with sorted keys, non-ASCII kept as UTF-8, times as UTC ISO 8601
with microseconds. Every field comes from a column of manager_contracts, so changing any one
of them in the database makes the HMAC fail on verification.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from privet_manager.contracts.models import Contract
from privet_manager.kit.security import constant_time_equals, hmac_sha256
from privet_manager.settings import get_settings

EVIDENCE_VERSION = 1


def _ts(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="microseconds") if value else None


def evidence_fields(contract: Contract) -> dict[str, Any]:
    """Exactly the fields the HMAC covers."""
    return {
        "v": EVIDENCE_VERSION,
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


def canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def sign(contract: Contract) -> str:
    return hmac_sha256(
        get_settings().contract_signature_secret, canonical(evidence_fields(contract))
    )


def hmac_valid(contract: Contract) -> bool:
    if not contract.signature_hmac:
        return False
    return constant_time_equals(sign(contract), contract.signature_hmac)
