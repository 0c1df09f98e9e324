"""The funnel and the per-manager table, assembled from the statements in queries.py."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.analytics import queries
from privet_manager.analytics.errors import BadPeriod
from privet_manager.analytics.queries import Window
from privet_manager.analytics.schemas import (
    DayFigures,
    Funnel,
    InvoiceFigures,
    ManagerFigures,
    ManagerTable,
    OtpFigures,
    PaymentFigure,
    Period,
    Stage,
    StageFigure,
    StepTime,
    Transition,
)
from privet_manager.auth.models import Manager
from privet_manager.kit.clock import today_moscow

MAX_DAYS = 366
DEFAULT_DAYS = 30
STAGES = list(Stage)


def window(date_from: date | None, date_to: date | None) -> Window:
    """The period asked for: by default the last 30 Moscow days up to today; at most a year."""
    last = date_to or today_moscow()
    first = date_from or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise BadPeriod("Начало периода позже его конца", loc=("query", "from"))
    if (last - first).days >= MAX_DAYS:
        raise BadPeriod("Период не длиннее года", loc=("query", "from"))
    return Window(first, last)


def _ratio(n: int, of: int) -> float | None:
    return round(n / of, 4) if of else None


async def funnel(session: AsyncSession, w: Window, manager_id: int | None) -> Funnel:
    """Clients per stage in the period, conversions, time between stages, OTP failures,
    payments by method and the invoices still open."""
    by_day: dict[date, dict[str, int]] = {}
    totals = dict.fromkeys(STAGES, 0)
    for stage, day, n in await session.execute(queries.days_statement(w, manager_id)):
        by_day.setdefault(day, {})[stage] = n
        totals[Stage(stage)] += n
    stages = [
        StageFigure(
            stage=s,
            clients=totals[s],
            conversion=None if i == 0 else _ratio(totals[s], totals[STAGES[i - 1]]),
        )
        for i, s in enumerate(STAGES)
    ]
    spreads = {
        name: (n, median, p90)
        for name, n, median, p90 in await session.execute(
            queries.transitions_statement(w, manager_id)
        )
    }
    transitions = []
    for before, after in pairwise(STAGES):
        n, median, p90 = spreads.get(f"{before}>{after}", (0, None, None))
        transitions.append(
            Transition(
                from_stage=before,
                to_stage=after,
                clients=n,
                median_seconds=median,
                p90_seconds=p90,
            )
        )
    failures, lockouts = (await session.execute(queries.otp_statement(w, manager_id))).one()
    payments = [
        PaymentFigure(method=method, count=n, amount=Decimal(amount))
        for method, n, amount in await session.execute(queries.payments_statement(w, manager_id))
    ]
    n_open, open_amount, n_overdue, overdue_amount = (
        await session.execute(queries.invoices_statement(w, manager_id, today_moscow()))
    ).one()
    return Funnel(
        period=Period(date_from=w.first, date_to=w.last),
        manager_id=manager_id,
        stages=stages,
        transitions=transitions,
        days=[
            DayFigures(date=day, **{s.value: figures.get(s.value, 0) for s in STAGES})
            for day, figures in sorted(by_day.items())
        ],
        otp=OtpFigures(failures=failures, lockouts=lockouts),
        payments=payments,
        invoices=InvoiceFigures(
            open=n_open,
            open_amount=Decimal(open_amount),
            overdue=n_overdue,
            overdue_amount=Decimal(overdue_amount),
        ),
    )


FIGURES = ("claimed", "contracts_generated", "signed", "processed", "otp_failures", "lockouts")


async def managers(session: AsyncSession, w: Window) -> ManagerTable:
    """Every manager (disabled ones with figures in the period too), with their counts and
    the median time of each wizard step."""
    figures: dict[int, dict[str, int]] = {}
    for manager_id, figure, value in await session.execute(queries.per_manager_statement(w)):
        figures.setdefault(manager_id, {})[figure] = value
    steps: dict[int, dict[int, tuple[int, float | None]]] = {}
    for manager_id, step, n, median in await session.execute(queries.step_times_statement(w)):
        steps.setdefault(manager_id, {})[step] = (n, median)
    people = await session.scalars(select(Manager).order_by(Manager.name, Manager.id))
    items = []
    for m in people:
        if not m.is_active and m.id not in figures and m.id not in steps:
            continue
        mine = figures.get(m.id, {})
        times = steps.get(m.id, {})
        items.append(
            ManagerFigures(
                manager_id=m.id,
                name=m.name,
                is_active=m.is_active,
                **{f: mine.get(f, 0) for f in FIGURES},
                steps=[
                    StepTime(
                        step=step,
                        clients=times.get(step, (0, None))[0],
                        median_seconds=times.get(step, (0, None))[1],
                    )
                    for step, _, _ in queries.STEP_BOUNDS
                ],
            )
        )
    return ManagerTable(period=Period(date_from=w.first, date_to=w.last), items=items)
