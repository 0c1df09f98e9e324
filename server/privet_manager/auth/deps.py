"""Typed dependencies: who is calling, and may they."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.auth import service
from privet_manager.auth.models import Manager
from privet_manager.kit.db import ReadSessionDep, SessionDep
from privet_manager.kit.errors import Forbidden, Unauthorized

bearer = HTTPBearer(auto_error=False, description="Access token from /auth/login")


async def _authenticate(
    request: Request, session: AsyncSession, credentials: HTTPAuthorizationCredentials | None
) -> Manager:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized()
    manager = await service.authenticate(session, credentials.credentials)
    request.state.manager_id = manager.id
    return manager


async def current_manager(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Manager:
    return await _authenticate(request, session, credentials)


CurrentManager = Annotated[Manager, Depends(current_manager)]


async def read_manager(
    request: Request,
    session: ReadSessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Manager:
    """The same check through the request's read-only (AUTOCOMMIT) session: for routes that
    take `ReadSessionDep`, so the request uses one connection and no transaction."""
    return await _authenticate(request, session, credentials)


ReadManager = Annotated[Manager, Depends(read_manager)]


async def admin_manager(manager: CurrentManager) -> Manager:
    if not manager.is_admin:
        raise Forbidden("Доступно только администратору", code="admin_only")
    return manager


AdminManager = Annotated[Manager, Depends(admin_manager)]
