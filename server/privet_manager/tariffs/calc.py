"""The tariff calculation: a pure function of the client's devices and the tariff.

Rules: the base price covers `included_devices` devices; every further device costs
`extra_device_price` times its kind's multiplier. The devices covered by the base price are
the dearest ones (highest multiplier first), which is the client's best case and makes the
total monotonic: adding a device never lowers it. Every line is rounded to kopecks
(ROUND_HALF_UP) before summing, so the total always equals the sum of the printed lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from privet_manager.devices.models import KIND_LABELS

KOPECK = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(KOPECK, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class TariffTerms:
    code: str
    name: str
    base_price: Decimal
    included_devices: int
    extra_device_price: Decimal
    kind_multipliers: Mapping[str, Decimal] = field(default_factory=dict)

    def multiplier(self, kind: str) -> Decimal:
        return self.kind_multipliers.get(kind, Decimal(1))


@dataclass(frozen=True)
class DeviceLine:
    id: int
    kind: str
    title: str  # brand + model


@dataclass(frozen=True)
class BreakdownLine:
    label: str
    amount: Decimal
    device_id: int | None = None


@dataclass(frozen=True)
class TariffCalculation:
    base: Decimal
    devices_part: Decimal
    total: Decimal
    already_paid: Decimal
    surcharge: Decimal
    lines: tuple[BreakdownLine, ...]


def calculate(
    devices: Sequence[DeviceLine], tariff: TariffTerms, already_paid: Decimal = ZERO
) -> TariffCalculation:
    """Price the devices under the tariff; the surcharge is what is left after
    `already_paid` and is never negative."""
    if tariff.included_devices < 0:
        raise ValueError("included_devices must not be negative")
    paid = money(already_paid)
    if paid < 0:
        raise ValueError("already_paid must not be negative")
    base = money(tariff.base_price)
    # Dearest first; ties by id so that the same input always gives the same lines.
    ordered = sorted(devices, key=lambda d: (-tariff.multiplier(d.kind), d.id))
    lines = [
        BreakdownLine(
            f"Тариф «{tariff.name}»: абонентская плата "
            f"(включено устройств: {tariff.included_devices})",
            base,
        )
    ]
    devices_part = ZERO
    for index, device in enumerate(ordered):
        kind = KIND_LABELS.get(device.kind, device.kind)
        if index < tariff.included_devices:
            lines.append(BreakdownLine(f"{kind} {device.title}: включено в тариф", ZERO, device.id))
            continue
        mult = tariff.multiplier(device.kind)
        amount = money(tariff.extra_device_price * mult)
        # Labels carry no sums: the amount column is the one place money is printed, in the
        # screen's or the document's format («1 490,00 ₽», «1 490,00 руб.»).
        suffix = "" if mult == 1 else f" (коэффициент {mult.normalize():f})".replace(".", ",")
        label = f"{kind} {device.title}: дополнительное устройство{suffix}"
        lines.append(BreakdownLine(label, amount, device.id))
        devices_part += amount
    total = base + devices_part
    return TariffCalculation(
        base=base,
        devices_part=devices_part,
        total=total,
        already_paid=paid,
        surcharge=max(ZERO, total - paid),
        lines=tuple(lines),
    )
