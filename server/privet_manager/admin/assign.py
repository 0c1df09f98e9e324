"""Handing a client to another manager, or releasing it back to «Новые»."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.activity import service as activity
from privet_manager.admin import audit
from privet_manager.admin.errors import AssigneeUnavailable, ClientFinished
from privet_manager.admin.models import AuditAction, AuditTarget
from privet_manager.admin.schemas import AssignClient
from privet_manager.auth.actor import Actor
from privet_manager.auth.models import Manager
from privet_manager.clients.errors import ClientNotFound, VersionConflict
from privet_manager.clients.models import LOCKED_STATUSES, Client, ClientStatus
from privet_manager.clients.service import touch
from privet_manager.contracts import repository as contracts
from privet_manager.events.service import publish

VOID_REASON = "Клиент передан другому менеджеру"


async def assign(session: AsyncSession, actor: Actor, client_id: int, body: AssignClient) -> Client:
    """Give the client to `body.manager_id` (None: back to «Новые»).

    The client row is locked first, so a manager's claim at the same moment either happens
    before (and, with `version`, makes this a 409) or waits and then finds the client taken.
    Refused once the client has signed. The unsigned contract is voided when the holder
    changes: it names the manager who made it, and the code was sent on their behalf."""
    client = await session.get(Client, client_id, with_for_update=True, populate_existing=True)
    if client is None:
        raise ClientNotFound()
    if body.version is not None and client.version != body.version:
        raise VersionConflict()
    if client.status in LOCKED_STATUSES:
        raise ClientFinished()
    if body.manager_id is not None:
        target = await session.get(Manager, body.manager_id)
        if target is None or not target.is_active:
            raise AssigneeUnavailable()
    old = client.assigned_manager_id
    if old == body.manager_id:
        return client
    voided = await contracts.void_live(session, client.id, VOID_REASON)
    await touch(session, client)
    client.assigned_manager_id = body.manager_id
    if body.manager_id is None:
        client.status = ClientStatus.new
        client.claimed_at = None
    else:
        client.status = ClientStatus.in_progress
        client.claimed_at = func.now()
    await session.flush()
    await session.refresh(client)
    released = body.manager_id is None
    payload = {
        "from_manager_id": old,
        "to_manager_id": body.manager_id,
        "reason": body.reason,
        "contract_voided": voided,
    }
    await activity.record(
        session, client.id, "client.released" if released else "client.reassigned", actor, payload
    )
    await audit.record(
        session,
        actor,
        AuditAction.client_released if released else AuditAction.client_reassigned,
        AuditTarget.client,
        client.id,
        payload,
    )
    await publish(
        session,
        "client.updated" if released else "client.claimed",
        client.id,
        manager_id=body.manager_id,
        status=client.status,
        version=client.version,
    )
    return client
