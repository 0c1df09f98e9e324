"""Payments of the surcharge and invoices sent to the client's support ticket."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Numeric, String, func
from sqlalchemy.orm import Mapped, mapped_column

from privet_manager.kit.db import Base
from privet_manager.kit.models import enum_column


class PaymentMethod(StrEnum):
    cash = "cash"
    card = "card"
    transfer = "transfer"


class Payment(Base):
    __tablename__ = "manager_payments"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # One payment per contract: a retried or concurrent confirm cannot pay twice.
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("manager_contracts.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    client_id: Mapped[int] = mapped_column(
        ForeignKey("manager_clients.id", ondelete="CASCADE"), nullable=False, index=True
    )
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    method: Mapped[PaymentMethod] = mapped_column(enum_column(PaymentMethod, 16), nullable=False)
    reference: Mapped[str] = mapped_column(String(255), nullable=False, server_default="")
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("manager_users.id"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class Invoice(Base):
    __tablename__ = "manager_invoices"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("manager_contracts.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    client_id: Mapped[int] = mapped_column(
        ForeignKey("manager_clients.id", ondelete="CASCADE"), nullable=False, index=True
    )
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    due_date: Mapped[date] = mapped_column(Date, nullable=False)
    support_message_id: Mapped[int | None] = mapped_column(ForeignKey("support_messages.id"))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("manager_users.id"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
