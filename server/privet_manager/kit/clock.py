"""Time as the business sees it: stored in UTC, shown and dated in Moscow."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

MOSCOW = ZoneInfo("Europe/Moscow")


def today_moscow() -> date:
    """The calendar day in Moscow (passport ages, invoice due dates, document years)."""
    return datetime.now(UTC).astimezone(MOSCOW).date()
