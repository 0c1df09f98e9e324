from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Cookie, Request, Response, status
from sqlalchemy import select

from privet_manager.auth import service
from privet_manager.auth.deps import AdminManager, CurrentActor, CurrentManager
from privet_manager.auth.errors import ManagerNotFound
from privet_manager.auth.models import Manager
from privet_manager.auth.schemas import (
    LoginIn,
    ManagerCreate,
    ManagerOut,
    ManagerUpdate,
    PasswordChange,
    TokenOut,
)
from privet_manager.kit.db import SessionDep
from privet_manager.kit.errors import PROBLEM_RESPONSES
from privet_manager.kit.net import client_ip, user_agent
from privet_manager.settings import get_settings

REFRESH_COOKIE = "pm_refresh"
COOKIE_PATH = "/api/manager/auth"

router = APIRouter(prefix="/auth", tags=["auth"], responses=PROBLEM_RESPONSES)
admin_router = APIRouter(prefix="/admin/managers", tags=["admin"], responses=PROBLEM_RESPONSES)


def _answer(response: Response, issued: service.IssuedTokens) -> TokenOut:
    max_age = int((issued.refresh_expires_at - datetime.now(UTC)).total_seconds())
    response.set_cookie(
        REFRESH_COOKIE,
        issued.refresh_token,
        max_age=max(0, max_age),
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=get_settings().secure_cookies,
    )
    response.headers["Cache-Control"] = "no-store"
    return TokenOut(
        access_token=issued.access_token,
        expires_in=issued.expires_in,
        manager=ManagerOut.model_validate(issued.manager),
    )


@router.post("/login")
async def login(
    body: LoginIn, request: Request, response: Response, session: SessionDep
) -> TokenOut:
    issued = await service.login(
        session, body.email, body.password, ip=client_ip(request), user_agent=user_agent(request)
    )
    return _answer(response, issued)


@router.post("/refresh")
async def refresh(
    response: Response,
    session: SessionDep,
    pm_refresh: str | None = Cookie(default=None, include_in_schema=False),
) -> TokenOut:
    return _answer(response, await service.refresh(session, pm_refresh))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    response: Response,
    session: SessionDep,
    pm_refresh: str | None = Cookie(default=None, include_in_schema=False),
) -> Response:
    await service.logout(session, pm_refresh)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(REFRESH_COOKIE, path=COOKIE_PATH)
    return response


@router.get("/me")
async def me(manager: CurrentManager) -> ManagerOut:
    return ManagerOut.model_validate(manager)


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(body: PasswordChange, actor: CurrentActor, session: SessionDep) -> None:
    """Change one's own password (every session ends). Wrong current passwords are throttled
    like logins: 429 with Retry-After."""
    await service.change_own_password(session, actor, body.current_password, body.new_password)


@admin_router.get("")
async def list_managers(_: AdminManager, session: SessionDep) -> list[ManagerOut]:
    rows = await session.scalars(select(Manager).order_by(Manager.id))
    return [ManagerOut.model_validate(m) for m in rows]


@admin_router.post("", status_code=status.HTTP_201_CREATED)
async def create_manager(body: ManagerCreate, _: AdminManager, session: SessionDep) -> ManagerOut:
    manager = await service.create_manager(
        session, email=body.email, name=body.name, password=body.password, role=body.role
    )
    return ManagerOut.model_validate(manager)


@admin_router.patch("/{manager_id}")
async def update_manager(
    manager_id: int, body: ManagerUpdate, _: AdminManager, session: SessionDep
) -> ManagerOut:
    manager = await session.get(Manager, manager_id, with_for_update=True)
    if manager is None:
        raise ManagerNotFound()
    if body.name is not None:
        manager.name = body.name
    if body.role is not None:
        manager.role = body.role
    if body.is_active is not None:
        await service.set_active(session, manager, body.is_active)
    if body.password is not None:
        await service.set_password(session, manager, body.password)
    await session.flush()
    return ManagerOut.model_validate(manager)
