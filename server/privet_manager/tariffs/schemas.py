from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from privet_manager.clients.models import WizardStep
from privet_manager.devices.models import DeviceKind
from privet_manager.kit.money import Money, MoneyIn

Multiplier = Annotated[Decimal, Field(gt=0, le=100, decimal_places=2)]


class TariffTerms(BaseModel):
    """What a tariff charges (the tariff now, or one of its versions)."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    description: str
    base_price: Money
    included_devices: int
    extra_device_price: Money
    kind_multipliers: dict[str, str]
    is_active: bool
    period_months: int = Field(description="Subscription term the contract states, in months")


class TariffOut(TariffTerms):
    code: str
    version: int


class TariffList(BaseModel):
    items: list[TariffOut]


class TariffVersionOut(TariffTerms):
    """One version of a tariff's terms (models.TariffVersion)."""

    version: int
    created_at: datetime
    created_by_manager_id: int | None


class TariffVersionList(BaseModel):
    code: str
    items: list[TariffVersionOut]


def _check_kinds(v: dict[str, Decimal] | None) -> dict[str, Decimal] | None:
    if v is not None:
        unknown = sorted(set(v) - set(DeviceKind))
        if unknown:
            raise ValueError("Неизвестный вид устройства: " + ", ".join(unknown))
    return v


class TariffCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=2, max_length=32, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str = Field(min_length=1, max_length=128)
    description: str = Field(default="", max_length=2000)
    base_price: MoneyIn
    included_devices: int = Field(ge=0, le=100)
    extra_device_price: MoneyIn
    kind_multipliers: dict[str, Multiplier] = Field(default_factory=dict)
    is_active: bool = True
    period_months: int | None = Field(
        default=None, ge=1, le=120, description="Months; DEFAULT_TARIFF_PERIOD_MONTHS if omitted"
    )

    _kinds = field_validator("kind_multipliers")(_check_kinds)


class TariffUpdate(BaseModel):
    """Any subset of fields; `is_active: false` retires a tariff (it stays on old contracts)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=128)
    description: str | None = Field(default=None, max_length=2000)
    base_price: MoneyIn | None = None
    included_devices: int | None = Field(default=None, ge=0, le=100)
    extra_device_price: MoneyIn | None = None
    kind_multipliers: dict[str, Multiplier] | None = None
    is_active: bool | None = None
    period_months: int | None = Field(default=None, ge=1, le=120)

    _kinds = field_validator("kind_multipliers")(_check_kinds)


class ApplyTariff(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tariff_code: str = Field(min_length=1, max_length=32)


class BreakdownLineOut(BaseModel):
    label: str
    amount: Money
    device_id: int | None = None


class ClientTariffOut(BaseModel):
    """The calculation fixed for a client (models.ClientTariff)."""

    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    tariff_code: str
    tariff_name: str
    tariff_version: int | None = Field(
        default=None, description="The tariff's version the calculation was made with"
    )
    device_count: int
    base: Money
    devices_part: Money
    total: Money
    already_paid: Money
    surcharge: Money
    breakdown: list[BreakdownLineOut] = Field(validation_alias="lines")
    period_months: int | None = Field(
        default=None,
        description="The subscription term the total is for, in months (null: fixed before "
        "tariffs had a term)",
    )
    applied_at: datetime = Field(validation_alias="updated_at")


class AppliedTariffOut(ClientTariffOut):
    """What applying a tariff returns: the calculation and the client's new state."""

    current_step: WizardStep
    client_version: int
