"""Signing with the one-time code: the evidence, its HMAC and the signed copy of the PDF."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import Request
from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.activity import service as activity
from privet_manager.auth.models import Manager
from privet_manager.clients.models import Client
from privet_manager.clients.service import touch
from privet_manager.contracts import evidence, otp, snapshot
from privet_manager.contracts.models import Contract
from privet_manager.contracts.pdf.document import EvidenceDocument, moscow_time
from privet_manager.contracts.pdf.render import append_evidence
from privet_manager.contracts.service import latest_contract, no_pending
from privet_manager.events.service import publish
from privet_manager.kit.db import get_database
from privet_manager.kit.errors import AppError, Conflict, Unprocessable
from privet_manager.kit.logging import security_log
from privet_manager.kit.net import client_ip, user_agent
from privet_manager.kit.security import sha256_hex
from privet_manager.kit.storage import get_storage


class StoredPdfChanged(AppError):
    status = 409
    code = "pdf_tampered"


@dataclass(frozen=True)
class FailedAttempt:
    failures: int
    locked: bool
    # Set when the contract was no longer open for codes (nothing counted): its status.
    gone: str | None = None


def signed_key(contract: Contract) -> str:
    return contract.pdf_key.removesuffix(".pdf") + "-signed.pdf"


async def confirm(
    session: AsyncSession, client: Client, manager: Manager, code: str, request: Request
) -> Contract:
    """Check the code and sign. A wrong code is counted in its own transaction (so the count
    survives this request's error) and, at the fifth, locks the contract."""
    contract = await latest_contract(session, client.id)
    if contract is None or contract.status != "awaiting_signature":
        raise no_pending(contract)
    now = datetime.now(UTC)
    valid = (
        contract.otp_hmac is not None
        and contract.otp_expires_at is not None
        and now < contract.otp_expires_at
        and contract.otp_failures < otp.MAX_FAILURES
        and otp.code_matches(
            code, contract.otp_hmac, contract_id=contract.id, pdf_sha256=contract.pdf_sha256
        )
    )
    if not valid:
        expired = contract.otp_expires_at is not None and now >= contract.otp_expires_at
        # Release this request's connection first: the count needs one of its own.
        await session.commit()
        attempt = await record_failure(contract.id, client.id, manager.id, request, expired)
        raise _refusal(attempt, expired)

    await touch(session, client)
    # Consume the code: exactly one request gets the row back, whatever runs in parallel.
    consumed = await session.scalar(
        update(Contract)
        .where(
            Contract.id == contract.id,
            Contract.status == "awaiting_signature",
            Contract.otp_hmac == contract.otp_hmac,
            Contract.otp_used_at.is_(None),
            Contract.otp_failures < otp.MAX_FAILURES,
        )
        .values(otp_used_at=now, otp_hmac=None)
        .returning(Contract.id)
        .execution_options(synchronize_session=False)
    )
    if consumed is None:
        raise Conflict("Код уже использован или заменён новым", code="otp_invalid")
    # What the UPDATE wrote, mirrored in memory (no refresh round trip).
    contract.otp_used_at, contract.otp_hmac = now, None

    try:
        original = await get_storage().get(contract.pdf_key)
    except KeyError:
        original = b""
    if sha256_hex(original) != contract.pdf_sha256:
        security_log.error("stored contract pdf changed", extra={"contract_id": contract.id})
        raise StoredPdfChanged("Файл договора в хранилище изменён: сформируйте договор заново")
    contract.signed_at = now
    contract.signed_by_manager_id = manager.id
    contract.signer_ip = client_ip(request)[:64]
    contract.signer_user_agent = user_agent(request) or None
    contract.photo_hashes = await snapshot.photo_hashes(session, client.id)

    ev = EvidenceDocument(
        number=contract.number,
        client_name=contract.snapshot["client"]["name"] or "—",
        signed_at=moscow_time(now),
        manager=f"{manager.name} (id {manager.id}, {manager.email})",
        pdf_sha256=contract.pdf_sha256,
        pep=f"версия {contract.pep_version}, SHA-256 {contract.pep_sha256}",
        pep_agreed_at=moscow_time(contract.pep_agreed_at),
        signer_ip=contract.signer_ip,
        signer_user_agent=contract.signer_user_agent or "—",
        ticket=(
            f"обращение № {contract.support_ticket_id} в чате поддержки «Привет Супер», "
            f"сообщение № {contract.support_message_id}"
        ),
        photo_hashes=list(contract.photo_hashes),
    )
    signed = await asyncio.to_thread(append_evidence, original, ev)
    contract.signed_pdf_key = signed_key(contract)
    contract.signed_pdf_sha256 = sha256_hex(signed)
    await get_storage().put(contract.signed_pdf_key, signed, "application/pdf")
    contract.status = "signed"
    contract.signature_hmac = evidence.sign(contract)

    client.status = "signed"
    processed = contract.surcharge == 0
    if processed:
        client.status = "processed"
        client.current_step = "success"
        client.processed_at = now
    await session.flush()
    await activity.record(
        session,
        client.id,
        "contract.signed",
        manager_id=manager.id,
        request=request,
        payload={
            "contract_id": contract.id,
            "number": contract.number,
            "pdf_sha256": contract.pdf_sha256,
            "signed_pdf_sha256": contract.signed_pdf_sha256,
            "signature_hmac": contract.signature_hmac,
            "support_message_id": contract.support_message_id,
        },
    )
    if processed:
        await activity.record(
            session,
            client.id,
            "client.processed",
            manager_id=manager.id,
            request=request,
            payload={"reason": "no_surcharge", "contract_id": contract.id},
        )
    await publish(
        session,
        "client.processed" if processed else "client.updated",
        client.id,
        status=client.status,
        version=client.version,
    )
    return contract


async def record_failure(
    contract_id: int, client_id: int, manager_id: int, request: Request, expired: bool
) -> FailedAttempt:
    """Count one wrong entry atomically in its own committed transaction.

    `otp_failures < 5` in the WHERE clause makes the count exact under any number of
    parallel guesses: each UPDATE re-checks the row after the previous one commits. A contract
    no longer open for codes (locked or signed meanwhile) is reported as `gone`."""
    limit = otp.MAX_FAILURES
    async with get_database().sessionmaker() as s, s.begin():
        # Client row first, as every writer does (activity.record locks it too): the same
        # lock order as a parallel confirm with the right code, so the two cannot deadlock.
        await s.execute(select(Client.id).where(Client.id == client_id).with_for_update())
        row = (
            await s.execute(
                update(Contract)
                .where(
                    Contract.id == contract_id,
                    Contract.status == "awaiting_signature",
                    Contract.otp_failures < limit,
                )
                .values(
                    otp_failures=Contract.otp_failures + 1,
                    status=case(
                        (Contract.otp_failures + 1 >= limit, "locked"), else_=Contract.status
                    ),
                    otp_hmac=case(
                        (Contract.otp_failures + 1 >= limit, None), else_=Contract.otp_hmac
                    ),
                )
                .returning(Contract.otp_failures)
                .execution_options(synchronize_session=False)
            )
        ).first()
        if row is None:
            status = await s.scalar(select(Contract.status).where(Contract.id == contract_id))
            security_log.warning(
                "otp refused", extra={"contract_id": contract_id, "contract_status": status}
            )
            return FailedAttempt(otp.MAX_FAILURES, locked=status == "locked", gone=status or "void")
        attempt = FailedAttempt(failures=int(row[0]), locked=int(row[0]) >= limit)
        await activity.record(
            s,
            client_id,
            "contract.otp_locked" if attempt.locked else "contract.otp_failed",
            manager_id=manager_id,
            request=request,
            payload={"contract_id": contract_id, "failures": attempt.failures, "expired": expired},
        )
    security_log.warning(
        "otp lockout" if attempt.locked else "otp failure",  # a counted failure only
        extra={"contract_id": contract_id, "failures": attempt.failures, "expired": expired},
    )
    return attempt


def _refusal(attempt: FailedAttempt, expired: bool) -> AppError:
    if attempt.gone == "signed":
        return Conflict("Договор уже подписан", code="contract_signed")
    if attempt.gone == "void":
        return Conflict("Договор заменён новым: введите новый код", code="contract_void")
    if attempt.locked:
        return Conflict(
            "Договор заблокирован после пяти неверных кодов: сформируйте его заново",
            code="contract_locked",
        )
    left = otp.MAX_FAILURES - attempt.failures
    detail = (
        "Срок действия кода истёк: отправьте новый код"
        if expired
        else f"Неверный код. Осталось попыток: {left}"
    )
    return Unprocessable(
        detail,
        code="otp_expired" if expired else "otp_invalid",
        loc=("body", "code"),
        extra={"attempts_left": left},
    )


async def contract_by_number(session: AsyncSession, number: str) -> Contract | None:
    result: Contract | None = await session.scalar(
        select(Contract).where(Contract.number == number)
    )
    return result
