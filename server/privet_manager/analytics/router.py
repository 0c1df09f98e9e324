"""`GET /analytics/funnel` and `GET /analytics/managers` (role admin; a manager gets 403)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from privet_manager.analytics import service
from privet_manager.analytics.schemas import Funnel, ManagerTable
from privet_manager.auth.deps import admin_manager
from privet_manager.kit.clock import FromDay, ToDay
from privet_manager.kit.db import SessionDep
from privet_manager.kit.errors import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/analytics",
    tags=["analytics"],
    responses=PROBLEM_RESPONSES,
    dependencies=[Depends(admin_manager)],
)


@router.get("/funnel")
async def funnel(
    session: SessionDep,
    date_from: FromDay = None,
    date_to: ToDay = None,
    manager_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Funnel:
    """Clients per stage (new → claimed → contract generated → signed → processed) in the
    period, conversions, median and 90th percentile time between stages, OTP failures and
    lockouts, payments by method, invoices still open or overdue. Days are Moscow days; without
    `from`/`to` the period is the last 30 days up to today."""
    return await service.funnel(session, service.window(date_from, date_to), manager_id)


@router.get("/managers")
async def managers(
    session: SessionDep, date_from: FromDay = None, date_to: ToDay = None
) -> ManagerTable:
    """Per manager: clients claimed, contracts generated, signed, processed, OTP failures,
    lockouts, and the median time of each wizard step, in the period."""
    return await service.managers(session, service.window(date_from, date_to))
