"""Tariffs: the catalogue, applying one to a client, and the admin's catalogue editing."""

from __future__ import annotations

from fastapi import APIRouter, Path

from privet_manager.auth.deps import AdminManager, CurrentActor, CurrentManager
from privet_manager.clients.deps import ClientForWrite
from privet_manager.kit.db import SessionDep
from privet_manager.kit.errors import PROBLEM_RESPONSES
from privet_manager.tariffs import repository, service
from privet_manager.tariffs.errors import TariffNotFound
from privet_manager.tariffs.schemas import (
    AppliedTariffOut,
    ApplyTariff,
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


@router.get("/tariffs")
async def list_tariffs(session: SessionDep, manager: CurrentManager) -> TariffList:
    """Active tariffs, cheapest first."""
    tariffs = await repository.catalogue(session, active_only=True)
    return TariffList(items=[TariffOut.model_validate(t) for t in tariffs])


@router.post("/clients/{client_id}/tariff/apply")
async def apply_tariff(
    body: ApplyTariff, client: ClientForWrite, session: SessionDep, actor: CurrentActor
) -> AppliedTariffOut:
    """Step 4: price the client's devices under the tariff and fix the result on the client."""
    fixed = await service.apply_tariff(session, client, body.tariff_code, actor)
    return AppliedTariffOut(
        **ClientTariffOut.model_validate(fixed).model_dump(),
        current_step=client.current_step,
        client_version=client.version,
    )


@admin_router.get("")
async def list_all_tariffs(session: SessionDep, admin: AdminManager) -> TariffList:
    """Every tariff, retired ones included."""
    tariffs = await repository.catalogue(session, active_only=False)
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
    tariff = await repository.by_code(session, code)
    if tariff is None:
        raise TariffNotFound()
    tariff = await service.update_tariff(session, tariff, body)
    return TariffOut.model_validate(tariff)
