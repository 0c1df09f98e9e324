"""Signing with the one-time code: the evidence, its HMAC and the signed copy of the PDF."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.activity import service as activity
from privet_manager.auth.actor import Actor
from privet_manager.clients.models import Client, ClientStatus, WizardStep
from privet_manager.clients.service import touch
from privet_manager.clients.validation import display_phone
from privet_manager.contracts import evidence, otp, sealing
from privet_manager.contracts import repository as contracts
from privet_manager.contracts.errors import (
    ContractDataChanged,
    ContractLockedNow,
    ContractSigned,
    ContractVoid,
    OtpCodeRefused,
    OtpConsumed,
    OtpExpired,
    PdfTampered,
)
from privet_manager.contracts.models import Contract, ContractStatus, VoidReason
from privet_manager.events.service import publish
from privet_manager.kit.clock import moscow_time
from privet_manager.kit.errors import AppError
from privet_manager.kit.logging import security_log
from privet_manager.kit.metrics import business_counter, count_on_commit
from privet_manager.kit.security import sha256_hex
from privet_manager.kit.storage import get_storage
from privet_manager.signing import snapshot
from privet_manager.signing.pdf.document import EvidenceDocument
from privet_manager.signing.pdf.evidence import append_evidence
from privet_manager.signing.service import no_pending


@dataclass(frozen=True)
class FailedAttempt:
    failures: int
    locked: bool
    # Set when the contract was no longer open for codes (nothing counted): its status.
    gone: str | None = None
    # Voided because the client's data changed after generation.
    data_changed: bool = False


def signed_key(contract: Contract) -> str:
    return contract.pdf_key.removesuffix(".pdf") + "-signed.pdf"


def signed_copy(original: bytes, ev: EvidenceDocument) -> bytes:
    """The evidence page appended to the original as an incremental update, so the original
    stays the signed copy's exact prefix (CPU work: run in a thread). The organisation's seal
    is added after the signing commits (contracts/sealing.py), as one more update."""
    return append_evidence(original, ev)


CONTRACTS_SIGNED = business_counter("contracts_signed", "Contracts signed with the client's code")
CONTRACTS_LOCKED = business_counter(
    "contracts_locked", "Contracts locked by the last allowed wrong code (an OTP lockout)"
)
OTP_FAILURES = business_counter(
    "otp_failures", "Wrong or expired codes counted against a contract (the locking one too)"
)


async def confirm(session: AsyncSession, client: Client, code: str, actor: Actor) -> Contract:
    """Check the code and sign. A wrong code is counted and, at the fifth, locks the
    contract; the refusal keeps the count (its error has `keeps_writes`)."""
    contract = await contracts.latest(session, client.id)
    if contract is None or contract.status != ContractStatus.awaiting_signature:
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
        attempt = await record_failure(session, contract.id, client.id, actor, expired)
        raise _refusal(attempt, expired)

    await touch(session, client)
    # Consume the code: exactly one request gets the row back, whatever runs in parallel.
    consumed = await session.scalar(
        update(Contract)
        .where(
            Contract.id == contract.id,
            Contract.status == ContractStatus.awaiting_signature,
            Contract.otp_hmac == contract.otp_hmac,
            Contract.otp_used_at.is_(None),
            Contract.otp_failures < otp.MAX_FAILURES,
        )
        .values(otp_used_at=now, otp_hmac=None)
        .returning(Contract.id)
        .execution_options(synchronize_session=False)
    )
    if consumed is None:
        raise OtpConsumed()
    # What the UPDATE wrote, mirrored in memory (no refresh round trip).
    contract.otp_used_at, contract.otp_hmac = now, None

    try:
        original = await get_storage().get(contract.pdf_key)
    except KeyError:
        original = b""
    if sha256_hex(original) != contract.pdf_sha256:
        security_log.error("stored contract pdf changed", extra={"contract_id": contract.id})
        raise PdfTampered()
    manager = actor.manager
    contract.signed_at = now
    contract.signed_by_manager_id = manager.id
    contract.signer_ip = actor.ip
    contract.signer_user_agent = actor.user_agent
    # Fixed at generation, from the stored objects: the PDF the client signs prints them.
    contract.photo_hashes = snapshot.photo_hashes(contract.snapshot)

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
            f"чат поддержки «Привет Супер»: обращение № {contract.support_ticket_id}, "
            f"сообщение № {contract.support_message_id}"
        ),
        photo_hashes=list(contract.photo_hashes),
        account=(
            f"пользователь № {contract.snapshot['client']['user_id']} приложения «Привет Супер», "
            f"телефон {display_phone(contract.snapshot['client']['phone'])}"
        ),
        code_sent_at=moscow_time(contract.otp_sent_at) if contract.otp_sent_at else "—",
        signed_ts=now.timestamp(),
        verify_url=str(contract.snapshot.get("verify_url") or ""),
        verify_qr_mask=contract.snapshot.get("verify_qr_mask"),
    )
    data = await asyncio.to_thread(signed_copy, original, ev)
    contract.signed_pdf_key = signed_key(contract)
    # What the evidence covers: this copy, unsealed. The seal is made once this transaction
    # commits (the answer does not wait for it) as a longer copy this one is the prefix of.
    contract.signed_pdf_sha256 = sha256_hex(data)
    contract.sealed, contract.timestamped, contract.seal_pending = False, False, True
    await get_storage().put(contract.signed_pdf_key, data, "application/pdf")
    contract.status = ContractStatus.signed
    # The history up to this signature, bound by the evidence HMAC (the head stays locked
    # until the request commits, so no entry slips in between).
    head = await activity.head_for_update(session, client.id)
    contract.activity_head_seq, contract.activity_head_hash = head
    contract.evidence_version = evidence.EVIDENCE_VERSION
    contract.signature_hmac = evidence.sign(contract)

    client.status = ClientStatus.signed
    processed = contract.surcharge == 0
    if processed:
        client.status = ClientStatus.processed
        client.current_step = WizardStep.success
        client.processed_at = now
    await session.flush()
    await activity.record(
        session,
        client.id,
        "contract.signed",
        actor,
        {
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
            actor,
            {"reason": "no_surcharge", "contract_id": contract.id},
        )
    await publish(
        session,
        "client.processed" if processed else "client.updated",
        client.id,
        status=client.status,
        version=client.version,
    )
    count_on_commit(session, CONTRACTS_SIGNED)
    sealing.seal_after_commit(session, contract.id)
    return contract


async def record_failure(
    session: AsyncSession, contract_id: int, client_id: int, actor: Actor, expired: bool
) -> FailedAttempt:
    """Count one wrong entry atomically, in the request's transaction (the refusal that
    follows commits it).

    `otp_failures < 5` in the WHERE clause makes the count exact under any number of
    parallel guesses: each UPDATE re-checks the row after the previous one commits. A contract
    no longer open for codes (locked or signed meanwhile) is reported as `gone`."""
    limit = otp.MAX_FAILURES
    # Client row first, as every writer does: the same lock order as a parallel confirm with
    # the right code, so the two cannot deadlock.
    await session.execute(select(Client.id).where(Client.id == client_id).with_for_update())
    row = (
        await session.execute(
            update(Contract)
            .where(
                Contract.id == contract_id,
                Contract.status == ContractStatus.awaiting_signature,
                Contract.otp_failures < limit,
            )
            .values(
                otp_failures=Contract.otp_failures + 1,
                status=case(
                    (Contract.otp_failures + 1 >= limit, ContractStatus.locked.value),
                    else_=Contract.status,
                ),
                otp_hmac=case((Contract.otp_failures + 1 >= limit, None), else_=Contract.otp_hmac),
            )
            .returning(Contract.otp_failures)
            .execution_options(synchronize_session=False)
        )
    ).first()
    if row is None:
        found = (
            await session.execute(
                select(Contract.status, Contract.void_reason).where(Contract.id == contract_id)
            )
        ).first()
        status = found[0] if found else None
        security_log.warning(
            "otp refused", extra={"contract_id": contract_id, "contract_status": status}
        )
        return FailedAttempt(
            otp.MAX_FAILURES,
            locked=status == ContractStatus.locked,
            gone=status or ContractStatus.void,
            data_changed=bool(found and found[1] == VoidReason.data_changed),
        )
    attempt = FailedAttempt(failures=int(row[0]), locked=int(row[0]) >= limit)
    await activity.record(
        session,
        client_id,
        "contract.otp_locked" if attempt.locked else "contract.otp_failed",
        actor,
        {"contract_id": contract_id, "failures": attempt.failures, "expired": expired},
    )
    # Counted when the refusal commits the count (its error keeps the writes).
    count_on_commit(session, OTP_FAILURES)
    if attempt.locked:
        count_on_commit(session, CONTRACTS_LOCKED)
    security_log.warning(
        "otp lockout" if attempt.locked else "otp failure",  # a counted failure only
        extra={"contract_id": contract_id, "failures": attempt.failures, "expired": expired},
    )
    return attempt


def _refusal(attempt: FailedAttempt, expired: bool) -> AppError:
    if attempt.gone == ContractStatus.signed:
        return ContractSigned()
    if attempt.gone == ContractStatus.void:
        return ContractDataChanged() if attempt.data_changed else ContractVoid()
    if attempt.locked:
        # The lock written by this attempt (or found: a parallel one locked it) is kept.
        return ContractLockedNow()
    left = otp.MAX_FAILURES - attempt.failures
    extra = {"attempts_left": left}
    if expired:
        return OtpExpired(extra=extra)
    return OtpCodeRefused(f"Неверный код. Осталось попыток: {left}", extra=extra)
