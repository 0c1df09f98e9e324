from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Cookie, Request, Response, status

from privet_manager.auth import service
from privet_manager.auth.deps import CurrentActor, CurrentManager
from privet_manager.auth.schemas import (
    LoginIn,
    ManagerOut,
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
