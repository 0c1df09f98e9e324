"""Contract → wire model (the card section and the endpoints share it)."""

from __future__ import annotations

from privet_manager.contracts import otp
from privet_manager.contracts.links import MANAGER_LINK_TTL, download_url
from privet_manager.contracts.models import Contract
from privet_manager.contracts.schemas import ContractOut


async def contract_out(contract: Contract) -> ContractOut:
    pending = contract.status == "awaiting_signature"
    pdf_url = await download_url(contract.pdf_key, MANAGER_LINK_TTL)
    signed_url = (
        await download_url(contract.signed_pdf_key, MANAGER_LINK_TTL)
        if contract.signed_pdf_key
        else None
    )
    return ContractOut(
        id=contract.id,
        number=contract.number,
        status=contract.status,
        surcharge=contract.surcharge,
        pdf_url=pdf_url,
        pdf_sha256=contract.pdf_sha256,
        signed_pdf_url=signed_url,
        signed_pdf_sha256=contract.signed_pdf_sha256,
        pep_version=contract.pep_version,
        pep_sha256=contract.pep_sha256,
        pep_agreed_at=contract.pep_agreed_at,
        otp_expires_at=contract.otp_expires_at if pending else None,
        otp_resend_at=(
            contract.otp_sent_at + otp.RESEND_COOLDOWN if pending and contract.otp_sent_at else None
        ),
        otp_attempts_left=max(0, otp.MAX_FAILURES - contract.otp_failures) if pending else 0,
        support_ticket_id=contract.support_ticket_id,
        support_message_id=contract.support_message_id,
        signed_at=contract.signed_at,
        signer_ip=contract.signer_ip,
        signer_user_agent=contract.signer_user_agent,
        signed_by_manager_id=contract.signed_by_manager_id,
        signature_hmac=contract.signature_hmac,
        created_at=contract.created_at,
    )
