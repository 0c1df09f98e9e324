"""The manager side's own log of what it posted into a client's support ticket."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from privet_manager.kit.db import Base


class SupportThread(Base):
    """Which shared support ticket the manager side uses for a client."""

    __tablename__ = "manager_support_threads"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    client_id: Mapped[int] = mapped_column(
        ForeignKey("manager_clients.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    ticket_id: Mapped[int] = mapped_column(ForeignKey("support_tickets.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class ManagerSupportMessage(Base):
    """One message posted to the ticket; `body` is redacted (an OTP never appears here)."""

    __tablename__ = "manager_support_messages"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("manager_support_threads.id", ondelete="CASCADE"), nullable=False, index=True
    )
    support_message_id: Mapped[int] = mapped_column(
        ForeignKey("support_messages.id"), nullable=False, unique=True
    )
    kind: Mapped[str] = mapped_column(String(32), nullable=False)  # otp | invoice
    body: Mapped[str] = mapped_column(Text, nullable=False)
    contract_id: Mapped[int | None] = mapped_column(
        ForeignKey("manager_contracts.id", ondelete="SET NULL")
    )
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("manager_users.id"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
