"""The client card's tariff, contract, payment and invoice sections."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.billing.models import Invoice, Payment
from privet_manager.clients.card import card_section
from privet_manager.clients.models import Client
from privet_manager.contracts.models import Contract
from privet_manager.contracts.views import contract_out
from privet_manager.tariffs.router import client_tariff_out
from privet_manager.tariffs.service import get_client_tariff


@card_section
async def contract_sections(session: AsyncSession, client: Client) -> dict[str, object]:
    fixed = await get_client_tariff(session, client.id)
    # The latest contract with its payment and invoice: one round trip.
    contract, payment, invoice = (
        await session.execute(
            select(Contract, Payment, Invoice)
            .outerjoin(Payment, Payment.contract_id == Contract.id)
            .outerjoin(Invoice, Invoice.contract_id == Contract.id)
            .where(Contract.client_id == client.id)
            .order_by(Contract.id.desc())
            .limit(1)
        )
    ).one_or_none() or (None, None, None)
    return {
        "tariff": (client_tariff_out(fixed, client).model_dump(mode="json") if fixed else None),
        "contract": (await contract_out(contract)).model_dump(mode="json") if contract else None,
        "payment": (
            {
                "id": payment.id,
                "amount": f"{payment.amount:.2f}",
                "method": payment.method,
                "reference": payment.reference,
                "created_at": payment.created_at.isoformat(),
            }
            if payment
            else None
        ),
        "invoice": (
            {
                "id": invoice.id,
                "number": invoice.number,
                "amount": f"{invoice.amount:.2f}",
                "due_date": invoice.due_date.isoformat(),
                "support_message_id": invoice.support_message_id,
                "created_at": invoice.created_at.isoformat(),
            }
            if invoice
            else None
        ),
    }
