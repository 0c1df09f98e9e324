"""Typed dependencies: who is calling, and may they."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from privet_manager.auth import service
from privet_manager.auth.models import Manager
from privet_manager.kit.db import SessionDep
from privet_manager.kit.errors import Forbidden, Unauthorized

bearer = HTTPBearer(auto_error=False, description="Access token from /auth/login")


async def current_manager(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Manager:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized()
    manager = await service.authenticate(session, credentials.credentials)
    request.state.manager_id = manager.id
    return manager


CurrentManager = Annotated[Manager, Depends(current_manager)]


async def token_claims(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> tuple[int, uuid.UUID]:
    """(manager id, session id) of a valid access token, not yet checked against the database:
    for routes that check the session in their own statement (joining
    `service.LIVE_MANAGER_JOIN`/`LIVE_MANAGER_WHERE`) and raise `service.SessionRevoked`
    when it finds none."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized()
    return service.access_claims(credentials.credentials)


TokenClaims = Annotated[tuple[int, uuid.UUID], Depends(token_claims)]


async def admin_manager(manager: CurrentManager) -> Manager:
    if not manager.is_admin:
        raise Forbidden("Доступно только администратору", code="admin_only")
    return manager


AdminManager = Annotated[Manager, Depends(admin_manager)]
