"""Time as the business sees it: stored in UTC, shown and dated in Moscow."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Query

MOSCOW = ZoneInfo("Europe/Moscow")


def today_moscow() -> date:
    """The calendar day in Moscow (passport ages, invoice due dates, document years)."""
    return datetime.now(UTC).astimezone(MOSCOW).date()


def moscow_time(moment: datetime) -> str:
    """A moment as the contract and its seal's stamp print it: «01.12.2026 20:15:03 МСК (UTC+3)»."""
    return moment.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M:%S МСК (UTC+3)")


def moscow_days(first: date, last: date) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the Moscow calendar days `first`..`last`, both included."""
    start = datetime.combine(first, time(), MOSCOW).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), MOSCOW).astimezone(UTC)
    return start, end


# The days a period in a query may name: the company's history and its foreseeable future.
# Beyond them date arithmetic overflows (a day before 0001-01-01 or after 9999-12-31) and
# no figure exists anyway, so such a query is refused with 422 instead.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)


# A period's ends as query parameters (`?from=&to=`, Moscow days, both included): one
# definition for every route that takes a period, so all of them refuse the same days.
FromDay = Annotated[
    date | None,
    Query(alias="from", ge=FIRST_DAY, le=LAST_DAY, description="First Moscow day of the period"),
]
ToDay = Annotated[
    date | None,
    Query(alias="to", ge=FIRST_DAY, le=LAST_DAY, description="Last Moscow day of the period"),
]
