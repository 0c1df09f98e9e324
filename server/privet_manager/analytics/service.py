"""The funnel and the per-manager table, assembled from the statements in queries.py."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

import psycopg
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
from privet_manager.kit.clock import today_moscow
from privet_manager.kit.rawsql import RawSelect, run_pipelined

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


async def _run(
    session: AsyncSession, queries_: tuple[RawSelect, ...], params: dict[str, Any]
) -> list[list[tuple[Any, ...]]]:
    """The statements on the session's own connection, in one round trip, each in one
    process: parallel workers cost more to start than they save on a few thousand index
    entries, and take cores the other requests need."""
    conn = await session.connection()
    raw = (await conn.get_raw_connection()).driver_connection
    assert isinstance(raw, psycopg.AsyncConnection)
    await raw.execute("SET LOCAL max_parallel_workers_per_gather = 0")
    return await run_pipelined(raw, [(q, params) for q in queries_])


async def funnel(session: AsyncSession, w: Window, manager_id: int | None) -> Funnel:
    """Clients per stage in the period, conversions, time between stages, OTP failures,
    payments by method and the invoices still open."""
    stage_rows, otp, payment_rows, invoice_rows = await _run(
        session,
        queries.funnel_queries(manager_id is not None),
        w.params(manager_id, today_moscow()),
    )
    stage_of = {"new": Stage.new} | {k: Stage(s) for s, k in queries.STAGE_KINDS.items()}
    by_day: dict[date, dict[str, int]] = {}
    totals = dict.fromkeys(STAGES, 0)
    spreads: dict[Stage, tuple[int, float | None, float | None]] = {}
    for kind, day, n, quantiles in stage_rows:
        stage = stage_of[kind]
        if day is None:  # the time to the stage
            spreads[stage] = (n, *(quantiles or (None, None)))
            continue
        by_day.setdefault(day, {})[stage.value] = n
        totals[stage] += n
    stages = [
        StageFigure(
            stage=s,
            clients=totals[s],
            conversion=None if i == 0 else _ratio(totals[s], totals[STAGES[i - 1]]),
        )
        for i, s in enumerate(STAGES)
    ]
    transitions = []
    for before, after in pairwise(STAGES):
        n, median, p90 = spreads.get(after, (0, None, None))
        transitions.append(
            Transition(
                from_stage=before,
                to_stage=after,
                clients=n,
                median_seconds=median,
                p90_seconds=p90,
            )
        )
    ((failures, lockouts),) = otp
    payments = [
        PaymentFigure(method=method, count=n, amount=Decimal(amount))
        for method, n, amount in payment_rows
    ]
    ((n_open, open_amount, n_overdue, overdue_amount),) = invoice_rows
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
# The per-manager figures counted from the funnel's facts, by the facts' kind.
STAGE_FIGURES = {
    "claimed": "claimed",
    "contracts_generated": "generated",
    "signed": "signed",
    "processed": "processed",
}


async def managers(session: AsyncSession, w: Window) -> ManagerTable:
    """Every manager (disabled ones with figures in the period too), with their counts and
    the median time of each wizard step."""
    figure_rows, step_rows, people = await _run(session, queries.manager_queries(), w.params())
    name_of = {k: s for s, k in STAGE_FIGURES.items()}
    figures: dict[int, dict[str, int]] = {}
    for manager_id, figure, value in figure_rows:
        figures.setdefault(manager_id, {})[name_of.get(figure, figure)] = value
    steps: dict[int, dict[int, tuple[int, float | None]]] = {}
    for manager_id, kind, n, median in step_rows:
        steps.setdefault(manager_id, {})[queries.STEP_KINDS[kind]] = (n, median)
    items = []
    for m_id, m_name, m_active in people:
        if not m_active and m_id not in figures and m_id not in steps:
            continue
        mine = figures.get(m_id, {})
        times = steps.get(m_id, {})
        items.append(
            ManagerFigures(
                manager_id=m_id,
                name=m_name,
                is_active=m_active,
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
