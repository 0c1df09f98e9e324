"""Clients: the lists, claiming, and wizard steps 1 (profile) and 2 (passport)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.auth.deps import CurrentActor, ReadAs
from privet_manager.auth.schemas import ManagerRef
from privet_manager.clients import listing, service
from privet_manager.clients.deps import ClientForRead, ClientForWrite
from privet_manager.clients.models import Client
from privet_manager.clients.schemas import (
    ClientList,
    ClientListItem,
    ClientState,
    PassportIn,
    ProfileIn,
    Tab,
)
from privet_manager.clients.views import client_state, list_item
from privet_manager.kit.db import SessionDep
from privet_manager.kit.errors import PROBLEM_RESPONSES
from privet_manager.kit.idempotency import (
    IdempotencyKeyHeader,
    private_request_hash,
    request_hash,
    run_idempotent,
)
from privet_manager.kit.responses import JSONBytes
from privet_manager.settings import get_settings

router = APIRouter(prefix="/clients", tags=["clients"], responses=PROBLEM_RESPONSES)


async def holder_ref(session: AsyncSession, client: Client) -> ManagerRef | None:
    if client.assigned_manager_id is None:
        return None
    holder = await service.holder_of(session, client.id)
    return ManagerRef.model_validate(holder) if holder else None


async def _state(session: AsyncSession, client: Client) -> ClientState:
    await session.refresh(client)
    return client_state(client, await holder_ref(session, client))


@router.get("", response_model=ClientList, response_class=JSONBytes)
async def list_clients(
    reader: ReadAs,
    tab: Annotated[
        Tab | None,
        Query(description="Without it: `new`, or every client when searching with `q`"),
    ] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Name («ё» = «е»), email, phone, or a contract's number or last digits",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 30,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> JSONBytes:
    """One tab of clients, newest first; `q` finds by name, email, phone in any format, or
    contract number (`PM-2026-000123` or its last digits); without `tab` it searches every
    tab (each item carries its `status`)."""
    # The JSON comes from PostgreSQL in the shape of ClientList (tests hold it to the model).
    return JSONBytes(await listing.list_clients_json(reader, tab, q, limit, cursor))


@router.post("/{client_id}/claim", response_model=ClientListItem)
async def claim_client(
    client: ClientForRead, session: SessionDep, actor: CurrentActor
) -> ClientListItem:
    """Take the client into work; 409 naming the manager who already holds it."""
    await service.claim(session, client, actor)
    await session.refresh(client)
    return list_item(client, ManagerRef.model_validate(actor.manager))


# A step saved offline is sent again from the SPA's outbox until an answer arrives: with the
# same Idempotency-Key a retry whose first answer was lost replays it instead of a 409.
_REPLAYED: dict[int | str, dict[str, Any]] = {
    200: {"headers": {"Idempotent-Replayed": {"schema": {"type": "string"}}}}
}


@router.patch("/{client_id}/profile", response_model=ClientState, responses=_REPLAYED)
async def update_profile(
    body: ProfileIn,
    client: ClientForWrite,
    session: SessionDep,
    actor: CurrentActor,
    request: Request,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Step 1: name, phone (+7XXXXXXXXXX), email, registration address. Honours
    Idempotency-Key."""

    async def effect() -> tuple[int, object]:
        await service.update_profile(session, client, body, actor)
        return 200, (await _state(session, client)).model_dump(mode="json")

    body_hash = request_hash(body, client.id)
    result = await run_idempotent(
        session, actor.manager_id, idempotency_key, request, body_hash, effect
    )
    return result.to_response()


@router.put("/{client_id}/passport", response_model=ClientState, responses=_REPLAYED)
async def put_passport(
    body: PassportIn,
    client: ClientForWrite,
    session: SessionDep,
    actor: CurrentActor,
    request: Request,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Step 2: the passport; series and number are encrypted at rest. Honours
    Idempotency-Key (the stored fingerprint of the body is keyed: it holds the passport)."""

    async def effect() -> tuple[int, object]:
        await service.put_passport(session, client, body, actor)
        return 200, (await _state(session, client)).model_dump(mode="json")

    body_hash = private_request_hash(body, get_settings().manager_jwt_secret, client.id)
    result = await run_idempotent(
        session, actor.manager_id, idempotency_key, request, body_hash, effect
    )
    return result.to_response()
