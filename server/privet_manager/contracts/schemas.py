"""Contracts on the wire: the manager's view and the verification result."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from privet_manager.contracts.models import ContractStatus
from privet_manager.kit.money import Money


class ContractOut(BaseModel):
    """The manager's view of a contract. The code never appears here."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    status: ContractStatus
    surcharge: Money
    pdf_url: str | None = None
    pdf_sha256: str
    signed_pdf_url: str | None = None
    signed_pdf_sha256: str | None = Field(
        default=None,
        description="SHA-256 of the signed copy (what the evidence covers): the original "
        "plus the evidence page; for contracts sealed before migration 0016, the sealed copy",
    )
    sealed: bool = Field(
        default=False,
        description="The organisation's PAdES seal is made (false for a moment after "
        "signing: see seal_pending)",
    )
    seal_pending: bool = Field(
        default=False,
        description="Signed, and the seal is still being made (right after signing); "
        "signed_pdf_url then seals first",
    )
    sealed_pdf_sha256: str | None = Field(
        default=None,
        description="SHA-256 of the sealed copy (the signed copy plus the seal), once made",
    )
    timestamped: bool = Field(
        default=False,
        description="The seal has a TSA timestamp, or a document timestamp was added later",
    )
    timestamped_pdf_sha256: str | None = Field(
        default=None,
        description="SHA-256 of the copy with the later document timestamp (signed_pdf_url "
        "then links to it); its first bytes are the sealed copy",
    )
    pep_version: str
    pep_sha256: str
    pep_agreed_at: datetime
    otp_expires_at: datetime | None
    otp_resend_at: datetime | None = None
    # The same two moments as seconds left when this answer was made: a tablet's clock may be
    # minutes off, so the SPA counts these down from the answer's arrival instead.
    otp_expires_in: int | None = Field(
        default=None, description="Seconds the code stays valid, counted at this answer"
    )
    otp_resend_in: int | None = Field(
        default=None, description="Seconds until a new code may be sent, counted at this answer"
    )
    otp_attempts_left: int = 0
    support_ticket_id: int | None
    support_message_id: int | None
    signed_at: datetime | None = None
    signer_ip: str | None = None
    signer_user_agent: str | None = None
    signed_by_manager_id: int | None = None
    signature_hmac: str | None = None
    void_reason: str | None = Field(
        default=None, description="Why an unsigned contract became void, in Russian"
    )
    created_at: datetime


class VerifyChecks(BaseModel):
    pdf_hash: str
    signed_pdf_hash: str
    photos: str = Field(
        description="ok: every photo the contract recorded still hashes to its SHA-256; "
        "not_applicable: the contract recorded no photos"
    )
    hmac: str
    activity_chain: str
    seal: str = Field(
        default="not_applicable",
        description="ok: the PAdES seal is intact, covers the whole file (later document "
        "timestamps aside) and chains to the configured seal's trust roots; "
        "not_applicable: signed before contracts were sealed; pending: signed a moment ago, "
        "the seal is still being made (valid is then decided by the other checks); "
        "failed: anything else",
    )


class VerifyOut(BaseModel):
    # Built straight from contracts.verify.Verification (its `checks` dict fills VerifyChecks).
    model_config = ConfigDict(from_attributes=True)

    valid: bool
    number: str
    status: ContractStatus
    checks: VerifyChecks
    failed_activity_seq: int | None = None
