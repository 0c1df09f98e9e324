"""Payments and invoices → wire models (step 6's answers and the card share them)."""

from __future__ import annotations

from privet_manager.billing.models import Invoice, Payment
from privet_manager.billing.schemas import InvoiceOut, PaymentOut


def payment_out(payment: Payment, contract_number: str) -> PaymentOut:
    out = PaymentOut.model_validate(payment)
    out.contract_number = contract_number
    return out


def invoice_out(invoice: Invoice, contract_number: str) -> InvoiceOut:
    out = InvoiceOut.model_validate(invoice)
    out.contract_number = contract_number
    return out
