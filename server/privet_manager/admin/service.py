"""Managing managers with the guards: an admin always remains, nobody edits their own role."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.admin import audit
from privet_manager.admin.errors import LastAdmin, OwnRole
from privet_manager.admin.models import AuditAction, AuditTarget
from privet_manager.admin.schemas import ManagerCreate
from privet_manager.auth import service as auth
from privet_manager.auth.actor import Actor
from privet_manager.auth.errors import ManagerNotFound
from privet_manager.auth.models import Manager, Role
from privet_manager.auth.schemas import ManagerUpdate


def one_time_password() -> str:
    """16 URL-safe characters from the CSPRNG (96 bits): past any policy, never a common one."""
    return secrets.token_urlsafe(12)


async def create_manager(
    session: AsyncSession, actor: Actor, body: ManagerCreate
) -> tuple[Manager, str | None]:
    """Create a manager; without a password in the body, make one (returned once)."""
    made = None if body.password is not None else one_time_password()
    password = body.password if body.password is not None else str(made)
    manager = await auth.create_manager(
        session, email=body.email, name=body.name, password=password, role=body.role
    )
    await audit.record(
        session,
        actor,
        AuditAction.manager_created,
        AuditTarget.manager,
        manager.id,
        {"email": manager.email, "role": manager.role},
    )
    return manager, made


async def _lock_active_admins(session: AsyncSession) -> set[int]:
    """The active admins' ids, their rows locked in id order until commit: two admins
    disabling each other at once are settled one after the other, never both."""
    rows = await session.scalars(
        select(Manager.id)
        .where(Manager.role == Role.admin, Manager.is_active.is_(True))
        .order_by(Manager.id)
        .with_for_update()
    )
    return set(rows)


async def update_manager(
    session: AsyncSession, actor: Actor, manager_id: int, body: ManagerUpdate
) -> Manager:
    """Rename, change the role, disable/enable or set the password of a manager.

    Refused: changing one's own role (403), leaving no active admin (409; disabling
    oneself is allowed while another admin remains). A disabled manager's sessions end at
    once, as do those of a changed password."""
    touches_admins = body.role is not None or body.is_active is False
    admins = await _lock_active_admins(session) if touches_admins else set()
    manager = await session.get(Manager, manager_id, with_for_update=True, populate_existing=True)
    if manager is None:
        raise ManagerNotFound()
    own = manager.id == actor.manager_id
    demote = body.role is not None and body.role != manager.role
    disable = body.is_active is False and manager.is_active
    if demote and own:
        raise OwnRole()
    if (demote or disable) and manager.id in admins and not admins - {manager.id}:
        raise LastAdmin()

    async def log(action: AuditAction, **payload: object) -> None:
        await audit.record(session, actor, action, AuditTarget.manager, manager.id, payload)

    if body.name is not None and body.name.strip() != manager.name:
        await log(AuditAction.manager_renamed, old=manager.name, new=body.name.strip())
        manager.name = body.name.strip()
    if demote and body.role is not None:
        await log(AuditAction.manager_role_changed, old=manager.role, new=body.role)
        manager.role = body.role
    if body.is_active is not None and body.is_active != manager.is_active:
        await auth.set_active(session, manager, body.is_active)
        await log(AuditAction.manager_enabled if body.is_active else AuditAction.manager_disabled)
    if body.password is not None:
        await auth.set_password(session, manager, body.password)
        await log(AuditAction.manager_password_changed, generated=False)
    await session.flush()
    return manager


async def reset_password(session: AsyncSession, actor: Actor, manager_id: int) -> str:
    """Give the manager a new password made by the API (every session of theirs ends)."""
    manager = await session.get(Manager, manager_id, with_for_update=True)
    if manager is None:
        raise ManagerNotFound()
    password = one_time_password()
    await auth.set_password(session, manager, password)
    await audit.record(
        session,
        actor,
        AuditAction.manager_password_changed,
        AuditTarget.manager,
        manager.id,
        {"generated": True},
    )
    return password
