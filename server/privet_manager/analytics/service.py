"""The funnel and the per-manager table, assembled from the statements in queries.py, and
served from the exact cache (analytics/cache.py) while the analytics revision stays."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

import psycopg
from pydantic import BaseModel

from privet_manager.analytics import queries
from privet_manager.analytics.cache import ResultCache
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
from privet_manager.auth.deps import LiveReader
from privet_manager.auth.errors import AdminOnly
from privet_manager.kit.rawsql import RawSelect

# This process's answers (each process keeps its own: the revision keeps them all exact).
CACHE = ResultCache()

MAX_DAYS = 366
DEFAULT_DAYS = 30
STAGES = list(Stage)


def window(date_from: date | None, date_to: date | None, today: date) -> Window:
    """The period asked for: by default the last 30 Moscow days up to today; at most a year."""
    last = date_to or today
    first = date_from or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise BadPeriod("Начало периода позже его конца", loc=("query", "from"))
    if (last - first).days >= MAX_DAYS:
        raise BadPeriod("Период не длиннее года", loc=("query", "from"))
    return Window(first, last)


def _ratio(n: int, of: int) -> float | None:
    return round(n / of, 4) if of else None


@dataclass(frozen=True)
class Answer:
    """An answer's encoded JSON, and whether the cache had it."""

    body: bytes
    hit: bool


async def _revision(
    reader: LiveReader, date_from: date | None, date_to: date | None, today: date
) -> tuple[int | None, Window]:
    """The caller's session checked (an admin's) and the analytics revision, in one round
    trip, then the period asked. The revision is None if its row is missing (an emptied
    table): then nothing names the data's state, and nothing is kept."""
    (rows,) = await reader.fetch((queries.REVISION, {}))
    if not reader.manager.is_admin:
        raise AdminOnly()
    return (rows[0][0] if rows else None), window(date_from, date_to, today)


async def _answer(
    reader: LiveReader,
    revision: int | None,
    key: Hashable,
    statements: tuple[RawSelect, ...],
    params: dict[str, Any],
    assemble: Callable[[list[list[tuple[Any, ...]]]], BaseModel],
) -> Answer:
    """The cached answer if `revision` (read before) is still the one it was computed at,
    else the figures computed now (one more round trip) and kept under `revision`."""
    if revision is not None and (body := CACHE.get(key, revision)) is not None:
        return Answer(body, hit=True)
    results = await run_statements(reader.conn, statements, params)
    body = assemble(results).model_dump_json().encode()
    if revision is not None:
        CACHE.put(key, revision, body)
    return Answer(body, hit=False)


async def run_statements(
    conn: psycopg.AsyncConnection[Any], statements: tuple[RawSelect, ...], params: dict[str, Any]
) -> list[list[tuple[Any, ...]]]:
    """The figures' statements on an autocommit connection: one round trip, one transaction,
    each statement in one process (parallel workers cost more to start than they save on a
    few thousand index entries, and take cores the other requests need)."""
    cursors = [conn.cursor() for _ in statements]
    async with conn.pipeline():
        await conn.execute("BEGIN")
        await conn.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        for cursor, statement in zip(cursors, statements, strict=True):
            await cursor.execute(statement.sql, params, prepare=statement.prepare)
        await conn.execute("COMMIT")
    results = []
    for cursor, statement in zip(cursors, statements, strict=True):
        results.append(statement.hydrate_all(await cursor.fetchall()))
        await cursor.close()
    return results


async def funnel(
    reader: LiveReader,
    date_from: date | None,
    date_to: date | None,
    manager_id: int | None,
    today: date,
) -> Answer:
    """The funnel for the period asked, as JSON (schemas.Funnel)."""
    revision, w = await _revision(reader, date_from, date_to, today)
    return await _answer(
        reader,
        revision,
        ("funnel", w, manager_id, today),
        queries.funnel_queries(manager_id is not None),
        w.params(manager_id, today),
        lambda rows: funnel_figures(rows, w, manager_id),
    )


async def managers(
    reader: LiveReader, date_from: date | None, date_to: date | None, today: date
) -> Answer:
    """The per-manager table for the period asked, as JSON (schemas.ManagerTable)."""
    revision, w = await _revision(reader, date_from, date_to, today)
    return await _answer(
        reader,
        revision,
        ("managers", w, today),
        queries.manager_queries(),
        w.params(),
        lambda rows: manager_figures(rows, w),
    )


def funnel_figures(rows: list[list[tuple[Any, ...]]], w: Window, manager_id: int | None) -> Funnel:
    """Clients per stage in the period, conversions, time between stages, OTP failures,
    payments by method and the invoices still open."""
    stage_rows, otp, payment_rows, invoice_rows = rows
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


def manager_figures(rows: list[list[tuple[Any, ...]]], w: Window) -> ManagerTable:
    """Every manager (disabled ones with figures in the period too), with their counts and
    the median time of each wizard step."""
    figure_rows, step_rows, people = rows
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
