"""The client card's tariff, contract, payment and invoice sections."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased

from privet_manager.billing.models import Invoice, Payment
from privet_manager.clients.card import card_section
from privet_manager.clients.models import Client
from privet_manager.contracts.models import Contract
from privet_manager.contracts.views import contract_out
from privet_manager.tariffs.models import ClientTariff
from privet_manager.tariffs.router import client_tariff_out

# The fixed tariff and the latest contract with its payment and invoice (each at most one row:
# unique on the client or on the contract), sent in the card's round trip.
_earlier = aliased(Contract)
_SECTIONS = (
    select(ClientTariff, Contract, Payment, Invoice)
    .select_from(Client)
    .outerjoin(ClientTariff, ClientTariff.client_id == Client.id)
    .outerjoin(
        Contract,
        Contract.id
        == select(func.max(_earlier.id))
        .where(_earlier.client_id == bindparam("client_id"))
        .scalar_subquery(),
    )
    .outerjoin(Payment, Payment.contract_id == Contract.id)
    .outerjoin(Invoice, Invoice.contract_id == Contract.id)
    .where(Client.id == bindparam("client_id"))
)


@card_section(_SECTIONS)
async def contract_sections(rows: list[tuple[Any, ...]], client: Client) -> dict[str, object]:
    fixed, contract, payment, invoice = rows[0] if rows else (None, None, None, None)
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
