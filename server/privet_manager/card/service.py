"""The full card of a client, read in one round trip with the caller's session check."""

from __future__ import annotations

import logging
from typing import Any

from privet_manager.activity import service as activity
from privet_manager.activity.schemas import TimelineEntry
from privet_manager.auth.deps import LiveReader
from privet_manager.auth.schemas import ManagerRef
from privet_manager.billing.views import invoice_out, payment_out
from privet_manager.card import queries
from privet_manager.card.schemas import ClientCard
from privet_manager.clients.deps import may_write
from privet_manager.clients.errors import ClientNotFound, PassportKeyMissing
from privet_manager.clients.models import Client, Passport
from privet_manager.clients.schemas import AddressOut, PassportOut, ProfileOut
from privet_manager.contracts.views import contract_out
from privet_manager.devices.models import DevicePhoto, ManagerDevice
from privet_manager.devices.schemas import DeviceOut
from privet_manager.devices.views import device_out
from privet_manager.kit import crypto
from privet_manager.kit.storage import get_storage
from privet_manager.tariffs.schemas import ClientTariffOut

log = logging.getLogger("privet_manager.card")


def decrypt_passport(passport: Passport) -> PassportOut:
    try:
        series = crypto.decrypt(passport.series_enc, passport.key_id)
        number = crypto.decrypt(passport.number_enc, passport.key_id)
    except crypto.CryptoError:
        log.error("passport does not decrypt", extra={"passport_id": passport.id})
        raise PassportKeyMissing() from None
    return PassportOut(
        series=series,
        number=number,
        issued_by=passport.issued_by,
        issue_date=passport.issue_date,
        department_code=passport.department_code,
        birth_date=passport.birth_date,
        birth_place=passport.birth_place,
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


async def read_card(reader: LiveReader, client_id: int) -> ClientCard:
    """The card as the caller may see it.

    The passport is decrypted only for the assigned manager or an admin, and then the read is
    logged (activity.record_on: one statement, appended only if the chain's head read with the
    client has not moved), once the rest of the card is built: a card that fails is not shown
    and logs nothing. The new entry heads the timeline."""
    params = {"client_id": client_id}
    head, device_rows, timeline_rows, sections = await reader.fetch(
        (queries.HEAD, params),
        (queries.DEVICES, params),
        (queries.TIMELINE, params),
        (queries.SECTIONS, params),
    )
    if not head:
        raise ClientNotFound()
    client: Client
    client, user, passport_row, holder_name, head_seq, head_hash = head[0]
    manager = reader.manager
    can_edit = may_write(manager, client)
    fixed, contract, payment, invoice = sections[0]
    # Everything that can fail comes before the passport read is logged: a card that is not
    # shown logs nothing.
    card = ClientCard(
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
        profile=ProfileOut.model_validate(user if user else client),
        address=AddressOut.model_validate(client),
        passport=None,
        passport_on_file=passport_row is not None,
        devices=await devices(device_rows),
        tariff=ClientTariffOut.model_validate(fixed) if fixed else None,
        contract=await contract_out(contract) if contract else None,
        payment=payment_out(payment, contract.number) if payment else None,
        invoice=invoice_out(invoice, contract.number) if invoice else None,
        timeline=[],
    )
    if passport_row is not None and can_edit:
        card.passport = decrypt_passport(passport_row)
        entry = await activity.record_on(
            reader.conn,
            client.id,
            "passport.read",
            reader.actor,
            head=(head_seq or 0, head_hash),
        )
        newest = timeline_rows[0][0] if timeline_rows else 0
        if entry.seq == newest + 1:  # nothing was logged since the timeline was read
            own = (entry.seq, entry.action, manager.id, manager.name, entry.created_at,
                   entry.ip, entry.payload)  # fmt: skip
            timeline_rows = [own, *timeline_rows[: queries.TIMELINE_LENGTH - 1]]
        else:
            timeline_rows = await queries.TIMELINE.fetch(reader.conn, params)
    card.timeline = timeline(timeline_rows)
    return card
