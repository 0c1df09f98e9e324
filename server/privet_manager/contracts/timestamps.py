"""Document timestamps added later (`privet-manager add-timestamps`): for signed contracts
sealed while the TSA did not answer.

The evidence HMAC covers `signed_pdf_sha256`; no stored copy is ever rewritten. The timestamp
extends the sealed copy (`Contract.sealed_copy_key`: `sealed_pdf_key`, or for contracts sealed
inside the signing the signed copy itself): the timestamped copy is the sealed copy plus one
incremental update holding only an RFC 3161 document timestamp, stored under a key of its own
with its hash. Verification accepts it only when its first bytes are exactly the sealed copy
and nothing but document timestamps follows the seal (contracts/verify.py, docs/SECURITY.md):
signed ⊂ sealed ⊂ timestamped.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.contracts.models import Contract, ContractStatus
from privet_manager.kit.security import constant_time_equals, sha256_hex
from privet_manager.kit.storage import get_storage
from privet_manager.seal import add_document_timestamp

log = logging.getLogger("privet_manager.contracts")


@dataclass
class TimestampRun:
    added: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def timestamped_key(contract: Contract) -> str:
    return (contract.signed_pdf_key or contract.pdf_key).removesuffix(".pdf") + "-ts.pdf"


async def add_timestamps(
    session: AsyncSession, tsa_url: str, *, timeout_seconds: float, limit: int = 500
) -> TimestampRun:
    """Timestamp up to `limit` sealed, signed, untimestamped contracts (oldest first). Rows
    another run holds are skipped; each contract stands alone (one failing stops none)."""
    rows = await session.scalars(
        select(Contract)
        .where(
            Contract.sealed.is_(True),
            Contract.timestamped.is_(False),
            Contract.status == ContractStatus.signed,
        )
        .order_by(Contract.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    run = TimestampRun()
    storage = get_storage()
    for contract in rows:
        try:
            sealed = await storage.get(contract.sealed_copy_key or "")
        except KeyError:
            run.failed[contract.number] = "the sealed copy is missing from storage"
            continue
        if not constant_time_equals(sha256_hex(sealed), contract.sealed_copy_sha256 or ""):
            # Never timestamp a copy that is not the one recorded (and, before it, covered).
            run.failed[contract.number] = "the stored sealed copy does not match its hash"
            continue
        try:
            stamped = await asyncio.to_thread(
                add_document_timestamp, sealed, tsa_url, timeout_seconds=timeout_seconds
            )
        except Exception as e:  # the TSA's failure: this contract waits for the next run
            run.failed[contract.number] = f"TSA: {type(e).__name__}: {e}"
            continue
        key = timestamped_key(contract)
        await storage.put(key, stamped, "application/pdf")
        contract.timestamped_pdf_key, contract.timestamped_pdf_sha256 = key, sha256_hex(stamped)
        contract.timestamped = True
        run.added.append(contract.number)
        log.info("document timestamp added", extra={"contract_id": contract.id})
    await session.flush()
    return run
