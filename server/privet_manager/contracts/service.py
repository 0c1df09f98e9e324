"""Contract generation and one-time codes (steps 5 of the wizard)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from fastapi import Request
from jinja2 import TemplateError
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.activity import service as activity
from privet_manager.auth.models import Manager
from privet_manager.clients.models import Client
from privet_manager.clients.service import touch
from privet_manager.contracts import otp, snapshot
from privet_manager.contracts.links import CLIENT_LINK_TTL, download_url
from privet_manager.contracts.models import Contract
from privet_manager.contracts.numbers import next_number
from privet_manager.contracts.pdf.document import ContractDocument
from privet_manager.contracts.pdf.render import render_contract
from privet_manager.contracts.pep import agreement
from privet_manager.events.service import publish
from privet_manager.kit.errors import Conflict, ServiceUnavailable, TooManyRequests
from privet_manager.kit.logging import security_log
from privet_manager.kit.security import sha256_hex
from privet_manager.kit.storage import get_storage
from privet_manager.support import service as support

log = logging.getLogger(__name__)


def pdf_key(client_id: int, number: str) -> str:
    return f"contracts/{client_id}/{number}.pdf"


async def latest_contract(session: AsyncSession, client_id: int) -> Contract | None:
    result: Contract | None = await session.scalar(
        select(Contract)
        .where(Contract.client_id == client_id)
        .order_by(Contract.id.desc())
        .limit(1)
    )
    return result


async def void_live_contract(session: AsyncSession, client: Client, reason: str) -> bool:
    """Void the client's unsigned contract, if any (its code dies with it)."""
    result = await session.execute(
        update(Contract)
        .where(
            Contract.client_id == client.id, Contract.status.in_(("awaiting_signature", "locked"))
        )
        .values(
            status="void",
            voided_at=datetime.now(UTC),
            void_reason=reason,
            otp_hmac=None,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def generate(
    session: AsyncSession, client: Client, manager: Manager, request: Request | None
) -> Contract:
    """Snapshot, number, PDF, storage, and the first code into the client's support chat.

    Allowed when steps 1-4 are complete (409 naming what is missing); a previous unsigned
    contract becomes void."""
    await touch(session, client)  # locks the client row: one generation at a time
    if client.status in ("signed", "processed"):
        raise Conflict("Договор уже подписан", code="contract_signed")
    inputs = await snapshot.gather(session, client)
    now = datetime.now(UTC)
    await void_live_contract(session, client, "Сформирован новый договор")
    await session.flush()

    pep = agreement()
    number = await next_number(session, "PM", now.astimezone(UTC).year)
    series, passport_number = snapshot.passport_secrets(inputs.passport)
    snap = snapshot.build_snapshot(
        inputs,
        number=number,
        generated_at=now,
        passport_masked=snapshot.mask(series, passport_number),
        pep={"version": pep.version, "sha256": pep.sha256, "agreed_at": now.isoformat()},
        photos=await snapshot.photo_hashes(session, client.id),
    )
    doc = ContractDocument.from_snapshot(
        snap, passport_series=series, passport_number=passport_number
    )
    try:
        pdf = await asyncio.to_thread(render_contract, doc)
    except TemplateError as exc:
        # An operator's edited template is broken: say so instead of a bare 500.
        log.error("contract template error", extra={"error": str(exc)[:500]})
        raise ServiceUnavailable(
            "Шаблон договора содержит ошибку: обратитесь к администратору",
            code="contract_template_error",
        ) from None
    digest = sha256_hex(pdf)
    key = pdf_key(client.id, number)
    await get_storage().put(key, pdf, "application/pdf")

    contract = Contract(
        client_id=client.id,
        number=number,
        status="awaiting_signature",
        snapshot=snap,
        surcharge=inputs.fixed.surcharge,
        pdf_key=key,
        pdf_sha256=digest,
        generated_by_manager_id=manager.id,
        pep_version=pep.version,
        pep_sha256=pep.sha256,
        pep_agreed_at=now,
        otp_failures=0,
        otp_window_count=0,
    )
    session.add(contract)
    await session.flush()
    await send_code(session, client, contract, manager, now)

    client.status = "awaiting_signature"
    await activity.record(
        session,
        client.id,
        "contract.generated",
        manager_id=manager.id,
        request=request,
        payload={
            "contract_id": contract.id,
            "number": number,
            "pdf_sha256": digest,
            "surcharge": f"{contract.surcharge:.2f}",
            "pep_version": pep.version,
            "support_message_id": contract.support_message_id,
        },
    )
    await session.flush()
    await publish(
        session, "client.updated", client.id, status=client.status, version=client.version
    )
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
    session: AsyncSession, client: Client, contract: Contract, manager: Manager, now: datetime
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
        raise TooManyRequests(detail, allowance.retry_after, code=f"otp_{allowance.reason}")
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
        manager_id=manager.id,
        contract_id=contract.id,
    )
    del code
    contract.support_ticket_id = posted.ticket_id
    contract.support_message_id = posted.support_message_id
    await session.flush()


async def resend(
    session: AsyncSession, client: Client, manager: Manager, request: Request | None
) -> Contract:
    """A new code for the unsigned contract; the old code is void, failures are kept."""
    contract = await latest_contract(session, client.id)
    if contract is None or contract.status != "awaiting_signature":
        raise no_pending(contract)
    await touch(session, client)
    # Lock the contract so two resends cannot both pass the cooldown check.
    await session.refresh(contract, with_for_update=True)
    if contract.status != "awaiting_signature":
        raise no_pending(contract)
    now = datetime.now(UTC)
    await send_code(session, client, contract, manager, now)
    await activity.record(
        session,
        client.id,
        "contract.otp_resent",
        manager_id=manager.id,
        request=request,
        payload={
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


def no_pending(contract: Contract | None) -> Conflict:
    if contract is not None and contract.status == "locked":
        return Conflict(
            "Договор заблокирован после пяти неверных кодов: сформируйте его заново",
            code="contract_locked",
        )
    if contract is not None and contract.status == "signed":
        return Conflict("Договор уже подписан", code="contract_signed")
    return Conflict("Нет договора, ожидающего подписи", code="no_pending_contract")


async def latest_signed_contract(session: AsyncSession, client_id: int) -> Contract | None:
    result: Contract | None = await session.scalar(
        select(Contract)
        .where(Contract.client_id == client_id, Contract.status == "signed")
        .order_by(Contract.id.desc())
        .limit(1)
    )
    return result
