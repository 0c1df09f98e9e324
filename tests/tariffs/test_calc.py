"""The tariff calculation: exact figures and properties over generated inputs."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from privet_manager.devices.models import DeviceKind
from privet_manager.tariffs.calc import DeviceLine, TariffTerms, calculate, money

FAMILY = TariffTerms(
    code="family",
    name="Семейный",
    base_price=Decimal("990.00"),
    included_devices=2,
    extra_device_price=Decimal("250.00"),
    kind_multipliers={"laptop": Decimal("1.40"), "tv": Decimal("1.25")},
)


def dev(i: int, kind: str) -> DeviceLine:
    return DeviceLine(id=i, kind=kind, title=f"Модель {i}")


def test_dearest_devices_are_included_and_the_rest_priced_by_kind() -> None:
    calc = calculate([dev(1, "phone"), dev(2, "laptop"), dev(3, "tv"), dev(4, "phone")], FAMILY)
    # laptop (1.40) and tv (1.25) ride on the base price; two phones cost 250 each.
    assert calc.base == Decimal("990.00")
    assert calc.devices_part == Decimal("500.00")
    assert calc.total == Decimal("1490.00")
    assert calc.surcharge == Decimal("1490.00")
    included = [line.device_id for line in calc.lines if line.amount == 0]
    assert included == [2, 3]
    assert str(calc.total) == "1490.00"


def test_labels_carry_no_sums_and_write_the_multiplier_with_a_comma() -> None:
    calc = calculate([dev(1, "laptop"), dev(2, "tv"), dev(3, "laptop"), dev(4, "phone")], FAMILY)
    labels = [line.label for line in calc.lines]
    assert labels[3:] == [
        "Телевизор Модель 2: дополнительное устройство (коэффициент 1,25)",
        "Смартфон Модель 4: дополнительное устройство",
    ]
    # Money is printed once per line, in the amount column (screen and document format it).
    assert not [label for label in labels if "250" in label or "." in label]


def test_rounding_is_half_up_to_kopecks() -> None:
    terms = TariffTerms("x", "X", Decimal("0"), 0, Decimal("0.05"), {"tv": Decimal("1.5")})
    calc = calculate([dev(1, "tv")], terms)
    assert calc.total == Decimal("0.08")  # 0.075 -> 0.08, not banker's 0.08/0.07


def test_already_paid_reduces_the_surcharge_but_never_below_zero() -> None:
    devices = [dev(1, "phone")]
    assert calculate(devices, FAMILY, Decimal("300")).surcharge == Decimal("690.00")
    assert calculate(devices, FAMILY, Decimal("5000")).surcharge == Decimal("0.00")


money_st = st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False)
mult_st = st.decimals(min_value=Decimal("0.01"), max_value=10, places=2, allow_nan=False)
terms_st = st.builds(
    TariffTerms,
    code=st.just("t"),
    name=st.just("Тариф"),
    base_price=money_st,
    included_devices=st.integers(0, 10),
    extra_device_price=money_st,
    kind_multipliers=st.dictionaries(
        st.sampled_from([k.value for k in DeviceKind]), mult_st, max_size=7
    ),
)
devices_st = st.lists(st.sampled_from([k.value for k in DeviceKind]), max_size=25).map(
    lambda kinds: [dev(i + 1, k) for i, k in enumerate(kinds)]
)


@settings(max_examples=300, deadline=None)
@given(devices=devices_st, terms=terms_st, paid=money_st)
def test_properties(devices: list[DeviceLine], terms: TariffTerms, paid: Decimal) -> None:
    calc = calculate(devices, terms, paid)
    # The printed lines add up to the total; every figure is in kopecks.
    assert sum((line.amount for line in calc.lines), Decimal(0)) == calc.total
    for value in (calc.base, calc.devices_part, calc.total, calc.surcharge, calc.already_paid):
        assert value == money(value)
    assert calc.total == calc.base + calc.devices_part
    assert calc.surcharge >= 0
    assert calc.surcharge == max(Decimal(0), calc.total - calc.already_paid)
    assert calc.surcharge <= calc.total
    # One line per device plus the base line; included devices cost nothing.
    assert len(calc.lines) == len(devices) + 1
    assert sum(1 for line in calc.lines[1:] if line.amount == 0) >= min(
        len(devices), terms.included_devices
    )
    if len(devices) <= terms.included_devices:
        assert calc.total == money(terms.base_price)


@settings(max_examples=200, deadline=None)
@given(
    devices=devices_st,
    extra=st.sampled_from([k.value for k in DeviceKind]),
    terms=terms_st,
    paid=money_st,
)
def test_adding_a_device_never_lowers_total_or_surcharge(
    devices: list[DeviceLine], extra: str, terms: TariffTerms, paid: Decimal
) -> None:
    before = calculate(devices, terms, paid)
    after = calculate([*devices, dev(len(devices) + 1, extra)], terms, paid)
    assert after.total >= before.total
    assert after.surcharge >= before.surcharge


@settings(max_examples=100, deadline=None)
@given(devices=devices_st, terms=terms_st)
def test_order_of_devices_does_not_change_the_figures(
    devices: list[DeviceLine], terms: TariffTerms
) -> None:
    a = calculate(devices, terms)
    b = calculate(list(reversed(devices)), terms)
    assert (a.total, a.devices_part) == (b.total, b.devices_part)
