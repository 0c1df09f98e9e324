"""Sums as contracts print them: figures with a thousands separator, and words."""

from __future__ import annotations

from decimal import Decimal

import pytest
from privet_manager.kit.money import format_rub, rub_in_words
from privet_manager.signing.pdf.document import add_months, called, markdown_blocks, period_words

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "figures", "words"),
    [
        ("990.00", "990,00 руб.", "девятьсот девяносто рублей 00 копеек"),
        ("45000", "45 000,00 руб.", "сорок пять тысяч рублей 00 копеек"),
        ("1.01", "1,01 руб.", "один рубль 01 копейка"),
        ("2002.02", "2 002,02 руб.", "две тысячи два рубля 02 копейки"),
        ("21.11", "21,11 руб.", "двадцать один рубль 11 копеек"),
        (
            "1234567.50",
            "1 234 567,50 руб.",
            "один миллион двести тридцать четыре тысячи пятьсот шестьдесят семь рублей 50 копеек",
        ),
        ("0", "0,00 руб.", "ноль рублей 00 копеек"),
    ],
)
def test_figures_and_words(value: str, figures: str, words: str) -> None:
    assert format_rub(Decimal(value)) == figures.replace(" ", NBSP)
    assert rub_in_words(Decimal(value)) == words


def test_term_dates_and_words() -> None:
    from datetime import date

    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 12, 1), 12) == date(2027, 12, 1)
    assert period_words(12) == "12 (двенадцать) месяцев"
    assert period_words(1) == "1 (один) месяц"
    assert period_words(3) == "3 (три) месяца"


def test_how_the_client_is_called() -> None:
    assert called("Иванова Мария Петровна") == "именуемая"
    assert called("Петров Илья Кузьмич") == "именуемый"
    assert called("John Smith") == "именуемый (именуемая)"


def test_the_agreement_markdown_keeps_wrapped_items_whole() -> None:
    blocks = markdown_blocks(
        "# Заголовок\n\nВерсия 1.\n\n1. Первый пункт\n   продолжение.\n2. Второй.\n"
    )
    assert [(b.kind, b.number, b.text) for b in blocks] == [
        ("heading", "", "Заголовок"),
        ("paragraph", "", "Версия 1."),
        ("item", "1", "Первый пункт продолжение."),
        ("item", "2", "Второй."),
    ]
