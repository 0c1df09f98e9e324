"""The statements behind the figures, over a period of Moscow days: the funnel's facts
(analytics/models.py FunnelFact, kept by PostgreSQL from the activity log and the contract
rows), the activity log's OTP entries, payments and invoices.

A stage's event, per client, is its first one in the period:
- new: the client row arrived (`manager_clients.created_at`);
- claimed: `client.claimed` in the activity log (by the manager who claimed);
- contract generated / signed: the contract row's `created_at` / `signed_at` (by the
  manager who generated / signed it);
- processed: `client.processed`, `payment.confirmed` or `invoice.sent` in the log.
With a manager, stages after «new» count that manager's events; «new» stays the pool
every manager draws from.

Each statement is built once per shape and compiled once for psycopg (kit/rawsql.py): the
period's bounds, the manager and today are its parameters (`PARAMS`), so a request costs
PostgreSQL's work and no SQLAlchemy compilation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    bindparam,
    column,
    func,
    literal,
    null,
    or_,
    select,
    table,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import array as pg_array
from sqlalchemy.types import BigInteger, Date, DateTime, Integer

from privet_manager.activity.models import ActivityEntry
from privet_manager.analytics.models import FunnelFact
from privet_manager.auth.models import Manager
from privet_manager.billing.models import Invoice, Payment
from privet_manager.clients.models import Client
from privet_manager.kit.clock import moscow_days
from privet_manager.kit.rawsql import RawSelect

CLAIMED = "client.claimed"
PROCESSED = ("client.processed", "payment.confirmed", "invoice.sent")
OTP_FAILED = ("contract.otp_failed", "contract.otp_locked")  # the fifth wrong code locks
LOCKED = "contract.otp_locked"
# Wizard step n runs from the action that starts it to the one that ends it (the facts of
# kind "step<n>": migration 0013 keeps the same list).
STEP_BOUNDS = (
    (1, CLAIMED, "profile.updated"),
    (2, "profile.updated", "passport.updated"),
    (3, "passport.updated", "tariff.applied"),
    (4, "tariff.applied", "contract.signed"),
)
# The funnel's stages after «new» as the facts name them.
STAGE_KINDS = {
    "claimed": "claimed",
    "contract_generated": "generated",
    "signed": "signed",
    "processed": "processed",
}
STEP_KINDS = {f"step{n}": n for n, _, _ in STEP_BOUNDS}
PARAMS = ("first", "last", "start", "end", "manager_id", "today")

A = ActivityEntry
F = FunnelFact
FIRST = bindparam("first", type_=Date)
LAST = bindparam("last", type_=Date)
START = bindparam("start", type_=DateTime(timezone=True))
END = bindparam("end", type_=DateTime(timezone=True))
MANAGER = bindparam("manager_id", type_=Integer)
TODAY = bindparam("today", type_=Date)
QUANTILES = ARRAY(Float)


@dataclass(frozen=True)
class Window:
    """Moscow days `first`..`last`, both included; [start, end) in UTC."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return moscow_days(self.first, self.last)[0]

    @property
    def end(self) -> datetime:
        return moscow_days(self.first, self.last)[1]

    def params(self, manager_id: int | None = None, today: date | None = None) -> dict[str, Any]:
        start, end = moscow_days(self.first, self.last)
        return {
            "first": self.first,
            "last": self.last,
            "start": start,
            "end": end,
            "manager_id": manager_id,
            "today": today,
        }


def _holds(column: Any) -> ColumnElement[bool]:
    return (column >= START) & (column < END)


def _facts(kind: str, mine: bool, first: bool, prev: Any = None) -> list[ColumnElement[bool]]:
    """Facts of `kind` in the period; `mine`: the manager's only; `first`: each client's
    first one there (by anyone, or by the manager with `mine`; `prev` says which)."""
    where = [F.kind == kind, F.day >= FIRST, F.day <= LAST]
    if mine:
        where.append(F.manager_id == MANAGER)
    if first:
        if prev is None:
            prev = F.prev_mine_day if mine else F.prev_day
        where.append(or_(prev.is_(None), prev < FIRST))
    return where


def _median_p90(s: Any) -> Any:
    """[median, p90] of `s` in one sort (two percentile_cont calls sort twice)."""
    return func.percentile_cont(pg_array([0.5, 0.9]), type_=QUANTILES).within_group(s)


def stages_statement(mine: bool) -> Select[*tuple[Any, ...]]:
    """The funnel: (kind, Moscow day, clients, None) for every stage and day with events,
    and (kind, None, clients, [median, p90] seconds) for the time to each stage after
    «new», measured to the client's first event of the stage (for a signature: every
    contract signed in the period, from its generation). Each part reads one kind's days
    in index order."""
    no_day, no_spread = null().cast(Date), null().cast(QUANTILES)
    new_day = func.date(func.timezone("Europe/Moscow", Client.created_at))
    parts: list[Any] = [
        select(literal("new"), new_day, func.count(), no_spread)
        .where(_holds(Client.created_at))
        .group_by(new_day)
    ]
    for kind in STAGE_KINDS.values():
        parts.append(
            select(literal(kind), F.day, func.count(), no_spread)
            .where(*_facts(kind, mine, first=True))
            .group_by(F.day)
        )
        parts.append(
            select(literal(kind), no_day, func.count(F.seconds), _median_p90(F.seconds)).where(
                *_facts(kind, mine, first=kind != "signed")
            )
        )
    return union_all(*parts).subquery("stages").select()


def _mine(column: Any, mine: bool) -> list[Any]:
    return [column == MANAGER] if mine else []


def otp_statement(mine: bool) -> Select[*tuple[Any, ...]]:
    return select(
        func.count().filter(A.action.in_(OTP_FAILED)),
        func.count().filter(A.action == LOCKED),
    ).where(A.action.in_(OTP_FAILED), _holds(A.created_at), *_mine(A.manager_id, mine))


def payments_statement(mine: bool) -> Select[*tuple[Any, ...]]:
    return (
        select(Payment.method, func.count(), func.coalesce(func.sum(Payment.amount), 0))
        .where(_holds(Payment.created_at), *_mine(Payment.manager_id, mine))
        .group_by(Payment.method)
        .order_by(Payment.method)
    )


def invoices_statement(mine: bool) -> Select[*tuple[Any, ...]]:
    """Invoices sent in the period with no payment of their contract yet."""
    unpaid = ~select(Payment.id).where(Payment.contract_id == Invoice.contract_id).exists()
    overdue = Invoice.due_date < TODAY
    return select(
        func.count(),
        func.coalesce(func.sum(Invoice.amount), 0),
        func.count().filter(overdue),
        func.coalesce(func.sum(Invoice.amount).filter(overdue), 0),
    ).where(_holds(Invoice.created_at), unpaid, *_mine(Invoice.manager_id, mine))


def per_manager_statement() -> Select[*tuple[Any, ...]]:
    """(manager_id, figure, value) rows: clients per stage (each manager's first event of
    the kind in the period: one per client) and OTP entries per manager."""
    parts: list[Any] = [
        select(F.manager_id, literal(kind), func.count())
        .where(*_facts(kind, False, first=True, prev=F.prev_mine_day), F.manager_id.is_not(None))
        .group_by(F.manager_id)
        for kind in STAGE_KINDS.values()
    ]
    parts.append(
        select(A.manager_id, literal("otp_failures"), func.count())
        .where(_holds(A.created_at), A.action.in_(OTP_FAILED), A.manager_id.is_not(None))
        .group_by(A.manager_id)
    )
    parts.append(
        select(A.manager_id, literal("lockouts"), func.count())
        .where(_holds(A.created_at), A.action == LOCKED, A.manager_id.is_not(None))
        .group_by(A.manager_id)
    )
    return union_all(*parts).subquery("figures").select()


def step_times_statement() -> Select[*tuple[Any, ...]]:
    """(manager_id, step kind, clients, median seconds): each step a client finished in the
    period (its first ending action there by that manager), from the latest action that
    started it."""
    s = F.seconds
    return (
        union_all(
            *(
                select(
                    F.manager_id,
                    literal(kind),
                    func.count(s),
                    func.percentile_cont(0.5).within_group(s),
                )
                .where(
                    *_facts(kind, False, first=True, prev=F.prev_mine_day),
                    F.manager_id.is_not(None),
                )
                .group_by(F.manager_id)
                for kind in STEP_KINDS
            )
        )
        .subquery("steps")
        .select()
    )


def managers_statement() -> Select[*tuple[Any, ...]]:
    return select(Manager.id, Manager.name, Manager.is_active).order_by(Manager.name, Manager.id)


# The data's state as the figures see it (migration 0017; not a model, see there): every
# change that can move a figure moves it, in the same transaction.
REVISION = RawSelect(
    select(table("manager_analytics_revision", column("revision", BigInteger)).c.revision)
)


def _compiled(statement: Select[*tuple[Any, ...]]) -> RawSelect:
    # Planned for each period's own bounds (a day and a year want different plans).
    return RawSelect(statement, *PARAMS, prepare=False)


@cache
def funnel_queries(mine: bool) -> tuple[RawSelect, ...]:
    """stages, otp, payments, invoices: compiled once per (with a manager or not)."""
    return tuple(
        _compiled(build(mine))
        for build in (
            stages_statement,
            otp_statement,
            payments_statement,
            invoices_statement,
        )
    )


@cache
def manager_queries() -> tuple[RawSelect, ...]:
    """per-manager figures, step times, the managers: compiled once."""
    return tuple(
        _compiled(build())
        for build in (per_manager_statement, step_times_statement, managers_statement)
    )
