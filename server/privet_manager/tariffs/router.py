"""Tariffs: the catalogue and applying one to a client (the admin's editing: admin/)."""

from __future__ import annotations

from fastapi import APIRouter

from privet_manager.auth.deps import CurrentActor, CurrentManager
from privet_manager.clients.deps import ClientForWrite
from privet_manager.kit.db import SessionDep
from privet_manager.kit.errors import PROBLEM_RESPONSES
from privet_manager.tariffs import repository, service
from privet_manager.tariffs.schemas import (
    AppliedTariffOut,
    ApplyTariff,
    ClientTariffOut,
    TariffList,
    TariffOut,
)

router = APIRouter(tags=["tariffs"], responses=PROBLEM_RESPONSES)


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
