"""The contract as a plain view-model: everything the PDF prints, already formatted.

Built from the contract's snapshot (plus the passport series and number, which the snapshot
keeps only masked, and the PEP agreement's text), so the renderer is a pure function of this
object. A draft (the preview before any code) is the same document without a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from num2words import num2words

from privet_manager.clients.validation import display_phone
from privet_manager.devices.models import CONDITION_LABELS, KIND_LABELS
from privet_manager.kit.clock import MOSCOW, moscow_time
from privet_manager.kit.money import format_rub, rub_in_words

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
NO_NUMBER = "________"


def rub(value: Any) -> str:
    """Money as printed in documents: «1 490,00 руб.»."""
    return format_rub(value)


def plural(n: int, one: str, few: str, many: str) -> str:
    if n % 100 in (11, 12, 13, 14):
        return many
    return {1: one, 2: few, 3: few, 4: few}.get(n % 10, many)


def russian_day(day: date) -> str:
    return f"«{day.day:02d}» {MONTHS[day.month - 1]} {day.year} г."


def russian_date(moment: datetime) -> str:
    return russian_day(moment.astimezone(MOSCOW).date())


def iso_date_ru(value: str | None) -> str:
    if not value:
        return "—"
    y, m, d = value.split("-")
    return f"{d}.{m}.{y}"


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the last day of a shorter month)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def period_words(months: int) -> str:
    """«12 (двенадцать) месяцев» — how a term is written in a contract."""
    return (
        f"{months} ({num2words(months, lang='ru')}) {plural(months, 'месяц', 'месяца', 'месяцев')}"
    )


def called(name: str) -> str:
    """«именуемый» / «именуемая» by the patronymic's ending; both when it says nothing."""
    last = name.split()[-1].lower() if name.split() else ""
    if last.endswith(("вна", "чна", "кызы")):
        return "именуемая"
    if last.endswith(("вич", "ич", "оглы")):
        return "именуемый"
    return "именуемый (именуемая)"


@dataclass(frozen=True)
class TextBlock:
    """One block of a formatted text (the PEP agreement): a heading, a paragraph, or a
    list item with its number."""

    kind: str  # "heading" | "paragraph" | "item"
    text: str
    number: str = ""


_ITEM = re.compile(r"^(\d+)[.)]\s+(.*)$")


def markdown_blocks(text: str) -> list[TextBlock]:
    """The small markdown our agreement texts use: `# heading`, paragraphs, and numbered
    items whose lines wrap (a continuation line belongs to the item above)."""
    blocks: list[TextBlock] = []
    for raw in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in raw.splitlines() if line.strip()]
        if not lines:
            continue
        if lines[0].startswith("#"):
            blocks.append(TextBlock("heading", lines[0].lstrip("#").strip()))
            lines = lines[1:]
        current: list[str] = []
        number = ""
        for line in lines:
            m = _ITEM.match(line)
            if m:
                if current:
                    blocks.append(
                        TextBlock("item" if number else "paragraph", " ".join(current), number)
                    )
                number, current = m.group(1), [m.group(2)]
            else:
                current.append(line)
        if current:
            blocks.append(TextBlock("item" if number else "paragraph", " ".join(current), number))
    return blocks


@dataclass(frozen=True)
class DeviceRow:
    n: int
    kind: str
    title: str
    serial_number: str
    declared_value: str
    condition: str


@dataclass(frozen=True)
class PhotoRow:
    n: int
    device: str
    file: str
    sha256: str


@dataclass(frozen=True)
class Line:
    label: str
    amount: str


@dataclass(frozen=True)
class ContractDocument:
    number: str
    date: str
    place: str
    company_name: str
    company_inn: str
    company_kpp: str
    company_ogrn: str
    company_address: str
    company_email: str
    company_bank: str
    company_account: str
    company_corr_account: str
    company_bik: str
    signatory_name: str
    signatory_position: str
    signatory_authority: str
    client_name: str
    client_called: str
    client_phone: str
    client_email: str
    client_address: str
    client_user_id: int
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
    total_words: str
    already_paid: str
    surcharge: str
    surcharge_words: str
    has_surcharge: bool
    period: str
    period_months: int
    start_date: str
    end_date: str
    pep_version: str
    pep_sha256: str
    pep_agreed_at: str
    pep_text: list[TextBlock] = field(default_factory=list)
    photos: list[PhotoRow] = field(default_factory=list)
    draft: bool = False
    # Seconds since the epoch the PDF's metadata names as its creation time.
    created_ts: float = 0.0
    # The public verification page the QR code on every page links to ("" before issue 14's
    # snapshots, and in a draft: no code).
    verify_url: str = ""
    # Its QR code's mask pattern, chosen at generation (None: choose it while drawing).
    verify_qr_mask: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def footer(self) -> str:
        return "Проект договора" if self.draft else f"Договор № {self.number}"

    @classmethod
    def from_snapshot(
        cls,
        snapshot: dict[str, Any],
        *,
        passport_series: str,
        passport_number: str,
        pep_text: str = "",
        draft: bool = False,
    ) -> ContractDocument:
        c, p, t, co = (
            snapshot["client"],
            snapshot["passport"],
            snapshot["tariff"],
            snapshot["company"],
        )
        generated = datetime.fromisoformat(snapshot["generated_at"])
        start = generated.astimezone(MOSCOW).date()
        months = int(t.get("period_months") or 12)
        # The term runs to the day before the same date `months` later.
        end = date.fromordinal(add_months(start, months).toordinal() - 1)
        titles = {
            d["id"]: f"{n}. {d['brand']} {d['model']}"
            for n, d in enumerate(snapshot["devices"], start=1)
        }
        return cls(
            number=NO_NUMBER if draft else snapshot["number"],
            date=russian_date(generated),
            place=co.get("place", "г. Москва"),
            company_name=co["name"],
            company_inn=co["inn"],
            company_kpp=co.get("kpp", "—"),
            company_ogrn=co["ogrn"],
            company_address=co["address"],
            company_email=co.get("email", "—"),
            company_bank=co.get("bank_name", "—"),
            company_account=co.get("bank_account", "—"),
            company_corr_account=co.get("bank_corr_account", "—"),
            company_bik=co.get("bank_bik", "—"),
            signatory_name=co.get("signatory_name", "—"),
            signatory_position=co.get("signatory_position", "—"),
            signatory_authority=co.get("signatory_authority", "—"),
            client_name=c["name"] or "—",
            client_called=called(c["name"] or ""),
            client_phone=display_phone(c["phone"]),
            client_email=c["email"] or "—",
            client_address=c["address"] or "—",
            client_user_id=int(c["user_id"]),
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
                    condition=_condition(d),
                )
                for i, d in enumerate(snapshot["devices"], start=1)
            ],
            tariff_name=t["name"],
            lines=[Line(x["label"], rub(x["amount"])) for x in t["lines"]],
            total=rub(t["total"]),
            total_words=rub_in_words(t["total"]),
            already_paid=rub(t["already_paid"]),
            surcharge=rub(t["surcharge"]),
            surcharge_words=rub_in_words(t["surcharge"]),
            has_surcharge=float(t["surcharge"]) > 0,
            period=period_words(months),
            period_months=months,
            start_date=russian_day(start),
            end_date=russian_day(end),
            pep_version=snapshot["pep"]["version"],
            pep_sha256=snapshot["pep"]["sha256"],
            pep_agreed_at=moscow_time(datetime.fromisoformat(snapshot["pep"]["agreed_at"])),
            pep_text=markdown_blocks(pep_text),
            photos=[
                PhotoRow(
                    n=i,
                    device=titles.get(ph["device_id"], "—"),
                    file=ph["file"],
                    sha256=ph["sha256"],
                )
                for i, ph in enumerate(snapshot.get("photos", []), start=1)
            ],
            draft=draft,
            created_ts=generated.timestamp(),
            verify_url="" if draft else str(snapshot.get("verify_url") or ""),
            verify_qr_mask=snapshot.get("verify_qr_mask"),
        )


def _condition(device: dict[str, Any]) -> str:
    label = CONDITION_LABELS.get(device.get("condition") or "ok", "исправно")
    note = device.get("condition_note")
    return f"{label}: {note}" if note else label


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
    account: str = "—"
    code_sent_at: str = "—"
    # Seconds since the epoch: the signing time, for the signed copy's metadata.
    signed_ts: float = 0.0
    # The contract's public verification page, for the sheet's QR code ("" = none), and the
    # mask the contract's pages use.
    verify_url: str = ""
    verify_qr_mask: int | None = None
