"""The figures on the wire. Durations in seconds; money as decimal strings."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel

from privet_manager.billing.models import PaymentMethod
from privet_manager.kit.money import Money


class Stage(StrEnum):
    """The funnel, in order: arrived in «Новые», claimed, contract generated, signed,
    processed."""

    new = "new"
    claimed = "claimed"
    contract_generated = "contract_generated"
    signed = "signed"
    processed = "processed"


class Period(BaseModel):
    """Moscow calendar days, both ends included."""

    date_from: date
    date_to: date


class StageFigure(BaseModel):
    stage: Stage
    clients: int
    # clients / the previous stage's clients (None for the first stage or after a zero)
    conversion: float | None


class Transition(BaseModel):
    """Time from one stage to the next, for the clients that reached the next one in the
    period (each measured from its own previous stage)."""

    from_stage: Stage
    to_stage: Stage
    clients: int
    median_seconds: float | None
    p90_seconds: float | None


class DayFigures(BaseModel):
    date: date
    new: int
    claimed: int
    contract_generated: int
    signed: int
    processed: int


class OtpFigures(BaseModel):
    failures: int
    lockouts: int


class PaymentFigure(BaseModel):
    method: PaymentMethod
    count: int
    amount: Money


class InvoiceFigures(BaseModel):
    """Invoices sent in the period and still unpaid; overdue ones are past their due date."""

    open: int
    open_amount: Money
    overdue: int
    overdue_amount: Money


class Funnel(BaseModel):
    period: Period
    manager_id: int | None
    stages: list[StageFigure]
    transitions: list[Transition]
    days: list[DayFigures]
    otp: OtpFigures
    payments: list[PaymentFigure]
    invoices: InvoiceFigures


class StepTime(BaseModel):
    """Median time of one wizard step (1 profile, 2 passport, 3 devices, 4 tariff, contract
    and code), for steps finished in the period."""

    step: int
    clients: int
    median_seconds: float | None


class ManagerFigures(BaseModel):
    manager_id: int
    name: str
    is_active: bool
    claimed: int
    contracts_generated: int
    signed: int
    processed: int
    otp_failures: int
    lockouts: int
    steps: list[StepTime]


class ManagerTable(BaseModel):
    period: Period
    items: list[ManagerFigures]
