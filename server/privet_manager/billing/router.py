"""Step 6 endpoints; both honour Idempotency-Key (a tablet may retry them)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from privet_manager.auth.deps import CurrentManager
from privet_manager.billing import service
from privet_manager.billing.schemas import (
    ConfirmPayment,
    InvoiceOut,
    InvoiceResult,
    PaymentOut,
    PaymentResult,
)
from privet_manager.clients.deps import ClientForWrite
from privet_manager.kit.db import SessionDep
from privet_manager.kit.errors import PROBLEM_RESPONSES
from privet_manager.kit.idempotency import (
    IdempotencyKeyHeader,
    request_hash,
    run_idempotent,
    scope_of,
)

router = APIRouter(tags=["billing"], responses=PROBLEM_RESPONSES)


@router.post(
    "/clients/{client_id}/payment/confirm",
    response_model=PaymentResult,
    responses={200: {"model": PaymentResult}},
)
async def confirm_payment(
    body: ConfirmPayment,
    client: ClientForWrite,
    session: SessionDep,
    manager: CurrentManager,
    request: Request,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """The surcharge was paid (the amount must equal it): the client is processed."""

    async def effect() -> tuple[int, object]:
        payment, contract = await service.confirm_payment(session, client, manager, body, request)
        result = PaymentResult(
            payment=PaymentOut(
                id=payment.id,
                contract_number=contract.number,
                amount=payment.amount,
                method=payment.method,
                reference=payment.reference,
                created_at=payment.created_at,
            ),
            client_status=client.status,
            current_step=client.current_step,
            client_version=client.version,
        )
        return 200, result.model_dump(mode="json")

    outcome = await run_idempotent(
        session,
        manager.id,
        idempotency_key,
        scope_of(request),
        request_hash(body, client.id),
        effect,
    )
    return outcome.to_response()


@router.post(
    "/clients/{client_id}/billing/notify",
    response_model=InvoiceResult,
    responses={200: {"model": InvoiceResult}},
)
async def notify_billing(
    client: ClientForWrite,
    session: SessionDep,
    manager: CurrentManager,
    request: Request,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """An invoice for the surcharge (due in 7 days) posted to the client's support chat:
    the client is processed."""

    async def effect() -> tuple[int, object]:
        invoice, contract = await service.send_invoice(session, client, manager, request)
        result = InvoiceResult(
            invoice=InvoiceOut(
                id=invoice.id,
                number=invoice.number,
                contract_number=contract.number,
                amount=invoice.amount,
                due_date=invoice.due_date,
                support_message_id=invoice.support_message_id,
                created_at=invoice.created_at,
            ),
            client_status=client.status,
            current_step=client.current_step,
            client_version=client.version,
        )
        return 200, result.model_dump(mode="json")

    outcome = await run_idempotent(
        session,
        manager.id,
        idempotency_key,
        scope_of(request),
        request_hash(None, client.id),
        effect,
    )
    return outcome.to_response()
