"""Money on the wire: a decimal string with two places ("1490.00"), never a float."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, Field, PlainSerializer

Money = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.2f}", return_type=str)]


def _no_float(value: object) -> object:
    # A JSON number with a fraction arrives as a binary float: refuse it rather than guess.
    if isinstance(value, float):
        raise ValueError('Сумма передаётся строкой, например "1490.00"')
    return value


MoneyIn = Annotated[
    Decimal,
    BeforeValidator(_no_float),
    Field(
        ge=0,
        le=Decimal("9999999999.99"),
        max_digits=12,
        decimal_places=2,
        description='Decimal string, e.g. "1490.00"',
    ),
]
