"""`GET /analytics/funnel` and `GET /analytics/managers` (role admin; a manager gets 403)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from privet_manager.analytics import service
from privet_manager.analytics.schemas import Funnel, ManagerTable
from privet_manager.auth.deps import ReadAs
from privet_manager.kit.clock import FromDay, ToDay, today_moscow
from privet_manager.kit.errors import PROBLEM_RESPONSES
from privet_manager.kit.responses import JSONBytes

router = APIRouter(prefix="/analytics", tags=["analytics"], responses=PROBLEM_RESPONSES)


def _sent(answer: service.Answer) -> JSONBytes:
    # RFC 9211: whether this process's cache of computed answers had it (bench, debugging).
    status = "privet-analytics; hit" if answer.hit else "privet-analytics; fwd=miss; stored"
    return JSONBytes(answer.body, headers={"Cache-Status": status})


@router.get("/funnel", response_model=Funnel, response_class=JSONBytes)
async def funnel(
    reader: ReadAs,
    date_from: FromDay = None,
    date_to: ToDay = None,
    manager_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> JSONBytes:
    """Clients per stage (new → claimed → contract generated → signed → processed) in the
    period, conversions, median and 90th percentile time between stages, OTP failures and
    lockouts, payments by method, invoices still open or overdue. Days are Moscow days; without
    `from`/`to` the period is the last 30 days up to today."""
    return _sent(await service.funnel(reader, date_from, date_to, manager_id, today_moscow()))


@router.get("/managers", response_model=ManagerTable, response_class=JSONBytes)
async def managers(reader: ReadAs, date_from: FromDay = None, date_to: ToDay = None) -> JSONBytes:
    """Per manager: clients claimed, contracts generated, signed, processed, OTP failures,
    lockouts, and the median time of each wizard step, in the period."""
    return _sent(await service.managers(reader, date_from, date_to, today_moscow()))
