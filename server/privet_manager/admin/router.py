"""The console's endpoints (role admin only: a manager gets 403 on every one of them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status
from sqlalchemy import select

from privet_manager.admin import assign, audit, registry, service
from privet_manager.admin.models import AuditAction, AuditTarget
from privet_manager.admin.schemas import (
    AssignClient,
    AuditPage,
    ManagerCreate,
    ManagerCreated,
    OneTimePassword,
    RegistryItem,
    RegistryPage,
)
from privet_manager.auth.deps import CurrentActor, admin_manager
from privet_manager.auth.models import Manager
from privet_manager.auth.schemas import ManagerOut, ManagerRef, ManagerUpdate
from privet_manager.clients.deps import ClientIdPath
from privet_manager.clients.schemas import ClientState
from privet_manager.clients.views import client_state
from privet_manager.contracts.models import ContractStatus
from privet_manager.contracts.schemas import VerifyOut
from privet_manager.kit.clock import FromDay, ToDay
from privet_manager.kit.db import SessionDep
from privet_manager.kit.errors import PROBLEM_RESPONSES
from privet_manager.tariffs import repository as tariffs_repo
from privet_manager.tariffs import service as tariffs
from privet_manager.tariffs.errors import TariffNotFound
from privet_manager.tariffs.schemas import (
    TariffCreate,
    TariffList,
    TariffOut,
    TariffUpdate,
    TariffVersionList,
    TariffVersionOut,
)

# The role is checked before anything in the path or body is looked at.
_ADMIN = [Depends(admin_manager)]
managers_router = APIRouter(
    prefix="/admin/managers", tags=["admin"], responses=PROBLEM_RESPONSES, dependencies=_ADMIN
)
tariffs_router = APIRouter(
    prefix="/admin/tariffs",
    tags=["admin-tariffs"],
    responses=PROBLEM_RESPONSES,
    dependencies=_ADMIN,
)
router = APIRouter(
    prefix="/admin", tags=["admin"], responses=PROBLEM_RESPONSES, dependencies=_ADMIN
)

ManagerIdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]


@managers_router.get("")
async def list_managers(session: SessionDep) -> list[ManagerOut]:
    rows = await session.scalars(select(Manager).order_by(Manager.id))
    return [ManagerOut.model_validate(m) for m in rows]


@managers_router.post("", status_code=status.HTTP_201_CREATED)
async def create_manager(
    body: ManagerCreate, actor: CurrentActor, session: SessionDep
) -> ManagerCreated:
    """Create a manager; without `password` the API makes one, answered here only."""
    manager, password = await service.create_manager(session, actor, body)
    return ManagerCreated(**ManagerOut.model_validate(manager).model_dump(), password=password)


@managers_router.patch("/{manager_id}")
async def update_manager(
    manager_id: ManagerIdPath, body: ManagerUpdate, actor: CurrentActor, session: SessionDep
) -> ManagerOut:
    """Rename, change role, disable/enable, set password. 409 `last_admin` when no active
    admin would remain; 403 `own_role` for one's own role."""
    manager = await service.update_manager(session, actor, manager_id, body)
    return ManagerOut.model_validate(manager)


@managers_router.post("/{manager_id}/reset-password")
async def reset_password(
    manager_id: ManagerIdPath, actor: CurrentActor, session: SessionDep
) -> OneTimePassword:
    """A new password made by the API, answered once; the manager's sessions end."""
    return OneTimePassword(password=await service.reset_password(session, actor, manager_id))


@tariffs_router.get("")
async def list_all_tariffs(session: SessionDep) -> TariffList:
    """Every tariff, retired ones included."""
    rows = await tariffs_repo.catalogue(session, active_only=False)
    return TariffList(items=[TariffOut.model_validate(t) for t in rows])


@tariffs_router.post("", status_code=201)
async def create_tariff(body: TariffCreate, actor: CurrentActor, session: SessionDep) -> TariffOut:
    tariff = await tariffs.create_tariff(session, body, actor.manager_id)
    await audit.record(session, actor, AuditAction.tariff_created, AuditTarget.tariff, tariff.code)
    return TariffOut.model_validate(tariff)


@tariffs_router.patch("/{code}")
async def update_tariff(
    body: TariffUpdate,
    actor: CurrentActor,
    session: SessionDep,
    code: str = Path(max_length=32),
) -> TariffOut:
    """Change a tariff, or retire it with `is_active: false`."""
    tariff = await tariffs_repo.by_code(session, code)
    if tariff is None:
        raise TariffNotFound()
    was_active, version = tariff.is_active, tariff.version
    tariff = await tariffs.update_tariff(session, tariff, body, actor.manager_id)
    action = (
        AuditAction.tariff_deactivated
        if was_active and not tariff.is_active
        else AuditAction.tariff_changed
    )
    if tariff.version != version:
        changes = body.model_dump(mode="json", exclude_unset=True)
        changes["version"] = tariff.version
        await audit.record(session, actor, action, AuditTarget.tariff, tariff.code, changes)
    return TariffOut.model_validate(tariff)


@tariffs_router.get("/{code}/versions")
async def list_tariff_versions(
    session: SessionDep, code: str = Path(max_length=32)
) -> TariffVersionList:
    """Every version of the tariff's terms, newest first."""
    tariff = await tariffs_repo.by_code(session, code)
    if tariff is None:
        raise TariffNotFound()
    rows = await tariffs_repo.versions(session, tariff.id)
    return TariffVersionList(
        code=tariff.code, items=[TariffVersionOut.model_validate(v) for v in rows]
    )


@router.post("/clients/{client_id}/assign")
async def assign_client(
    client_id: ClientIdPath, body: AssignClient, actor: CurrentActor, session: SessionDep
) -> ClientState:
    """Hand the client to another manager, or release it to «Новые» (`manager_id: null`).
    409 once the client has signed; the unsigned contract is voided; logged with the reason."""
    client = await assign.assign(session, actor, client_id, body)
    holder = None
    if client.assigned_manager_id is not None:
        manager = await session.get(Manager, client.assigned_manager_id)
        holder = ManagerRef.model_validate(manager) if manager else None
    return client_state(client, holder)


@router.get("/audit")
async def list_audit(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> AuditPage:
    """The admin audit log, newest first, paged by `cursor`."""
    return await audit.page(session, limit, cursor)


@router.get("/contracts")
async def list_contracts(
    session: SessionDep,
    q: Annotated[
        str | None,
        Query(max_length=100, description="Number (full or last digits), client name or phone"),
    ] = None,
    status: ContractStatus | None = None,
    date_from: FromDay = None,
    date_to: ToDay = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 30,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> RegistryPage:
    """The contract registry, newest first; the period is the Moscow days of generation."""
    return await registry.page(
        session,
        q=q,
        status=status,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
        cursor=cursor,
    )


ContractId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/contracts/{contract_id}")
async def get_contract(session: SessionDep, contract_id: ContractId) -> RegistryItem:
    """One contract: its client, holder and links to its PDF and signed copy."""
    return await registry.one(session, contract_id)


@router.get("/contracts/{contract_id}/verification")
async def get_contract_verification(session: SessionDep, contract_id: ContractId) -> VerifyOut:
    """One contract's verification: the stored PDFs re-read and hashed, the seal, the
    evidence HMAC and the client's activity chain (slower than the contract itself)."""
    return await registry.verification(session, contract_id)
