"""What a contract states, gathered once at generation and frozen in `snapshot`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.clients import validation
from privet_manager.clients.errors import PassportKeyMissing
from privet_manager.clients.models import Client, Passport
from privet_manager.contracts.errors import ClientUnderage, StepsIncomplete
from privet_manager.devices import repository as devices_repo
from privet_manager.devices.models import ManagerDevice
from privet_manager.kit import crypto
from privet_manager.kit.clock import today_moscow
from privet_manager.settings import get_settings
from privet_manager.tariffs import repository as tariffs
from privet_manager.tariffs.calc import calculate
from privet_manager.tariffs.models import ClientTariff, Tariff
from privet_manager.tariffs.service import device_lines, terms_of

# Only an adult signs (Civil Code art. 21) on the day the contract is generated.
ADULT_AGE = 18


@dataclass
class ContractInputs:
    client: Client
    passport: Passport
    devices: list[ManagerDevice]
    fixed: ClientTariff
    period_months: int


def address_of(client: Client) -> str:
    if client.address_text:
        return client.address_text
    parts = [
        client.address_postal_code,
        client.address_region,
        client.address_city,
        client.address_street,
        f"д. {client.address_house}" if client.address_house else None,
        f"корп. {client.address_building}" if client.address_building else None,
        f"кв. {client.address_apartment}" if client.address_apartment else None,
    ]
    return ", ".join(p for p in parts if p)


def _profile_complete(client: Client) -> bool:
    has_address = bool(client.address_text) or bool(
        client.address_city and client.address_street and client.address_house
    )
    return bool(client.name and client.phone and has_address)


async def gather(session: AsyncSession, client: Client) -> ContractInputs:
    """Everything steps 1-4 recorded; 409 naming each missing step otherwise."""
    passport = await session.scalar(select(Passport).where(Passport.user_id == client.user_id))
    devices = await devices_repo.client_devices(session, client.id)
    fixed = await tariffs.client_tariff(session, client.id)
    missing: list[dict[str, Any]] = []
    if not _profile_complete(client):
        missing.append(
            {"loc": ["steps", "profile"], "msg": "Заполните ФИО, телефон и адрес регистрации"}
        )
    if passport is None:
        missing.append({"loc": ["steps", "passport"], "msg": "Внесите паспортные данные"})
    if not devices:
        missing.append({"loc": ["steps", "devices"], "msg": "Добавьте хотя бы одно устройство"})
    if fixed is None:
        missing.append({"loc": ["steps", "tariff"], "msg": "Примените тариф"})
    elif devices and sorted(d.id for d in devices) != fixed.breakdown.get("device_ids"):
        missing.append(
            {
                "loc": ["steps", "tariff"],
                "msg": "Устройства изменились после расчёта: примените тариф заново",
            }
        )
    if missing:
        raise StepsIncomplete(errors=missing)
    assert passport is not None and fixed is not None
    if validation.age_on(passport.birth_date, today_moscow()) < ADULT_AGE:
        raise ClientUnderage()
    # Device details (kind) may have been edited since: the fixed figures must still hold.
    tariff = await session.get(Tariff, fixed.tariff_id)
    if tariff is not None:
        calc = calculate(device_lines(devices), terms_of(tariff), fixed.already_paid)
        if tariff.is_active and calc.total != fixed.total:
            raise StepsIncomplete(
                errors=[
                    {
                        "loc": ["steps", "tariff"],
                        "msg": "Расчёт тарифа устарел: примените тариф заново",
                    }
                ],
            )
    period = fixed.breakdown.get("tariff", {}).get("period_months") or (
        tariff.period_months if tariff is not None else get_settings().default_tariff_period_months
    )
    return ContractInputs(
        client=client, passport=passport, devices=devices, fixed=fixed, period_months=int(period)
    )


def passport_secrets(passport: Passport) -> tuple[str, str]:
    """Series and number in clear, for the PDF only (the snapshot keeps them masked)."""
    try:
        return (
            crypto.decrypt(passport.series_enc, passport.key_id),
            crypto.decrypt(passport.number_enc, passport.key_id),
        )
    except crypto.CryptoError:
        raise PassportKeyMissing() from None


def mask(series: str, number: str) -> str:
    return f"{series[:2]}** ***{number[-3:]}"


def verify_url(number: str) -> str:
    """The contract's public verification page (the SPA's /verify/:number), as its QR code
    on every page names it."""
    return f"{get_settings().public_base_url.rstrip('/')}/verify/{number}"


def build_snapshot(
    inputs: ContractInputs,
    *,
    number: str,
    generated_at: datetime,
    passport_masked: str,
    pep: dict[str, str],
    photos: list[dict[str, object]],
) -> dict[str, Any]:
    s = get_settings()
    c, p, f = inputs.client, inputs.passport, inputs.fixed
    return {
        "number": number,
        "generated_at": generated_at.isoformat(),
        # Fixed here, so the PDF re-renders to the same bytes whatever PUBLIC_BASE_URL is later
        # (signing/service.py adds the QR code's mask pattern, `verify_qr_mask`).
        "verify_url": verify_url(number) if number else "",
        "company": {
            "name": s.company_name,
            "inn": s.company_inn,
            "kpp": s.company_kpp,
            "ogrn": s.company_ogrn,
            "address": s.company_address,
            "email": s.company_email,
            "bank_name": s.company_bank_name,
            "bank_bik": s.company_bank_bik,
            "bank_account": s.company_bank_account,
            "bank_corr_account": s.company_bank_corr_account,
            "signatory_name": s.company_signatory_name,
            "signatory_position": s.company_signatory_position,
            "signatory_authority": s.company_signatory_authority,
            "place": s.contract_place,
        },
        "client": {
            "id": c.id,
            "user_id": c.user_id,
            "name": c.name,
            "phone": c.phone,
            "email": c.email,
            "address": address_of(c),
            "address_fields": {
                "postal_code": c.address_postal_code,
                "region": c.address_region,
                "city": c.address_city,
                "street": c.address_street,
                "house": c.address_house,
                "building": c.address_building,
                "apartment": c.address_apartment,
            },
        },
        "passport": {
            "series_number_masked": passport_masked,
            "issued_by": p.issued_by,
            "issue_date": p.issue_date.isoformat(),
            "department_code": p.department_code,
            "birth_date": p.birth_date.isoformat(),
            "birth_place": p.birth_place,
        },
        "devices": [
            {
                "id": d.id,
                "kind": d.kind,
                "brand": d.brand,
                "model": d.model,
                "serial_number": d.serial_number,
                "purchase_date": d.purchase_date.isoformat() if d.purchase_date else None,
                "declared_value": f"{d.declared_value:.2f}",
                "condition": d.condition,
                "condition_note": d.condition_note,
            }
            for d in inputs.devices
        ],
        # Device, object key, file name and SHA-256 of each photo, read from storage now.
        "photos": photos,
        "tariff": {
            "code": f.tariff_code,
            "name": f.tariff_name,
            "lines": f.breakdown["lines"],
            "base": f"{f.base:.2f}",
            "devices_part": f"{f.devices_part:.2f}",
            "total": f"{f.total:.2f}",
            "already_paid": f"{f.already_paid:.2f}",
            "surcharge": f"{f.surcharge:.2f}",
            "period_months": inputs.period_months,
        },
        "pep": pep,
    }


def photo_hashes(snap: dict[str, Any]) -> list[str]:
    """The photo hashes a snapshot fixed (snapshots before `photos` kept only the hashes)."""
    if "photos" in snap:
        return [str(p["sha256"]) for p in snap["photos"]]
    return [str(h) for h in snap.get("photo_sha256", [])]
