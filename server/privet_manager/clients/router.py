"""Clients: the lists, the card, claiming, and wizard steps 1 (profile) and 2 (passport)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.auth.deps import CurrentManager, TokenClaims
from privet_manager.clients import card, listing, service, sync
from privet_manager.clients.deps import ClientForRead, ClientForWrite, ClientIdPath
from privet_manager.clients.models import Client
from privet_manager.clients.schemas import (
    ClientCard,
    ClientList,
    ClientListItem,
    ClientState,
    PassportIn,
    ProfileIn,
    Tab,
)
from privet_manager.kit.db import ReadConnectionDep, SessionDep
from privet_manager.kit.errors import PROBLEM_RESPONSES, Conflict

router = APIRouter(prefix="/clients", tags=["clients"], responses=PROBLEM_RESPONSES)


async def _state(session: AsyncSession, client: Client) -> ClientState:
    await session.refresh(client)
    return ClientState(
        id=client.id,
        status=client.status,
        current_step=client.current_step,
        version=client.version,
        updated_at=client.updated_at,
        assigned_manager=await card.manager_ref(session, client.assigned_manager_id),
    )


@router.get("", response_model=ClientList)
async def list_clients(
    request: Request,
    conn: ReadConnectionDep,
    claims: TokenClaims,
    tab: Tab = "new",
    q: Annotated[str | None, Query(max_length=100, description="Name, email or phone")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 30,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> ClientList:
    """One tab of clients, newest first; `q` finds by name, email or phone in any format."""
    # No transaction (ReadConnectionDep): the `new` tab's catch-up is one INSERT, atomic
    # alone, and the page is one statement that checks the caller's session as well.
    if tab == "new":
        await sync.sync_new_users(conn)
    body = await listing.list_clients_json(conn, claims, tab, q, limit, cursor)
    request.state.manager_id = claims[0]
    # The JSON comes from PostgreSQL in the shape of ClientList (tests hold it to the model).
    return Response(body, media_type="application/json")  # type: ignore[return-value]


@router.get("/{client_id}", response_model=ClientCard)
async def get_client(
    client_id: ClientIdPath, conn: ReadConnectionDep, claims: TokenClaims, request: Request
) -> ClientCard:
    """The full card. The passport is shown (and the read logged) only to the assigned
    manager or an admin."""
    result = await card.read_card(conn, claims, client_id, request)
    request.state.manager_id = claims[0]
    return Response(result.model_dump_json(), media_type="application/json")  # type: ignore[return-value]


@router.post("/{client_id}/claim", response_model=ClientListItem)
async def claim_client(
    client: ClientForRead, session: SessionDep, manager: CurrentManager, request: Request
) -> ClientListItem:
    """Take the client into work; 409 naming the manager who already holds it."""
    holder = await service.claim(session, client, manager, request)
    if holder is not None:
        raise Conflict(
            f"Клиента уже ведёт {holder.name}",
            code="client_already_claimed",
            extra={"holder": {"id": holder.id, "name": holder.name}},
        )
    await session.refresh(client)
    return listing.to_item(client, manager.id, manager.name)


@router.patch("/{client_id}/profile", response_model=ClientState)
async def update_profile(
    body: ProfileIn,
    client: ClientForWrite,
    session: SessionDep,
    manager: CurrentManager,
    request: Request,
) -> ClientState:
    """Step 1: name, phone (+7XXXXXXXXXX), email, registration address."""
    await service.update_profile(session, client, body, manager, request)
    return await _state(session, client)


@router.put("/{client_id}/passport", response_model=ClientState)
async def put_passport(
    body: PassportIn,
    client: ClientForWrite,
    session: SessionDep,
    manager: CurrentManager,
    request: Request,
) -> ClientState:
    """Step 2: the passport; series and number are encrypted at rest."""
    await service.put_passport(session, client, body, manager, request)
    return await _state(session, client)
