"""The admin audit log: what an admin changed, when, from where."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from privet_manager.kit.db import Base
from privet_manager.kit.models import enum_column


class AuditAction(StrEnum):
    manager_created = "manager.created"
    manager_renamed = "manager.renamed"
    manager_disabled = "manager.disabled"
    manager_enabled = "manager.enabled"
    manager_role_changed = "manager.role_changed"
    manager_password_changed = "manager.password_changed"
    tariff_created = "tariff.created"
    tariff_changed = "tariff.changed"
    tariff_deactivated = "tariff.deactivated"
    client_reassigned = "client.reassigned"
    client_released = "client.released"


class AuditTarget(StrEnum):
    manager = "manager"
    tariff = "tariff"
    client = "client"


class AdminAuditEntry(Base):
    """One admin action. Append-only; paged newest first by id."""

    __tablename__ = "manager_admin_audit"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    admin_id: Mapped[int] = mapped_column(ForeignKey("manager_users.id"), nullable=False)
    action: Mapped[AuditAction] = mapped_column(enum_column(AuditAction, 64), nullable=False)
    target_type: Mapped[AuditTarget] = mapped_column(enum_column(AuditTarget, 16), nullable=False)
    target_id: Mapped[str] = mapped_column(String(64), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
