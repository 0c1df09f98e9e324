"""Writing and paging the admin audit log."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.admin.models import AdminAuditEntry, AuditAction, AuditTarget
from privet_manager.admin.schemas import AuditEntryOut, AuditPage
from privet_manager.auth.actor import Actor
from privet_manager.auth.models import Manager
from privet_manager.clients.listing import decode_cursor, encode_cursor


async def record(
    session: AsyncSession,
    actor: Actor,
    action: AuditAction,
    target_type: AuditTarget,
    target_id: int | str,
    payload: dict[str, Any] | None = None,
) -> None:
    """Append one admin action to the log, in the request's transaction (a refused or failed
    request logs nothing)."""
    session.add(
        AdminAuditEntry(
            admin_id=actor.manager_id,
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            # Decimal, date and the like as JSON gives them back
            payload=json.loads(json.dumps(payload or {}, default=str)),
            ip=actor.ip,
            user_agent=(actor.user_agent or "")[:512] or None,
        )
    )
    await session.flush()


async def page(session: AsyncSession, limit: int, cursor: str | None) -> AuditPage:
    """Newest first, `limit` a page; the cursor is the last id seen."""
    stmt = (
        select(AdminAuditEntry, Manager.name)
        .join(Manager, Manager.id == AdminAuditEntry.admin_id)
        .order_by(AdminAuditEntry.id.desc())
        .limit(limit + 1)
    )
    if cursor:
        stmt = stmt.where(AdminAuditEntry.id < decode_cursor(cursor))
    rows = (await session.execute(stmt)).all()
    items = [
        AuditEntryOut(
            id=e.id,
            admin_id=e.admin_id,
            admin_name=name,
            action=e.action,
            target_type=e.target_type,
            target_id=e.target_id,
            payload=e.payload,
            ip=e.ip,
            created_at=e.created_at,
        )
        for e, name in rows[:limit]
    ]
    more = len(rows) > limit
    return AuditPage(items=items, next_cursor=encode_cursor(items[-1].id) if more else None)
