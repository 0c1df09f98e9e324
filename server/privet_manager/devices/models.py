from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from privet_manager.kit.db import Base
from privet_manager.kit.models import Timestamps, enum_column


class DeviceKind(StrEnum):
    phone = "phone"
    tablet = "tablet"
    laptop = "laptop"
    computer = "computer"
    tv = "tv"
    appliance = "appliance"
    other = "other"


class DeviceCondition(StrEnum):
    """The device's condition when the manager took it on (the contract states it)."""

    ok = "ok"
    damaged = "damaged"
    dead = "dead"


CONDITION_LABELS: dict[str, str] = {
    DeviceCondition.ok: "исправно",
    DeviceCondition.damaged: "есть повреждения",
    DeviceCondition.dead: "не включается",
}


# How documents and breakdown lines name each kind.
KIND_LABELS: dict[str, str] = {
    DeviceKind.phone: "Смартфон",
    DeviceKind.tablet: "Планшет",
    DeviceKind.laptop: "Ноутбук",
    DeviceKind.computer: "Компьютер",
    DeviceKind.tv: "Телевизор",
    DeviceKind.appliance: "Бытовая техника",
    DeviceKind.other: "Другое устройство",
}


class ManagerDevice(Timestamps, Base):
    __tablename__ = "manager_devices"
    # A row of the shared devices table is imported at most once per client.
    __table_args__ = (
        Index(
            "uq_manager_devices_client_source",
            "client_id",
            "source_device_id",
            unique=True,
            postgresql_where=text("source_device_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    client_id: Mapped[int] = mapped_column(
        ForeignKey("manager_clients.id", ondelete="CASCADE"), nullable=False, index=True
    )
    source_device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    kind: Mapped[DeviceKind] = mapped_column(enum_column(DeviceKind, 32), nullable=False)
    brand: Mapped[str] = mapped_column(String(128), nullable=False)
    model: Mapped[str] = mapped_column(String(128), nullable=False)
    serial_number: Mapped[str | None] = mapped_column(String(128))
    purchase_date: Mapped[date | None] = mapped_column(Date)
    declared_value: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    condition: Mapped[DeviceCondition] = mapped_column(
        enum_column(DeviceCondition, 32),
        nullable=False,
        default=DeviceCondition.ok,
        server_default=DeviceCondition.ok.value,
    )
    condition_note: Mapped[str | None] = mapped_column(Text)


class DevicePhoto(Timestamps, Base):
    __tablename__ = "manager_device_photos"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    device_id: Mapped[int] = mapped_column(
        ForeignKey("manager_devices.id", ondelete="CASCADE"), nullable=False, index=True
    )
    object_key: Mapped[str] = mapped_column(String(512), nullable=False, unique=True)
    content_type: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
