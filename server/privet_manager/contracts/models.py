"""Contracts: snapshot, PDF, OTP state and the signing evidence."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from privet_manager.kit.db import Base
from privet_manager.kit.models import Timestamps, enum_column


class ContractStatus(StrEnum):
    """awaiting_signature -> signed; or -> void (the data changed, or generated anew) /
    locked (five wrong codes)."""

    awaiting_signature = "awaiting_signature"
    signed = "signed"
    void = "void"
    locked = "locked"


class VoidReason(StrEnum):
    """Why an unsigned contract died (`void_reason`); older rows may hold other text."""

    data_changed = "Данные клиента изменились"
    regenerated = "Сформирован новый договор"


# Not signed yet and not dead: the contract a change to the client's data must void.
LIVE_UNSIGNED = (ContractStatus.awaiting_signature, ContractStatus.locked)


class Contract(Timestamps, Base):
    __tablename__ = "manager_contracts"
    __table_args__ = (
        Index("ix_manager_contracts_client_id_id", "client_id", "id"),
        # At most one live contract per client, whatever races the API loses.
        Index(
            "uq_manager_contracts_client_id_live",
            "client_id",
            unique=True,
            postgresql_where=text("status IN ('awaiting_signature', 'signed')"),
        ),
        Index(
            "ix_manager_contracts_untimestamped",
            "id",
            postgresql_where=text("sealed AND NOT timestamped AND status = 'signed'"),
        ),
        Index("ix_manager_contracts_seal_pending", "id", postgresql_where=text("seal_pending")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    client_id: Mapped[int] = mapped_column(
        ForeignKey("manager_clients.id", ondelete="CASCADE"), nullable=False
    )
    number: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    status: Mapped[ContractStatus] = mapped_column(enum_column(ContractStatus, 32), nullable=False)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    surcharge: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    pdf_key: Mapped[str] = mapped_column(String(512), nullable=False)
    pdf_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    generated_by_manager_id: Mapped[int | None] = mapped_column(ForeignKey("manager_users.id"))

    pep_version: Mapped[str] = mapped_column(String(32), nullable=False)
    pep_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    pep_agreed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    # OTP: only an HMAC of the code, bound to this contract and its PDF hash.
    otp_hmac: Mapped[str | None] = mapped_column(String(64))
    otp_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    otp_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    otp_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    otp_failures: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    otp_window_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    otp_window_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    support_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("support_tickets.id"))
    support_message_id: Mapped[int | None] = mapped_column(ForeignKey("support_messages.id"))

    # Evidence, covered by `signature_hmac` (see contracts/evidence.py).
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    signed_by_manager_id: Mapped[int | None] = mapped_column(ForeignKey("manager_users.id"))
    signer_ip: Mapped[str | None] = mapped_column(String(64))
    signer_user_agent: Mapped[str | None] = mapped_column(String(512))
    photo_hashes: Mapped[list[str] | None] = mapped_column(JSONB)
    signed_pdf_key: Mapped[str | None] = mapped_column(String(512))
    signed_pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    signature_hmac: Mapped[str | None] = mapped_column(String(64))
    # Which canonical form `signature_hmac` covers (contracts/evidence.py); NULL until signed.
    evidence_version: Mapped[int | None] = mapped_column(SmallInteger)
    # The client's activity chain head when the code was accepted (covered by evidence 2).
    activity_head_seq: Mapped[int | None] = mapped_column(Integer)
    activity_head_hash: Mapped[str | None] = mapped_column(String(64))
    # The organisation's PAdES seal (issue 14; false before it). Since migration 0016 the
    # evidence covers the signed copy unsealed (`signed_pdf_*`), and the seal is made right
    # after the signing commits (contracts/sealing.py): `seal_pending` until the sealed copy,
    # whose prefix the signed copy is, is stored as `sealed_pdf_*`. Contracts sealed before
    # 0016 were sealed inside the signing: their `signed_pdf_*` is the sealed copy and
    # `sealed_pdf_*` is NULL. A document timestamp added later makes a longer copy again
    # (`timestamped_pdf_*`): signed ⊂ sealed ⊂ timestamped, each the next one's byte prefix.
    sealed: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=false())
    seal_pending: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=false())
    sealed_pdf_key: Mapped[str | None] = mapped_column(String(512))
    sealed_pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    timestamped: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=false())
    timestamped_pdf_key: Mapped[str | None] = mapped_column(String(512))
    timestamped_pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    voided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    void_reason: Mapped[str | None] = mapped_column(Text)

    @property
    def current_signed_pdf_key(self) -> str | None:
        """The signed copy to hand out, the best there is: timestamped > sealed > signed."""
        return self.timestamped_pdf_key or self.sealed_pdf_key or self.signed_pdf_key

    @property
    def current_signed_pdf_sha256(self) -> str | None:
        return self.timestamped_pdf_sha256 or self.sealed_pdf_sha256 or self.signed_pdf_sha256

    @property
    def sealed_copy_key(self) -> str | None:
        """The copy that carries the seal (before any document timestamp): its own key since
        migration 0016, the signed copy itself for contracts sealed inside the signing."""
        if not self.sealed:
            return None
        return self.sealed_pdf_key or self.signed_pdf_key

    @property
    def sealed_copy_sha256(self) -> str | None:
        if not self.sealed:
            return None
        return self.sealed_pdf_sha256 or self.signed_pdf_sha256
