"""Public verification: a contract's status and whether a hash is one of its PDFs.

Every lookup, found or not, counts against the caller's address (kit/ratelimit, in
PostgreSQL, shared by every replica): numbers are sequential, so the limit is what keeps
anyone from walking the register.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.contracts import repository as contracts
from privet_manager.contracts.models import Contract
from privet_manager.kit import ratelimit
from privet_manager.kit.logging import security_log
from privet_manager.public.errors import PublicThrottled, UnknownContract
from privet_manager.public.schemas import Match
from privet_manager.settings import get_settings

WINDOW = timedelta(minutes=1)


async def _count(session: AsyncSession, ip: str) -> None:
    """One public request from `ip`; 429 once the minute's allowance is spent."""
    key = f"public:ip:{ip}"
    wait = await ratelimit.blocked_for(session, [key])
    if wait:
        security_log.warning(
            "public lookup throttled", extra={"event": "public_throttled", "ip": ip}
        )
        raise PublicThrottled(retry_after=wait)
    limit = get_settings().public_requests_per_minute
    await ratelimit.hit(session, key, limit=limit, window=WINDOW, block=WINDOW)


async def find(session: AsyncSession, number: str, *, ip: str) -> Contract:
    """The contract with this number (counted against `ip`); 404 when there is none."""
    await _count(session, ip)
    contract = await contracts.by_number(session, number)
    if contract is None:
        raise UnknownContract()
    return contract


def match(contract: Contract, sha256: str) -> Match:
    """Whether `sha256` (lower-case hex) is the contract's original PDF or its signed copy:
    the copy the evidence covers, the sealed one, or the one a later document timestamp
    extended (each is the next one's prefix, and verification accepts a longer one only as
    exactly that)."""
    if sha256 == contract.pdf_sha256:
        return Match.original
    copies = (
        contract.signed_pdf_sha256,
        contract.sealed_pdf_sha256,
        contract.timestamped_pdf_sha256,
    )
    if sha256 in {c for c in copies if c}:
        return Match.signed
    return Match.none
