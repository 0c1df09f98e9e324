"""Contract generation and one-time codes (step 5 of the wizard)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from jinja2 import TemplateError
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.activity import service as activity
from privet_manager.auth.actor import Actor
from privet_manager.clients.models import LOCKED_STATUSES, Client, ClientStatus
from privet_manager.clients.service import touch
from privet_manager.contracts import otp
from privet_manager.contracts import repository as contracts
from privet_manager.contracts.errors import (
    ContractDataChanged,
    ContractLocked,
    ContractSigned,
    NoPendingContract,
    TemplateBroken,
)
from privet_manager.contracts.links import CLIENT_LINK_TTL, download_url
from privet_manager.contracts.models import Contract, ContractStatus, VoidReason
from privet_manager.contracts.pep import agreement
from privet_manager.devices import photos
from privet_manager.events.service import publish
from privet_manager.kit.errors import AppError, TooManyRequests
from privet_manager.kit.logging import security_log
from privet_manager.kit.metrics import business_counter, count_on_commit
from privet_manager.kit.numbering import next_number
from privet_manager.kit.security import sha256_hex
from privet_manager.kit.storage import get_storage
from privet_manager.signing import snapshot
from privet_manager.signing.pdf.document import ContractDocument
from privet_manager.signing.pdf.qr import best_mask
from privet_manager.signing.pdf.render import render_contract
from privet_manager.signing.snapshot import ContractInputs
from privet_manager.support import service as support

log = logging.getLogger(__name__)


def pdf_key(client_id: int, number: str) -> str:
    return f"contracts/{client_id}/{number}.pdf"


async def _document(
    session: AsyncSession,
    inputs: ContractInputs,
    *,
    number: str,
    now: datetime,
    draft: bool,
) -> tuple[dict[str, Any], bytes]:
    """The snapshot and the PDF of the contract the client's data makes now (a draft has no
    number). Raises PhotoChanged and TemplateBroken."""
    client = inputs.client
    pep = agreement()
    series, passport_number = snapshot.passport_secrets(inputs.passport)
    # The QR code's mask pattern is the costly part of encoding it: chosen in a thread while
    # the photos are read from storage, once, and kept in the snapshot.
    url = snapshot.verify_url(number) if number else ""
    qr_mask = asyncio.ensure_future(asyncio.to_thread(best_mask, url)) if url else None
    snap = snapshot.build_snapshot(
        inputs,
        number=number,
        generated_at=now,
        passport_masked=snapshot.mask(series, passport_number),
        pep={"version": pep.version, "sha256": pep.sha256, "agreed_at": now.isoformat()},
        photos=await photos.stored_photos(session, get_storage(), client.id),
    )
    if qr_mask is not None:
        snap["verify_qr_mask"] = await qr_mask
    doc = ContractDocument.from_snapshot(
        snap,
        passport_series=series,
        passport_number=passport_number,
        pep_text=pep.text,
        draft=draft,
    )
    try:
        pdf = await asyncio.to_thread(render_contract, doc)
    except TemplateError as exc:
        # An operator's edited template is broken: say so instead of a bare 500.
        log.error("contract template error", extra={"error": str(exc)[:500]})
        raise TemplateBroken() from None
    return snap, pdf


async def preview(session: AsyncSession, client: Client, actor: Actor) -> bytes:
    """The PDF generation would produce now, marked «Проект», without a number: nothing is
    numbered, stored or sent (only the passport read is logged, as the card logs it)."""
    if client.status in LOCKED_STATUSES:
        raise ContractSigned()
    inputs = await snapshot.gather(session, client)
    _, pdf = await _document(session, inputs, number="", now=datetime.now(UTC), draft=True)
    await activity.record(session, client.id, "contract.previewed", actor, {})
    return pdf


CONTRACTS_GENERATED = business_counter(
    "contracts_generated", "Contracts generated (each one a PDF and a code sent to the client)"
)


async def generate(session: AsyncSession, client: Client, actor: Actor) -> Contract:
    """Snapshot, number, PDF, storage, and the first code into the client's support chat.

    Allowed when steps 1-4 are complete (409 naming what is missing); a previous unsigned
    contract becomes void."""
    await touch(session, client)  # locks the client row: one generation at a time
    if client.status in LOCKED_STATUSES:
        raise ContractSigned()
    inputs = await snapshot.gather(session, client)  # refuse before a number is taken
    now = datetime.now(UTC)
    await contracts.void_live(session, client.id, VoidReason.regenerated)
    await session.flush()

    number = await next_number(session, "PM", now.astimezone(UTC).year)
    snap, pdf = await _document(session, inputs, number=number, now=now, draft=False)
    digest = sha256_hex(pdf)
    key = pdf_key(client.id, number)
    await get_storage().put(key, pdf, "application/pdf")
    pep = snap["pep"]

    contract = Contract(
        client_id=client.id,
        number=number,
        status=ContractStatus.awaiting_signature,
        snapshot=snap,
        surcharge=inputs.fixed.surcharge,
        pdf_key=key,
        pdf_sha256=digest,
        generated_by_manager_id=actor.manager_id,
        pep_version=pep["version"],
        pep_sha256=pep["sha256"],
        pep_agreed_at=now,
        photo_hashes=snapshot.photo_hashes(snap),
        otp_failures=0,
        otp_window_count=0,
    )
    session.add(contract)
    await session.flush()
    await send_code(session, client, contract, actor, now)

    client.status = ClientStatus.awaiting_signature
    await activity.record(
        session,
        client.id,
        "contract.generated",
        actor,
        {
            "contract_id": contract.id,
            "number": number,
            "pdf_sha256": digest,
            "surcharge": f"{contract.surcharge:.2f}",
            "pep_version": pep["version"],
            "support_message_id": contract.support_message_id,
        },
    )
    await session.flush()
    await publish(
        session, "client.updated", client.id, status=client.status, version=client.version
    )
    count_on_commit(session, CONTRACTS_GENERATED)
    return contract


def otp_message(contract: Contract, code: str, link: str, ttl_minutes: int) -> str:
    return (
        f"Здравствуйте! Для подписания договора № {contract.number} "
        f"(доплата {contract.surcharge:.2f} руб., контрольная сумма документа "
        f"{contract.pdf_sha256[:8]}) продиктуйте мастеру код подтверждения: {code}\n"
        f"Код действует {ttl_minutes} минут. Никому, кроме мастера, его не сообщайте.\n"
        f"Договор: {link}"
    )


async def send_code(
    session: AsyncSession, client: Client, contract: Contract, actor: Actor, now: datetime
) -> None:
    """Issue a fresh code (the previous one is void) and post it into the client's ticket."""
    allowance = otp.may_send(
        now, contract.otp_sent_at, contract.otp_window_started_at, contract.otp_window_count
    )
    if not allowance.allowed:
        detail = (
            "Новый код можно отправить не раньше чем через минуту после предыдущего"
            if allowance.reason == "cooldown"
            else "Отправлено слишком много кодов по этому договору, повторите позже"
        )
        raise TooManyRequests(
            detail, retry_after=allowance.retry_after, code=f"otp_{allowance.reason}"
        )
    code = otp.new_code()
    if (
        contract.otp_window_started_at is None
        or now >= contract.otp_window_started_at + otp.CODES_WINDOW
    ):
        contract.otp_window_started_at, contract.otp_window_count = now, 0
    contract.otp_window_count += 1
    contract.otp_hmac = otp.code_hmac(code, contract_id=contract.id, pdf_sha256=contract.pdf_sha256)
    contract.otp_sent_at = now
    contract.otp_expires_at = now + otp.TTL
    contract.otp_used_at = None
    link = await download_url(contract.pdf_key, CLIENT_LINK_TTL, absolute=True)
    minutes = int(otp.TTL.total_seconds() // 60)
    posted = await support.post(
        session,
        client,
        body=otp_message(contract, code, link, minutes),
        logged_body=otp_message(contract, "••••••", "[ссылка на договор]", minutes),
        kind="otp",
        manager_id=actor.manager_id,
        contract_id=contract.id,
    )
    del code
    contract.support_ticket_id = posted.ticket_id
    contract.support_message_id = posted.support_message_id
    await session.flush()


async def resend(session: AsyncSession, client: Client, actor: Actor) -> Contract:
    """A new code for the unsigned contract; the old code is void, failures are kept."""
    contract = await contracts.latest(session, client.id)
    if contract is None or contract.status != ContractStatus.awaiting_signature:
        raise no_pending(contract)
    await touch(session, client)
    # Lock the contract so two resends cannot both pass the cooldown check.
    await session.refresh(contract, with_for_update=True)
    if contract.status != ContractStatus.awaiting_signature:
        raise no_pending(contract)
    now = datetime.now(UTC)
    await send_code(session, client, contract, actor, now)
    await activity.record(
        session,
        client.id,
        "contract.otp_resent",
        actor,
        {
            "contract_id": contract.id,
            "number": contract.number,
            "support_message_id": contract.support_message_id,
            "failures": contract.otp_failures,
        },
    )
    security_log.info(
        "otp resent", extra={"contract_id": contract.id, "failures": contract.otp_failures}
    )
    return contract


def no_pending(contract: Contract | None) -> AppError:
    """Why there is no code to send or check for this contract."""
    if contract is not None and contract.status == ContractStatus.locked:
        return ContractLocked()
    if contract is not None and contract.status == ContractStatus.signed:
        return ContractSigned()
    if (
        contract is not None
        and contract.status == ContractStatus.void
        and contract.void_reason == VoidReason.data_changed
    ):
        return ContractDataChanged()
    return NoPendingContract()
