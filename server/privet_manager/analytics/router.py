"""`GET /analytics/funnel` and `GET /analytics/managers` (role admin; a manager gets 403)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from privet_manager.analytics import service
from privet_manager.analytics.schemas import Funnel, ManagerTable
from privet_manager.auth.deps import admin_manager
from privet_manager.kit.clock import FIRST_DAY, LAST_DAY
from privet_manager.kit.db import SessionDep
from privet_manager.kit.errors import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/analytics",
    tags=["analytics"],
    responses=PROBLEM_RESPONSES,
    dependencies=[Depends(admin_manager)],
)

From = Annotated[
    date | None,
    Query(
        alias="from",
        ge=FIRST_DAY,
        le=LAST_DAY,
        description="First Moscow day (default: 29 days before `to`)",
    ),
]
To = Annotated[
    date | None,
    Query(alias="to", ge=FIRST_DAY, le=LAST_DAY, description="Last Moscow day (default: today)"),
]


@router.get("/funnel")
async def funnel(
    session: SessionDep,
    date_from: From = None,
    date_to: To = None,
    manager_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Funnel:
    """Clients per stage (new → claimed → contract generated → signed → processed) in the
    period, conversions, median and 90th percentile time between stages, OTP failures and
    lockouts, payments by method, invoices still open or overdue. Days are Moscow days."""
    return await service.funnel(session, service.window(date_from, date_to), manager_id)


@router.get("/managers")
async def managers(session: SessionDep, date_from: From = None, date_to: To = None) -> ManagerTable:
    """Per manager: clients claimed, contracts generated, signed, processed, OTP failures,
    lockouts, and the median time of each wizard step, in the period."""
    return await service.managers(session, service.window(date_from, date_to))
