"""Step 6: the surcharge paid on the spot, or an invoice sent to the client's support chat.

Either one finishes the client (`processed`); both need a signed contract with a surcharge.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.activity import service as activity
from privet_manager.auth.actor import Actor
from privet_manager.billing.errors import (
    AlreadyProcessed,
    AlreadySettled,
    AmountMismatch,
    ContractNotSigned,
    NoSurcharge,
)
from privet_manager.billing.models import Invoice, Payment, PaymentMethod
from privet_manager.billing.schemas import ConfirmPayment
from privet_manager.clients.models import Client, ClientStatus, WizardStep
from privet_manager.clients.service import touch
from privet_manager.contracts import repository as contracts
from privet_manager.contracts.models import Contract, ContractStatus
from privet_manager.events.service import publish
from privet_manager.kit.clock import today_moscow
from privet_manager.kit.metrics import business_counter, count_on_commit
from privet_manager.kit.numbering import next_number
from privet_manager.support import service as support

INVOICE_DUE = timedelta(days=7)
PAYMENTS = business_counter("payments", "Surcharge payments confirmed, by method", ("method",))
for _method in PaymentMethod:  # every method present from the start, at 0
    PAYMENTS.labels(_method.value)
INVOICES = business_counter("invoices", "Invoices for the surcharge sent to the client's chat")


async def _signed_with_surcharge(session: AsyncSession, client: Client) -> Contract:
    """The contract step 6 settles; 409 when the steps are out of order."""
    await touch(session, client)  # lock the client: one settlement at a time
    if client.status == ClientStatus.processed:
        raise AlreadyProcessed()
    contract = await contracts.latest(session, client.id)
    if (
        contract is None
        or contract.status != ContractStatus.signed
        or client.status != ClientStatus.signed
    ):
        raise ContractNotSigned()
    if contract.surcharge == 0:
        raise NoSurcharge()
    paid = await session.scalar(select(Payment.id).where(Payment.contract_id == contract.id))
    invoiced = await session.scalar(select(Invoice.id).where(Invoice.contract_id == contract.id))
    if paid or invoiced:
        raise AlreadySettled()
    return contract


async def _finish(
    session: AsyncSession,
    client: Client,
    actor: Actor,
    action: str,
    payload: dict[str, object],
) -> None:
    client.status = ClientStatus.processed
    client.current_step = WizardStep.success
    client.processed_at = datetime.now(UTC)
    await session.flush()
    await activity.record(session, client.id, action, actor, payload)
    await publish(
        session, "client.processed", client.id, status=client.status, version=client.version
    )


async def confirm_payment(
    session: AsyncSession,
    client: Client,
    data: ConfirmPayment,
    actor: Actor,
) -> tuple[Payment, Contract]:
    """Record the payment of exactly the surcharge; the client is processed."""
    contract = await _signed_with_surcharge(session, client)
    if data.amount != contract.surcharge:
        raise AmountMismatch(f"Сумма должна быть равна доплате: {contract.surcharge:.2f}")
    payment = Payment(
        contract_id=contract.id,
        client_id=client.id,
        amount=contract.surcharge,
        method=data.method,
        reference=data.reference.strip(),
        manager_id=actor.manager_id,
    )
    session.add(payment)
    await session.flush()
    await session.refresh(payment)
    await _finish(
        session,
        client,
        actor,
        "payment.confirmed",
        {
            "contract_id": contract.id,
            "payment_id": payment.id,
            "amount": f"{payment.amount:.2f}",
            "method": payment.method,
        },
    )
    count_on_commit(session, PAYMENTS, str(payment.method))
    return payment, contract


def invoice_message(invoice: Invoice, contract: Contract) -> str:
    due = invoice.due_date.strftime("%d.%m.%Y")
    return (
        f"Счёт № {invoice.number} на сумму {invoice.amount:.2f} руб. — доплата по договору "
        f"№ {contract.number}. Оплатите, пожалуйста, до {due} в приложении «Привет Супер» "
        f"или переводом по реквизитам, которые пришлёт поддержка."
    )


async def send_invoice(
    session: AsyncSession, client: Client, actor: Actor
) -> tuple[Invoice, Contract]:
    """Issue an invoice for the surcharge, due in 7 days, and post it to the ticket."""
    contract = await _signed_with_surcharge(session, client)
    today = today_moscow()
    invoice = Invoice(
        number=await next_number(session, "INV", today.year),
        contract_id=contract.id,
        client_id=client.id,
        amount=contract.surcharge,
        due_date=today + INVOICE_DUE,
        manager_id=actor.manager_id,
    )
    session.add(invoice)
    await session.flush()
    text = invoice_message(invoice, contract)
    posted = await support.post(
        session,
        client,
        body=text,
        logged_body=text,
        kind="invoice",
        manager_id=actor.manager_id,
        contract_id=contract.id,
    )
    invoice.support_message_id = posted.support_message_id
    await session.flush()
    await session.refresh(invoice)
    await _finish(
        session,
        client,
        actor,
        "invoice.sent",
        {
            "contract_id": contract.id,
            "invoice": invoice.number,
            "amount": f"{invoice.amount:.2f}",
            "due_date": invoice.due_date.isoformat(),
            "support_message_id": posted.support_message_id,
        },
    )
    count_on_commit(session, INVOICES)
    return invoice, contract
