"""The full card of a client, assembled from sections.

Other domains contribute without editing this file: at import time they append an async
callable to `CARD_SECTIONS`; it receives (session, client) and returns a dict whose keys are
card fields (`tariff`, `contract`, `payment`, `invoice`), each a JSON-ready dict or None::

    from privet_manager.clients.card import card_section

    @card_section
    async def tariff_section(session: AsyncSession, client: Client) -> dict[str, object]:
        calc = await load_calc(session, client.id)
        return {"tariff": calc.model_dump(mode="json") if calc else None}
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from fastapi import Request
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.activity import service as activity
from privet_manager.activity.models import ActivityEntry
from privet_manager.auth.models import Manager
from privet_manager.clients.deps import may_write
from privet_manager.clients.models import Client, Passport
from privet_manager.clients.schemas import (
    AddressOut,
    ClientCard,
    ManagerRef,
    PassportOut,
    ProfileOut,
    TimelineEntry,
)
from privet_manager.devices.models import DevicePhoto, ManagerDevice
from privet_manager.devices.schemas import DeviceOut
from privet_manager.devices.service import device_out
from privet_manager.kit import crypto
from privet_manager.kit.errors import ServiceUnavailable
from privet_manager.kit.storage import get_storage
from privet_manager.legacy.models import User

log = logging.getLogger("privet_manager.clients.card")

CardSection = Callable[[AsyncSession, Client], Awaitable[Mapping[str, object]]]
CARD_SECTIONS: list[CardSection] = []
SECTION_FIELDS = ("tariff", "contract", "payment", "invoice")


def card_section(fn: CardSection) -> CardSection:
    """Register a card section (idempotent: re-importing a module does not add it twice)."""
    if fn not in CARD_SECTIONS:
        CARD_SECTIONS.append(fn)
    return fn


async def manager_ref(session: AsyncSession, manager_id: int | None) -> ManagerRef | None:
    if manager_id is None:
        return None
    name = await session.scalar(select(Manager.name).where(Manager.id == manager_id))
    return ManagerRef(id=manager_id, name=name or "")


def decrypt_passport(passport: Passport) -> PassportOut:
    try:
        series = crypto.decrypt(passport.series_enc, passport.key_id)
        number = crypto.decrypt(passport.number_enc, passport.key_id)
    except crypto.CryptoError:
        log.error("passport does not decrypt", extra={"passport_id": passport.id})
        raise ServiceUnavailable(
            "Паспортные данные не удаётся расшифровать: проверьте ключи шифрования",
            code="passport_key_missing",
        ) from None
    return PassportOut(
        series=series,
        number=number,
        issued_by=passport.issued_by,
        issue_date=passport.issue_date,
        department_code=passport.department_code,
        birth_date=passport.birth_date,
        birth_place=passport.birth_place,
    )


# The card's statements, built once (building one cost about as much CPU as running it).
_DEVICES = (
    select(ManagerDevice, DevicePhoto)
    .outerjoin(DevicePhoto, DevicePhoto.device_id == ManagerDevice.id)
    .where(ManagerDevice.client_id == bindparam("client_id"))
    .order_by(ManagerDevice.id, DevicePhoto.id)
)
_TIMELINE = (
    select(
        ActivityEntry.seq,
        ActivityEntry.action,
        ActivityEntry.manager_id,
        Manager.name,
        ActivityEntry.created_at,
        ActivityEntry.ip,
        ActivityEntry.payload,
    )
    .outerjoin(Manager, Manager.id == ActivityEntry.manager_id)
    .where(ActivityEntry.client_id == bindparam("client_id"))
    .order_by(ActivityEntry.seq.desc())
    .limit(100)
)
# The shared users row (the source of truth for the profile; the copies serve search), the
# passport and the holder's name: one round trip.
_PROFILE = (
    select(User, Passport, Manager.name)
    .select_from(User)
    .outerjoin(Passport, Passport.user_id == User.id)
    .outerjoin(Manager, Manager.id == bindparam("holder_id"))
    .where(User.id == bindparam("user_id"))
)


async def devices(session: AsyncSession, client_id: int) -> list[DeviceOut]:
    """The client's devices with their photos (short-lived URLs): one round trip."""
    rows = await session.execute(_DEVICES, {"client_id": client_id})
    grouped: dict[int, tuple[ManagerDevice, list[DevicePhoto]]] = {}
    for device, photo in rows.tuples():
        entry = grouped.setdefault(device.id, (device, []))
        if photo is not None:
            entry[1].append(photo)
    storage = get_storage()
    return [await device_out(storage, d, photos) for d, photos in grouped.values()]


async def timeline(session: AsyncSession, client_id: int) -> list[TimelineEntry]:
    rows = await session.execute(_TIMELINE, {"client_id": client_id})
    return [
        TimelineEntry(
            seq=seq,
            action=action,
            manager=ManagerRef(id=manager_id, name=name or "") if manager_id is not None else None,
            created_at=created_at,
            ip=ip,
            payload=payload,
        )
        for seq, action, manager_id, name, created_at, ip, payload in rows.tuples()
    ]


async def build_card(
    session: AsyncSession, client: Client, manager: Manager, request: Request | None
) -> ClientCard:
    """The card as `manager` may see it: the passport is decrypted (and the read logged) only
    for the assigned manager or an admin."""
    can_edit = may_write(manager, client)
    user, passport_row, holder_name = (
        await session.execute(
            _PROFILE, {"user_id": client.user_id, "holder_id": client.assigned_manager_id}
        )
    ).one_or_none() or (None, None, None)
    passport: PassportOut | None = None
    if passport_row is not None and can_edit:
        passport = decrypt_passport(passport_row)
        await activity.record(
            session, client.id, "passport.read", manager_id=manager.id, request=request
        )
    sections: dict[str, object] = {}
    for section in CARD_SECTIONS:
        for key, value in (await section(session, client)).items():
            if key in SECTION_FIELDS:
                sections[key] = value
    return ClientCard(
        id=client.id,
        user_id=client.user_id,
        status=client.status,
        current_step=client.current_step,
        version=client.version,
        updated_at=client.updated_at,
        assigned_manager=ManagerRef(id=client.assigned_manager_id, name=holder_name or "")
        if client.assigned_manager_id is not None
        else None,
        can_edit=can_edit,
        profile=ProfileOut(
            name=user.name if user else client.name,
            phone=user.phone if user else client.phone,
            email=user.email if user else client.email,
        ),
        address=AddressOut(
            text=client.address_text,
            postal_code=client.address_postal_code,
            region=client.address_region,
            city=client.address_city,
            street=client.address_street,
            house=client.address_house,
            building=client.address_building,
            apartment=client.address_apartment,
        ),
        passport=passport,
        passport_on_file=passport_row is not None,
        devices=await devices(session, client.id),
        timeline=await timeline(session, client.id),
        **sections,
    )
