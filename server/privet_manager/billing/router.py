"""Step 6 endpoints; both honour Idempotency-Key (a tablet may retry them)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from privet_manager.auth.deps import CurrentActor
from privet_manager.billing import service
from privet_manager.billing.schemas import ConfirmPayment, InvoiceResult, PaymentResult
from privet_manager.billing.views import invoice_out, payment_out
from privet_manager.clients.deps import ClientForWrite
from privet_manager.kit.db import SessionDep
from privet_manager.kit.errors import PROBLEM_RESPONSES
from privet_manager.kit.idempotency import IdempotencyKeyHeader, request_hash, run_idempotent

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
    actor: CurrentActor,
    request: Request,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """The surcharge was paid (the amount must equal it): the client is processed."""

    async def effect() -> tuple[int, object]:
        payment, contract = await service.confirm_payment(session, client, body, actor)
        result = PaymentResult(
            payment=payment_out(payment, contract.number),
            client_status=client.status,
            current_step=client.current_step,
            client_version=client.version,
        )
        return 200, result.model_dump(mode="json")

    outcome = await run_idempotent(
        session,
        actor.manager_id,
        idempotency_key,
        request,
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
    actor: CurrentActor,
    request: Request,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """An invoice for the surcharge (due in 7 days) posted to the client's support chat:
    the client is processed."""

    async def effect() -> tuple[int, object]:
        invoice, contract = await service.send_invoice(session, client, actor)
        result = InvoiceResult(
            invoice=invoice_out(invoice, contract.number),
            client_status=client.status,
            current_step=client.current_step,
            client_version=client.version,
        )
        return 200, result.model_dump(mode="json")

    outcome = await run_idempotent(
        session,
        actor.manager_id,
        idempotency_key,
        request,
        request_hash(None, client.id),
        effect,
    )
    return outcome.to_response()
