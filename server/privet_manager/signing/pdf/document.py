"""The contract as a plain view-model: everything the PDF prints, already formatted.

Built from the contract's snapshot (plus the passport series and number, which the snapshot
keeps only masked), so the renderer is a pure function of this object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from privet_manager.devices.models import KIND_LABELS
from privet_manager.kit.clock import MOSCOW

MONTHS = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)


def rub(value: Decimal | str) -> str:
    """Money as printed in documents: "1490.00 руб." (the same digits as the API)."""
    return f"{Decimal(value):.2f} руб."


def russian_date(moment: datetime) -> str:
    local = moment.astimezone(MOSCOW)
    return f"«{local.day:02d}» {MONTHS[local.month - 1]} {local.year} г."


def moscow_time(moment: datetime) -> str:
    return moment.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M:%S МСК (UTC+3)")


def iso_date_ru(value: str | None) -> str:
    if not value:
        return "—"
    y, m, d = value.split("-")
    return f"{d}.{m}.{y}"


@dataclass(frozen=True)
class DeviceRow:
    n: int
    kind: str
    title: str
    serial_number: str
    declared_value: str


@dataclass(frozen=True)
class Line:
    label: str
    amount: str


@dataclass(frozen=True)
class ContractDocument:
    number: str
    date: str
    company_name: str
    company_inn: str
    company_ogrn: str
    company_address: str
    client_name: str
    client_phone: str
    client_email: str
    client_address: str
    passport_series: str
    passport_number: str
    passport_issued_by: str
    passport_issue_date: str
    passport_department_code: str
    birth_date: str
    birth_place: str
    devices: list[DeviceRow]
    tariff_name: str
    lines: list[Line]
    total: str
    already_paid: str
    surcharge: str
    pep_version: str
    pep_sha256: str
    pep_agreed_at: str
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_snapshot(
        cls, snapshot: dict[str, Any], *, passport_series: str, passport_number: str
    ) -> ContractDocument:
        c, p, t, co = (
            snapshot["client"],
            snapshot["passport"],
            snapshot["tariff"],
            snapshot["company"],
        )
        generated = datetime.fromisoformat(snapshot["generated_at"])
        return cls(
            number=snapshot["number"],
            date=russian_date(generated),
            company_name=co["name"],
            company_inn=co["inn"],
            company_ogrn=co["ogrn"],
            company_address=co["address"],
            client_name=c["name"] or "—",
            client_phone=c["phone"] or "—",
            client_email=c["email"] or "—",
            client_address=c["address"] or "—",
            passport_series=passport_series,
            passport_number=passport_number,
            passport_issued_by=p["issued_by"],
            passport_issue_date=iso_date_ru(p["issue_date"]),
            passport_department_code=p["department_code"],
            birth_date=iso_date_ru(p["birth_date"]),
            birth_place=p["birth_place"],
            devices=[
                DeviceRow(
                    n=i,
                    kind=KIND_LABELS.get(d["kind"], d["kind"]),
                    title=f"{d['brand']} {d['model']}",
                    serial_number=d.get("serial_number") or "—",
                    declared_value=rub(d["declared_value"]),
                )
                for i, d in enumerate(snapshot["devices"], start=1)
            ],
            tariff_name=t["name"],
            lines=[Line(x["label"], rub(x["amount"])) for x in t["lines"]],
            total=rub(t["total"]),
            already_paid=rub(t["already_paid"]),
            surcharge=rub(t["surcharge"]),
            pep_version=snapshot["pep"]["version"],
            pep_sha256=snapshot["pep"]["sha256"],
            pep_agreed_at=moscow_time(datetime.fromisoformat(snapshot["pep"]["agreed_at"])),
        )


@dataclass(frozen=True)
class EvidenceDocument:
    """The page added to the signed copy."""

    number: str
    client_name: str
    signed_at: str
    manager: str
    pdf_sha256: str
    pep: str
    pep_agreed_at: str
    signer_ip: str
    signer_user_agent: str
    ticket: str
    photo_hashes: list[str]
