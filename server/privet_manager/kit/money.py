"""Money on the wire: a decimal string with two places ("1490.00"), never a float."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

# num2words, not our own table of numerals: Russian case and gender agreement
# (одна тысяча, две тысячи) is exactly what a hand-written one gets wrong.
from num2words import num2words
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


# Documents: «45 000,00 руб.» (a no-break space between thousands and before «руб.», so a
# sum never breaks across lines) and the same sum in words.
NBSP = "\u00a0"


def format_rub(value: Decimal | str) -> str:
    """Money as contracts print it: «45 000,00 руб.»."""
    amount = Decimal(value).quantize(Decimal("0.01"))
    whole, _, cents = f"{amount:,.2f}".partition(".")
    return f"{whole.replace(',', NBSP)},{cents}{NBSP}руб."


def _plural(n: int, one: str, few: str, many: str) -> str:
    """Russian noun form for a count: 1 рубль, 2 рубля, 5 рублей (11-14: рублей)."""
    if n % 100 in (11, 12, 13, 14):
        return many
    return {1: one, 2: few, 3: few, 4: few}.get(n % 10, many)


def rub_in_words(value: Decimal | str) -> str:
    """«девятьсот девяносто рублей 00 копеек»: rubles in words, kopecks in figures, as
    contracts write a sum."""
    amount = Decimal(value).quantize(Decimal("0.01"))
    rubles = int(amount)
    kopecks = int((amount - rubles) * 100)
    words = num2words(rubles, lang="ru")
    return (
        f"{words} {_plural(rubles, 'рубль', 'рубля', 'рублей')} "
        f"{kopecks:02d} {_plural(kopecks, 'копейка', 'копейки', 'копеек')}"
    )
