"""The statements behind the figures: events of the activity log and the contract rows,
counted and measured by PostgreSQL over a period of Moscow days.

A stage's event, per client, is its first one in the period:
- new: the client row arrived (`manager_clients.created_at`);
- claimed: `client.claimed` in the activity log (by the manager who claimed);
- contract generated / signed: the contract row's `created_at` / `signed_at` (by the
  manager who generated / signed it);
- processed: `client.processed`, `payment.confirmed` or `invoice.sent` in the log.
With a manager, stages after «new» count that manager's events; «new» stays the pool
every manager draws from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    and_,
    cast,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from privet_manager.activity.models import ActivityEntry
from privet_manager.billing.models import Invoice, Payment
from privet_manager.clients.models import Client
from privet_manager.contracts.models import Contract
from privet_manager.kit.clock import moscow_days

CLAIMED = "client.claimed"
PROCESSED = ("client.processed", "payment.confirmed", "invoice.sent")
OTP_FAILED = ("contract.otp_failed", "contract.otp_locked")  # the fifth wrong code locks
LOCKED = "contract.otp_locked"
# Wizard step n runs from the action that starts it to the one that ends it.
STEP_BOUNDS = (
    (1, CLAIMED, "profile.updated"),
    (2, "profile.updated", "passport.updated"),
    (3, "passport.updated", "tariff.applied"),
    (4, "tariff.applied", "contract.signed"),
)

A = ActivityEntry
K = Contract


@dataclass(frozen=True)
class Window:
    """[start, end) in UTC for Moscow days `first`..`last`, both included."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return moscow_days(self.first, self.last)[0]

    @property
    def end(self) -> datetime:
        return moscow_days(self.first, self.last)[1]

    def holds(self, column: Any) -> ColumnElement[bool]:
        return and_(column >= self.start, column < self.end)


def _first(client: Any, at: Any, by: Any, w: Window, manager_id: int | None, *where: Any) -> Any:
    conditions = [w.holds(at), *where]
    if manager_id is not None:
        conditions.append(by == manager_id)
    return (
        select(client.label("client_id"), func.min(at).label("at"))
        .where(*conditions)
        .group_by(client)
    )


def stage_events(w: Window, manager_id: int | None) -> dict[str, Select[Any]]:
    """Per stage: (client_id, at) of each client's first event of it in the window."""
    return {
        "new": select(Client.id.label("client_id"), Client.created_at.label("at")).where(
            w.holds(Client.created_at)
        ),
        "claimed": _first(
            A.client_id, A.created_at, A.manager_id, w, manager_id, A.action == CLAIMED
        ),
        "contract_generated": _first(
            K.client_id, K.created_at, K.generated_by_manager_id, w, manager_id
        ),
        "signed": _first(K.client_id, K.signed_at, K.signed_by_manager_id, w, manager_id),
        "processed": _first(
            A.client_id, A.created_at, A.manager_id, w, manager_id, A.action.in_(PROCESSED)
        ),
    }


def days_statement(w: Window, manager_id: int | None) -> Any:
    """(stage, Moscow day, clients) for every stage and day with events."""
    parts = []
    for stage, events in stage_events(w, manager_id).items():
        sub = events.subquery(stage)
        day = func.date(func.timezone("Europe/Moscow", sub.c.at))
        parts.append(
            select(literal(stage).label("stage"), day.label("day"), func.count().label("n"))
            .select_from(sub)
            .group_by(day)
        )
    return union_all(*parts).subquery("days").select()


def _seconds(delta: Any) -> Any:
    return cast(func.extract("epoch", delta), Float)


def _spread(name: str, delta: Any, source: Any, *where: Any) -> Any:
    """(name, clients, median, p90) of `delta` in seconds over the rows of `source` (each
    delta computed once, in a subquery, then aggregated)."""
    # OFFSET 0 keeps PostgreSQL from flattening the subquery (which would run each delta's
    # lookups once per aggregate).
    inner = (
        select(_seconds(delta).label("s"))
        .select_from(source)
        .where(*where)
        .offset(0)
        .subquery(name)
    )
    return select(
        literal(name).label("name"),
        func.count(inner.c.s).label("n"),
        func.percentile_cont(0.5).within_group(inner.c.s).label("median"),
        func.percentile_cont(0.9).within_group(inner.c.s).label("p90"),
    )


def _latest(a: Any, client_id: Any, action: str, before: Any) -> Any:
    """When the client's latest `action` at or before `before` happened. Walks the client's
    own chain (the (client_id, seq) index, a handful of rows), not the log of every client
    that did `action` (what max(created_at) would read the (action, created_at) index for)."""
    return (
        select(a.created_at)
        .where(a.client_id == client_id, a.action == action, a.created_at <= before)
        .order_by(a.seq.desc())
        .limit(1)
        .scalar_subquery()
    )


def transitions_statement(w: Window, manager_id: int | None) -> Any:
    """(name, clients, median, p90 seconds) for each step of the funnel."""
    events = stage_events(w, manager_id)
    claimed = events["claimed"].subquery("claimed")
    generated = events["contract_generated"].subquery("generated")
    processed = events["processed"].subquery("processed")
    a2, k2 = aliased(ActivityEntry), aliased(Contract)
    last_claim = _latest(a2, generated.c.client_id, CLAIMED, generated.c.at)
    arrived = select(Client.created_at).where(Client.id == claimed.c.client_id).scalar_subquery()
    last_signed = (
        select(func.max(k2.signed_at))
        .where(k2.client_id == processed.c.client_id, k2.signed_at <= processed.c.at)
        .scalar_subquery()
    )
    signed_rows = [w.holds(K.signed_at)]
    if manager_id is not None:
        signed_rows.append(K.signed_by_manager_id == manager_id)
    return union_all(
        _spread("new>claimed", claimed.c.at - arrived, claimed),
        _spread("claimed>contract_generated", generated.c.at - last_claim, generated),
        _spread("contract_generated>signed", K.signed_at - K.created_at, K, *signed_rows),
        _spread("signed>processed", processed.c.at - last_signed, processed),
    )


def _mine(column: Any, manager_id: int | None) -> list[Any]:
    return [] if manager_id is None else [column == manager_id]


def otp_statement(w: Window, manager_id: int | None) -> Any:
    return select(
        func.count().filter(A.action.in_(OTP_FAILED)),
        func.count().filter(A.action == LOCKED),
    ).where(A.action.in_(OTP_FAILED), w.holds(A.created_at), *_mine(A.manager_id, manager_id))


def payments_statement(w: Window, manager_id: int | None) -> Any:
    return (
        select(Payment.method, func.count(), func.coalesce(func.sum(Payment.amount), 0))
        .where(w.holds(Payment.created_at), *_mine(Payment.manager_id, manager_id))
        .group_by(Payment.method)
        .order_by(Payment.method)
    )


def invoices_statement(w: Window, manager_id: int | None, today: date) -> Any:
    """Invoices sent in the window with no payment of their contract yet."""
    unpaid = ~select(Payment.id).where(Payment.contract_id == Invoice.contract_id).exists()
    overdue = Invoice.due_date < today
    return select(
        func.count(),
        func.coalesce(func.sum(Invoice.amount), 0),
        func.count().filter(overdue),
        func.coalesce(func.sum(Invoice.amount).filter(overdue), 0),
    ).where(w.holds(Invoice.created_at), unpaid, *_mine(Invoice.manager_id, manager_id))


def per_manager_statement(w: Window) -> Any:
    """(manager_id, figure, value) rows: counts of each kind of event per manager."""

    def count(name: str, by: Any, client: Any, at: Any, *where: Any) -> Any:
        return (
            select(by.label("manager_id"), literal(name).label("figure"))
            .add_columns(func.count(func.distinct(client)).label("value"))
            .where(w.holds(at), by.is_not(None), *where)
            .group_by(by)
        )

    return (
        union_all(
            count("claimed", A.manager_id, A.client_id, A.created_at, A.action == CLAIMED),
            count("contracts_generated", K.generated_by_manager_id, K.client_id, K.created_at),
            count("signed", K.signed_by_manager_id, K.client_id, K.signed_at),
            count("processed", A.manager_id, A.client_id, A.created_at, A.action.in_(PROCESSED)),
            select(A.manager_id, literal("otp_failures"), func.count())
            .where(w.holds(A.created_at), A.action.in_(OTP_FAILED), A.manager_id.is_not(None))
            .group_by(A.manager_id),
            select(A.manager_id, literal("lockouts"), func.count())
            .where(w.holds(A.created_at), A.action == LOCKED, A.manager_id.is_not(None))
            .group_by(A.manager_id),
        )
        .subquery("figures")
        .select()
    )


def step_times_statement(w: Window) -> Any:
    """(manager_id, step, clients, median seconds): each step a client finished in the
    window (its first ending action there), from the latest action that started it."""
    parts = []
    for step, start, end in STEP_BOUNDS:
        ends = (
            select(
                A.client_id.label("client_id"),
                A.manager_id.label("manager_id"),
                func.min(A.created_at).label("at"),
            )
            .where(A.action == end, w.holds(A.created_at), A.manager_id.is_not(None))
            .group_by(A.client_id, A.manager_id)
            .subquery(f"ends{step}")
        )
        began = _latest(aliased(ActivityEntry), ends.c.client_id, start, ends.c.at)
        inner = (
            select(ends.c.manager_id, _seconds(ends.c.at - began).label("s"))
            .offset(0)  # see _spread
            .subquery(f"step{step}")
        )
        parts.append(
            select(
                inner.c.manager_id,
                literal(step).label("step"),
                func.count(inner.c.s).label("n"),
                func.percentile_cont(0.5).within_group(inner.c.s).label("median"),
            ).group_by(inner.c.manager_id)
        )
    return union_all(*parts)
