from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from privet_manager.billing.models import PaymentMethod
from privet_manager.clients.models import ClientStatus, WizardStep
from privet_manager.kit.money import Money, MoneyIn


class ConfirmPayment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: MoneyIn
    method: PaymentMethod
    reference: str = Field(default="", max_length=255)


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    contract_number: str = ""
    amount: Money
    method: PaymentMethod
    reference: str
    created_at: datetime


class InvoiceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    contract_number: str = ""
    amount: Money
    due_date: date
    support_message_id: int | None
    created_at: datetime


class PaymentResult(BaseModel):
    payment: PaymentOut
    client_status: ClientStatus
    current_step: WizardStep
    client_version: int


class InvoiceResult(BaseModel):
    invoice: InvoiceOut
    client_status: ClientStatus
    current_step: WizardStep
    client_version: int
