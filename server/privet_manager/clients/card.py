"""The full card of a client, read in one round trip.

Other domains contribute without editing this file: at import time they register a section,
a select (parameter `client_id`) that runs in the card's round trip and an async function
turning its rows into card fields (`tariff`, `contract`, `payment`, `invoice`), each a
JSON-ready dict or None::

    from privet_manager.clients.card import card_section

    @card_section(select(ClientTariff).where(ClientTariff.client_id == bindparam("client_id")))
    async def tariff_section(rows: list[tuple[Any, ...]], client: Client) -> dict[str, object]:
        return {"tariff": tariff_out(rows[0][0]) if rows else None}

Rows hold transient model instances for the selected entities (kit/rawsql.py `RawSelect`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
from fastapi import Request
from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from privet_manager.activity import service as activity
from privet_manager.activity.models import ActivityEntry
from privet_manager.auth.models import Manager
from privet_manager.auth.service import LIVE_MANAGER_JOIN, LIVE_MANAGER_WHERE, SessionRevoked
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
from privet_manager.kit.errors import NotFound, ServiceUnavailable
from privet_manager.kit.rawsql import RawSelect, run_pipelined
from privet_manager.kit.storage import get_storage
from privet_manager.legacy.models import User

log = logging.getLogger("privet_manager.clients.card")

SectionBuild = Callable[[list[tuple[Any, ...]], Client], Awaitable[Mapping[str, object]]]


@dataclass(frozen=True)
class CardSection:
    query: RawSelect
    build: SectionBuild


CARD_SECTIONS: list[CardSection] = []
SECTION_FIELDS = ("tariff", "contract", "payment", "invoice")


def card_section(statement: Select[*tuple[Any, ...]]) -> Callable[[SectionBuild], SectionBuild]:
    """Register a card section (idempotent: re-importing a module does not add it twice)."""

    def register(build: SectionBuild) -> SectionBuild:
        if all(section.build is not build for section in CARD_SECTIONS):
            CARD_SECTIONS.append(CardSection(RawSelect(statement, "client_id"), build))
        return build

    return register


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


TIMELINE_LENGTH = 100

# The card's statements, compiled once and sent together with the sections' (one round trip).
_holder = aliased(Manager, name="holder")
# The caller's live session, the client, the shared users row (the source of truth for the
# profile; the copies serve search), the passport and the holder's name.
_HEAD = RawSelect(
    select(Manager, Client, User, Passport, _holder.name)
    .select_from(Manager)
    .join(*LIVE_MANAGER_JOIN)
    .outerjoin(Client, Client.id == bindparam("client_id"))
    .outerjoin(User, User.id == Client.user_id)
    .outerjoin(Passport, Passport.user_id == User.id)
    .outerjoin(_holder, _holder.id == Client.assigned_manager_id)
    .where(*LIVE_MANAGER_WHERE),
    "manager_id",
    "session_id",
    "client_id",
)
_DEVICES = RawSelect(
    select(ManagerDevice, DevicePhoto)
    .outerjoin(DevicePhoto, DevicePhoto.device_id == ManagerDevice.id)
    .where(ManagerDevice.client_id == bindparam("client_id"))
    .order_by(ManagerDevice.id, DevicePhoto.id),
    "client_id",
)
_TIMELINE = RawSelect(
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
    .limit(TIMELINE_LENGTH),
    "client_id",
)


async def devices(rows: list[tuple[Any, ...]]) -> list[DeviceOut]:
    """The client's devices with their photos (short-lived URLs)."""
    grouped: dict[int, tuple[ManagerDevice, list[DevicePhoto]]] = {}
    for device, photo in rows:
        entry = grouped.setdefault(device.id, (device, []))
        if photo is not None:
            entry[1].append(photo)
    storage = get_storage()
    return [await device_out(storage, d, photos) for d, photos in grouped.values()]


def timeline(rows: list[tuple[Any, ...]]) -> list[TimelineEntry]:
    # Typed by the database: constructed without validation (it was a third of the card's CPU
    # on a long timeline); serialising checks the shape anyway.
    entry, ref = TimelineEntry.model_construct, ManagerRef.model_construct
    return [
        entry(
            seq=seq,
            action=action,
            manager=ref(id=manager_id, name=name or "") if manager_id is not None else None,
            created_at=created_at,
            ip=ip,
            payload=payload,
        )
        for seq, action, manager_id, name, created_at, ip, payload in rows
    ]


async def read_card(
    conn: psycopg.AsyncConnection[Any],
    claims: tuple[int, uuid.UUID],
    client_id: int,
    request: Request | None,
) -> ClientCard:
    """The card as the caller may see it, the caller's session checked in the same round trip.

    The passport is decrypted only for the assigned manager or an admin, and then the read is
    logged (activity.record_on: one statement, appended only if the chain's head read with the
    client has not moved), once the rest of the card is built: a card that fails is not shown
    and logs nothing. The new entry heads the timeline."""
    sections = list(CARD_SECTIONS)
    params = {"client_id": client_id}
    head, device_rows, timeline_rows, *section_rows = await run_pipelined(
        conn,
        [
            (_HEAD, {"manager_id": claims[0], "session_id": claims[1], **params}),
            (_DEVICES, params),
            (_TIMELINE, params),
            *((section.query, params) for section in sections),
        ],
    )
    if not head:
        raise SessionRevoked()
    manager, client, user, passport_row, holder_name = head[0]
    if client is None:
        raise NotFound("Клиент не найден", code="client_not_found")
    can_edit = may_write(manager, client)
    # Everything that can fail comes before the passport read is logged: a card that is not
    # shown logs nothing.
    fields: dict[str, object] = {}
    for section, rows in zip(sections, section_rows, strict=True):
        for key, value in (await section.build(rows, client)).items():
            if key in SECTION_FIELDS:
                fields[key] = value
    device_list = await devices(device_rows)
    passport = None
    if passport_row is not None and can_edit:
        passport = decrypt_passport(passport_row)
        entry = await activity.record_on(
            conn,
            client.id,
            "passport.read",
            head=(client.activity_seq, client.activity_hash),
            manager_id=manager.id,
            request=request,
        )
        newest = timeline_rows[0][0] if timeline_rows else 0
        if entry.seq == newest + 1:  # nothing was logged since the timeline was read
            own = (entry.seq, entry.action, manager.id, manager.name, entry.created_at,
                   entry.ip, entry.payload)  # fmt: skip
            timeline_rows = [own, *timeline_rows[: TIMELINE_LENGTH - 1]]
        else:
            timeline_rows = await _TIMELINE.fetch(conn, params)
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
        devices=device_list,
        timeline=timeline(timeline_rows),
        **fields,
    )
