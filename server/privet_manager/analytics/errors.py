"""What the analytics refuse."""

from __future__ import annotations

from privet_manager.kit.errors import Unprocessable


class BadPeriod(Unprocessable):
    code = "bad_period"
    detail = "Неверный период"
    default_loc = ("query", "from")
