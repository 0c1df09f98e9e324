"""Tariffs: the catalogue, applying one to a client, and the admin's catalogue editing."""

from __future__ import annotations

from fastapi import APIRouter, Path, Request
from sqlalchemy import select

from privet_manager.auth.deps import AdminManager, CurrentManager
from privet_manager.clients.deps import ClientForWrite
from privet_manager.clients.models import Client
from privet_manager.kit.db import SessionDep
from privet_manager.kit.errors import PROBLEM_RESPONSES, NotFound
from privet_manager.tariffs import service
from privet_manager.tariffs.models import ClientTariff, Tariff
from privet_manager.tariffs.schemas import (
    ApplyTariff,
    BreakdownLineOut,
    ClientTariffOut,
    TariffCreate,
    TariffList,
    TariffOut,
    TariffUpdate,
)

router = APIRouter(tags=["tariffs"], responses=PROBLEM_RESPONSES)
admin_router = APIRouter(
    prefix="/admin/tariffs", tags=["admin-tariffs"], responses=PROBLEM_RESPONSES
)


def client_tariff_out(fixed: ClientTariff, client: Client) -> ClientTariffOut:
    return ClientTariffOut(
        tariff_code=fixed.tariff_code,
        tariff_name=fixed.tariff_name,
        device_count=fixed.device_count,
        base=fixed.base,
        devices_part=fixed.devices_part,
        total=fixed.total,
        already_paid=fixed.already_paid,
        surcharge=fixed.surcharge,
        breakdown=[BreakdownLineOut.model_validate(x) for x in fixed.breakdown["lines"]],
        applied_at=fixed.updated_at,
        current_step=client.current_step,
        client_version=client.version,
    )


@router.get("/tariffs")
async def list_tariffs(session: SessionDep, manager: CurrentManager) -> TariffList:
    """Active tariffs, cheapest first."""
    tariffs = await service.list_tariffs(session, active_only=True)
    return TariffList(items=[TariffOut.model_validate(t) for t in tariffs])


@router.post("/clients/{client_id}/tariff/apply")
async def apply_tariff(
    body: ApplyTariff,
    client: ClientForWrite,
    session: SessionDep,
    manager: CurrentManager,
    request: Request,
) -> ClientTariffOut:
    """Step 4: price the client's devices under the tariff and fix the result on the client."""
    fixed = await service.apply_tariff(session, client, body.tariff_code, manager, request)
    return client_tariff_out(fixed, client)


@admin_router.get("")
async def list_all_tariffs(session: SessionDep, admin: AdminManager) -> TariffList:
    """Every tariff, retired ones included."""
    tariffs = await service.list_tariffs(session, active_only=False)
    return TariffList(items=[TariffOut.model_validate(t) for t in tariffs])


@admin_router.post("", status_code=201)
async def create_tariff(body: TariffCreate, session: SessionDep, admin: AdminManager) -> TariffOut:
    tariff = await service.create_tariff(session, body)
    return TariffOut.model_validate(tariff)


@admin_router.patch("/{code}")
async def update_tariff(
    body: TariffUpdate,
    session: SessionDep,
    admin: AdminManager,
    code: str = Path(max_length=32),
) -> TariffOut:
    """Change a tariff, or retire it with `is_active: false`."""
    tariff = await session.scalar(select(Tariff).where(Tariff.code == code))
    if tariff is None:
        raise NotFound("Тариф не найден", code="tariff_not_found")
    tariff = await service.update_tariff(session, tariff, body)
    return TariffOut.model_validate(tariff)
