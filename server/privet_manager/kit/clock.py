"""Time as the business sees it: stored in UTC, shown and dated in Moscow."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MOSCOW = ZoneInfo("Europe/Moscow")


def today_moscow() -> date:
    """The calendar day in Moscow (passport ages, invoice due dates, document years)."""
    return datetime.now(UTC).astimezone(MOSCOW).date()


def moscow_days(first: date, last: date) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the Moscow calendar days `first`..`last`, both included."""
    start = datetime.combine(first, time(), MOSCOW).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), MOSCOW).astimezone(UTC)
    return start, end
