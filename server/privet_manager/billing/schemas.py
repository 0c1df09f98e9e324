from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from privet_manager.tariffs.schemas import Money, MoneyIn


class ConfirmPayment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: MoneyIn
    method: Literal["cash", "card", "transfer"]
    reference: str = Field(default="", max_length=255)


class PaymentOut(BaseModel):
    id: int
    contract_number: str
    amount: Money
    method: str
    reference: str
    created_at: datetime


class InvoiceOut(BaseModel):
    id: int
    number: str
    contract_number: str
    amount: Money
    due_date: date
    support_message_id: int | None
    created_at: datetime


class PaymentResult(BaseModel):
    payment: PaymentOut
    client_status: str
    current_step: str
    client_version: int


class InvoiceResult(BaseModel):
    invoice: InvoiceOut
    client_status: str
    current_step: str
    client_version: int
