from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from privet_manager.tariffs.schemas import Money


class GenerateContract(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pep_agreed: Literal[True] = Field(
        description="The client agreed to the PEP agreement (GET /pep-agreement); must be true"
    )


class ConfirmContract(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[0-9]{6}$", description="The 6-digit code the client read out")


class ContractOut(BaseModel):
    """The manager's view of a contract. The code never appears here."""

    id: int
    number: str
    status: str
    surcharge: Money
    pdf_url: str | None
    pdf_sha256: str
    signed_pdf_url: str | None = None
    signed_pdf_sha256: str | None = None
    pep_version: str
    pep_sha256: str
    pep_agreed_at: datetime
    otp_expires_at: datetime | None
    otp_resend_at: datetime | None
    otp_attempts_left: int
    support_ticket_id: int | None
    support_message_id: int | None
    signed_at: datetime | None = None
    signer_ip: str | None = None
    signer_user_agent: str | None = None
    signed_by_manager_id: int | None = None
    signature_hmac: str | None = None
    created_at: datetime


class ContractEnvelope(BaseModel):
    contract: ContractOut
    client_status: str
    current_step: str
    client_version: int


class VerifyChecks(BaseModel):
    pdf_hash: str
    signed_pdf_hash: str
    hmac: str
    activity_chain: str


class VerifyOut(BaseModel):
    valid: bool
    number: str
    status: str
    checks: VerifyChecks
    failed_activity_seq: int | None = None


class PepAgreementOut(BaseModel):
    version: str
    sha256: str
    text: str
