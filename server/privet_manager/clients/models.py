from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from privet_manager.kit.db import Base
from privet_manager.kit.models import Timestamps

STATUSES = ("new", "in_progress", "awaiting_signature", "signed", "processed")
STEPS = ("1", "2", "3", "4", "success")


class Client(Timestamps, Base):
    """One row per processed user of Привет Супер."""

    __tablename__ = "manager_clients"
    __table_args__ = (
        Index("ix_manager_clients_status_id", "status", "id"),
        Index("ix_manager_clients_assigned_status_id", "assigned_manager_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, unique=True)
    status: Mapped[str] = mapped_column(String(32), nullable=False, server_default="new")
    current_step: Mapped[str] = mapped_column(String(16), nullable=False, server_default="1")
    assigned_manager_id: Mapped[int | None] = mapped_column(ForeignKey("manager_users.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # Copies of the shared users row, kept for search and the list (users must not be altered,
    # so its columns cannot carry our indexes). Refreshed on every profile save and backfill.
    name: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(255))

    address_text: Mapped[str | None] = mapped_column(Text)
    address_postal_code: Mapped[str | None] = mapped_column(String(16))
    address_region: Mapped[str | None] = mapped_column(String(255))
    address_city: Mapped[str | None] = mapped_column(String(255))
    address_street: Mapped[str | None] = mapped_column(String(255))
    address_house: Mapped[str | None] = mapped_column(String(32))
    address_building: Mapped[str | None] = mapped_column(String(32))
    address_apartment: Mapped[str | None] = mapped_column(String(32))

    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")


class Passport(Timestamps, Base):
    """Passport of a user; series and number encrypted at rest (AES-GCM, key id kept)."""

    __tablename__ = "users_passports"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, unique=True)
    series_enc: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    number_enc: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    key_id: Mapped[str] = mapped_column(String(32), nullable=False)
    issued_by: Mapped[str] = mapped_column(String(500), nullable=False)
    issue_date: Mapped[date] = mapped_column(Date, nullable=False)
    department_code: Mapped[str] = mapped_column(String(7), nullable=False)
    birth_date: Mapped[date] = mapped_column(Date, nullable=False)
    birth_place: Mapped[str] = mapped_column(String(500), nullable=False)
    updated_by_manager_id: Mapped[int | None] = mapped_column(ForeignKey("manager_users.id"))
