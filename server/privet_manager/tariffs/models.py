"""The tariff catalogue and the calculation fixed for a client."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from privet_manager.kit.db import Base
from privet_manager.kit.models import Timestamps


class Tariff(Timestamps, Base):
    __tablename__ = "manager_tariffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    base_price: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    included_devices: Mapped[int] = mapped_column(Integer, nullable=False)
    extra_device_price: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    # device kind -> multiplier as a decimal string ("1.50"); kinds not listed count as 1
    kind_multipliers: Mapped[dict[str, str]] = mapped_column(
        JSONB, nullable=False, server_default="{}"
    )
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")
    # The subscription term a contract on this tariff states.
    period_months: Mapped[int] = mapped_column(
        Integer, nullable=False, default=12, server_default="12"
    )
    # Every edit makes a new version (TariffVersion keeps each one's terms); a calculation
    # fixed on a client names the version it was made with.
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")


class TariffVersion(Base):
    """The terms of one version of a tariff, as they were from `created_at` on."""

    __tablename__ = "manager_tariff_versions"
    __table_args__ = (UniqueConstraint("tariff_id", "version"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tariff_id: Mapped[int] = mapped_column(
        ForeignKey("manager_tariffs.id", ondelete="CASCADE"), nullable=False
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    base_price: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    included_devices: Mapped[int] = mapped_column(Integer, nullable=False)
    extra_device_price: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    kind_multipliers: Mapped[dict[str, str]] = mapped_column(JSONB, nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    period_months: Mapped[int] = mapped_column(Integer, nullable=False)
    created_by_manager_id: Mapped[int | None] = mapped_column(ForeignKey("manager_users.id"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class ClientTariff(Timestamps, Base):
    """The calculation fixed for a client when the manager applied a tariff (one per client)."""

    __tablename__ = "manager_client_tariffs"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    client_id: Mapped[int] = mapped_column(
        ForeignKey("manager_clients.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    tariff_id: Mapped[int] = mapped_column(ForeignKey("manager_tariffs.id"), nullable=False)
    tariff_code: Mapped[str] = mapped_column(String(32), nullable=False)
    tariff_name: Mapped[str] = mapped_column(String(128), nullable=False)
    tariff_version: Mapped[int | None] = mapped_column(Integer)
    device_count: Mapped[int] = mapped_column(Integer, nullable=False)
    base: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    devices_part: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    total: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    already_paid: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    surcharge: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    # {"lines": [...], "device_ids": [...], "tariff": {...}} as computed at apply time
    breakdown: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    applied_by_manager_id: Mapped[int | None] = mapped_column(ForeignKey("manager_users.id"))

    @property
    def lines(self) -> list[dict[str, Any]]:
        """The breakdown's printed lines."""
        lines: list[dict[str, Any]] = self.breakdown["lines"]
        return lines

    @property
    def period_months(self) -> int | None:
        """The term the total is for; None for a calculation fixed before tariffs had one."""
        months = (self.breakdown.get("tariff") or {}).get("period_months")
        return int(months) if months else None
