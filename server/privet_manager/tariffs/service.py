"""The tariff catalogue and applying a tariff to a client (wizard step 4)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.activity import service as activity
from privet_manager.auth.actor import Actor
from privet_manager.clients.models import LOCKED_STATUSES, Client, WizardStep
from privet_manager.clients.service import contract_data_changed, touch
from privet_manager.devices import repository as devices_repo
from privet_manager.devices.models import ManagerDevice
from privet_manager.events.service import publish
from privet_manager.settings import get_settings
from privet_manager.tariffs import repository
from privet_manager.tariffs.calc import (
    ZERO,
    DeviceLine,
    TariffCalculation,
    TariffTerms,
    calculate,
)
from privet_manager.tariffs.errors import NoDevices, TariffExists, TariffLocked, TariffNotFound
from privet_manager.tariffs.models import ClientTariff, Tariff, TariffVersion
from privet_manager.tariffs.schemas import TariffCreate, TariffUpdate

DEFAULT_TARIFFS: list[dict[str, Any]] = [
    {
        "code": "basic",
        "name": "Базовый",
        "description": "Обслуживание одного устройства: диагностика, профилактика, ремонт.",
        "base_price": Decimal("490.00"),
        "included_devices": 1,
        "extra_device_price": Decimal("290.00"),
        "kind_multipliers": {"laptop": "1.50", "computer": "1.50", "tv": "1.30"},
    },
    {
        "code": "family",
        "name": "Семейный",
        "description": "До трёх устройств семьи; технику дороже смартфона — с коэффициентом.",
        "base_price": Decimal("990.00"),
        "included_devices": 3,
        "extra_device_price": Decimal("250.00"),
        "kind_multipliers": {"laptop": "1.40", "computer": "1.40", "tv": "1.20"},
    },
    {
        "code": "premium",
        "name": "Премиум",
        "description": "До пяти устройств любого вида, выезд мастера в день обращения.",
        "base_price": Decimal("1990.00"),
        "included_devices": 5,
        "extra_device_price": Decimal("200.00"),
        "kind_multipliers": {},
    },
]

# What the client already pays in Привет Супер. No shared table records it, so it is zero
# until such a source exists; the calculation and the stored breakdown already carry it.
ALREADY_PAID_DEFAULT = ZERO


def terms_of(tariff: Tariff) -> TariffTerms:
    return TariffTerms(
        code=tariff.code,
        name=tariff.name,
        base_price=tariff.base_price,
        included_devices=tariff.included_devices,
        extra_device_price=tariff.extra_device_price,
        kind_multipliers={k: Decimal(v) for k, v in (tariff.kind_multipliers or {}).items()},
    )


# What a version row does not copy from its tariff: its own keys and bookkeeping. Every
# other column of manager_tariff_versions is a term the tariff has under the same name, so a
# term added to both tables is kept per version without a second list to forget it in.
_NOT_TERMS = frozenset({"id", "tariff_id", "version", "created_by_manager_id", "created_at"})
VERSIONED_TERMS = tuple(c.key for c in TariffVersion.__table__.columns if c.key not in _NOT_TERMS)


def version_row(tariff: Tariff, manager_id: int | None) -> TariffVersion:
    """The row that keeps the tariff's terms as they are now, as its current version."""
    return TariffVersion(
        tariff_id=tariff.id,
        version=tariff.version,
        created_by_manager_id=manager_id,
        **{name: getattr(tariff, name) for name in VERSIONED_TERMS},
    )


async def create_tariff(
    session: AsyncSession, data: TariffCreate, manager_id: int | None = None
) -> Tariff:
    """A new tariff, at version 1."""
    if await repository.by_code(session, data.code):
        raise TariffExists()
    values = data.model_dump()
    values["kind_multipliers"] = _multipliers(data.kind_multipliers)
    values["period_months"] = data.period_months or get_settings().default_tariff_period_months
    tariff = Tariff(**values, version=1)
    session.add(tariff)
    await session.flush()
    session.add(version_row(tariff, manager_id))
    await session.flush()
    return tariff


async def update_tariff(
    session: AsyncSession, tariff: Tariff, data: TariffUpdate, manager_id: int | None = None
) -> Tariff:
    """Change or retire a tariff: a change of any term makes a new version (an edit that
    changes nothing makes none). Calculations already fixed on clients keep their figures
    and the version they name; a retired tariff leaves step 4 but stays on old contracts."""
    changes = {}
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is None:
            continue
        if name == "kind_multipliers":
            value = _multipliers(value)
        if getattr(tariff, name) != value:
            changes[name] = value
    if not changes:
        return tariff
    if not await repository.versions(session, tariff.id):
        session.add(version_row(tariff, None))  # a row written before versions existed
    for name, value in changes.items():
        setattr(tariff, name, value)
    tariff.version += 1
    await session.flush()
    session.add(version_row(tariff, manager_id))
    await session.flush()
    return tariff


def _multipliers(values: dict[str, Decimal]) -> dict[str, str]:
    return {k: f"{v:.2f}" for k, v in sorted(values.items())}


async def seed_default_tariffs(session: AsyncSession) -> int:
    """Create the default catalogue; existing codes are left as they are. Returns how many
    were created."""
    created = 0
    for data in DEFAULT_TARIFFS:
        if await repository.by_code(session, data["code"]) is None:
            period = get_settings().default_tariff_period_months
            tariff = Tariff(**{"period_months": period, **data}, version=1)
            session.add(tariff)
            await session.flush()
            session.add(version_row(tariff, None))
            created += 1
    await session.flush()
    return created


def device_lines(devices: list[ManagerDevice]) -> list[DeviceLine]:
    return [DeviceLine(id=d.id, kind=d.kind, title=f"{d.brand} {d.model}") for d in devices]


def breakdown_json(
    calc: TariffCalculation, tariff: Tariff, device_ids: list[int]
) -> dict[str, Any]:
    return {
        "lines": [
            {"label": line.label, "amount": f"{line.amount:.2f}", "device_id": line.device_id}
            for line in calc.lines
        ],
        "device_ids": sorted(device_ids),
        "tariff": {
            "code": tariff.code,
            "version": tariff.version,
            "name": tariff.name,
            "base_price": f"{tariff.base_price:.2f}",
            "included_devices": tariff.included_devices,
            "extra_device_price": f"{tariff.extra_device_price:.2f}",
            "kind_multipliers": dict(tariff.kind_multipliers or {}),
            "period_months": tariff.period_months,
        },
    }


async def apply_tariff(
    session: AsyncSession, client: Client, code: str, actor: Actor
) -> ClientTariff:
    """Compute the tariff for the client's current devices and fix it on the client.

    An unsigned contract becomes void: it states the old figures."""
    await touch(session, client)  # locks the client row until commit
    if client.status in LOCKED_STATUSES:
        raise TariffLocked()
    tariff = await repository.by_code(session, code)
    if tariff is None or not tariff.is_active:
        raise TariffNotFound(loc=("body", "tariff_code"))
    devices = await devices_repo.client_devices(session, client.id)
    if not devices:
        raise NoDevices()
    calc = calculate(device_lines(devices), terms_of(tariff), ALREADY_PAID_DEFAULT)
    fixed = await repository.client_tariff(session, client.id)
    if fixed is None:
        fixed = ClientTariff(client_id=client.id)
        session.add(fixed)
    fixed.tariff_id = tariff.id
    fixed.tariff_code = tariff.code
    fixed.tariff_name = tariff.name
    fixed.tariff_version = tariff.version
    fixed.device_count = len(devices)
    fixed.base = calc.base
    fixed.devices_part = calc.devices_part
    fixed.total = calc.total
    fixed.already_paid = calc.already_paid
    fixed.surcharge = calc.surcharge
    fixed.breakdown = breakdown_json(calc, tariff, [d.id for d in devices])
    fixed.applied_by_manager_id = actor.manager_id

    await contract_data_changed(session, client)
    client.current_step = WizardStep.contract
    await session.flush()
    await session.refresh(fixed)
    await activity.record(
        session,
        client.id,
        "tariff.applied",
        actor,
        {"tariff_code": tariff.code, "total": calc.total, "surcharge": calc.surcharge},
    )
    await publish(
        session, "client.updated", client.id, status=client.status, version=client.version
    )
    return fixed
