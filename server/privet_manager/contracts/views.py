"""Contract → wire model (the card and the contract endpoints share it)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from privet_manager.contracts import otp
from privet_manager.contracts.links import MANAGER_LINK_TTL, download_url, seal_first_url
from privet_manager.contracts.models import Contract, ContractStatus
from privet_manager.contracts.schemas import ContractOut


async def contract_out(contract: Contract) -> ContractOut:
    """The contract's columns, short-lived links to its PDFs, and the code's state while it
    awaits the code (nothing of the code's timing otherwise)."""
    out = ContractOut.model_validate(contract)
    out.pdf_url = await download_url(contract.pdf_key, MANAGER_LINK_TTL)
    current = contract.current_signed_pdf_key  # the best copy: timestamped > sealed > signed
    if contract.seal_pending:
        out.signed_pdf_url = seal_first_url(contract.id, MANAGER_LINK_TTL)  # seals, redirects
    elif current:
        out.signed_pdf_url = await download_url(current, MANAGER_LINK_TTL)
    if contract.status == ContractStatus.awaiting_signature:
        now = datetime.now(UTC)
        if contract.otp_sent_at:
            out.otp_resend_at = contract.otp_sent_at + otp.RESEND_COOLDOWN
            out.otp_resend_in = _seconds_left(out.otp_resend_at, now)
        if contract.otp_expires_at:
            out.otp_expires_in = _seconds_left(contract.otp_expires_at, now)
        out.otp_attempts_left = max(0, otp.MAX_FAILURES - contract.otp_failures)
    else:
        out.otp_expires_at = None
    return out


def _seconds_left(moment: datetime, now: datetime) -> int:
    """Whole seconds until `moment`, rounded up: a code sent a moment ago has 600 left, not
    599 (the manager's timer starts at 10:00)."""
    return max(0, math.ceil((moment - now).total_seconds()))
