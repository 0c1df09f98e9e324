"""The client-side support bridge: what the Привет Супер app calls to show its support chat.

Authenticated by a JWT of the main backend (HS256, `JWT_SECRET`, `sub` = users.id, `exp` and
`iat` required). A client sees only their own tickets; anyone else's is a plain 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy import select

from privet_manager.kit.db import SessionDep
from privet_manager.kit.errors import PROBLEM_RESPONSES, NotFound, Unauthorized
from privet_manager.kit.security import TokenError, decode_jwt
from privet_manager.legacy.models import SupportMessage, SupportTicket
from privet_manager.settings import get_settings


def no_store(response: Response) -> None:
    # Messages carry one-time codes: no cache on the way may keep them.
    response.headers["Cache-Control"] = "no-store"


router = APIRouter(
    prefix="/api/support",
    tags=["support"],
    responses=PROBLEM_RESPONSES,
    dependencies=[Depends(no_store)],
)
_bearer = HTTPBearer(auto_error=False, description="A token of the Привет Супер app")
MAX_ID = 2**63 - 1


async def current_user_id(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> int:
    if credentials is None:
        raise Unauthorized()
    try:
        claims = decode_jwt(get_settings().jwt_secret, credentials.credentials, token_type=None)
        user_id = int(str(claims["sub"]))
    except (TokenError, ValueError) as exc:
        raise Unauthorized("Недействительный токен") from exc
    if not 1 <= user_id <= MAX_ID:
        raise Unauthorized("Недействительный токен")
    return user_id


UserId = Annotated[int, Depends(current_user_id)]


class TicketOut(BaseModel):
    id: int
    subject: str | None
    status: str
    created_at: datetime
    updated_at: datetime


class TicketList(BaseModel):
    items: list[TicketOut]


class MessageOut(BaseModel):
    id: int
    author_type: str
    body: str
    created_at: datetime


class MessageList(BaseModel):
    items: list[MessageOut]


@router.get("/tickets")
async def list_tickets(session: SessionDep, user_id: UserId) -> TicketList:
    """The caller's tickets, most recently active first."""
    rows = await session.scalars(
        select(SupportTicket)
        .where(SupportTicket.user_id == user_id)
        .order_by(SupportTicket.updated_at.desc(), SupportTicket.id.desc())
    )
    return TicketList(
        items=[
            TicketOut(
                id=t.id,
                subject=t.subject,
                status=t.status,
                created_at=t.created_at,
                updated_at=t.updated_at,
            )
            for t in rows
        ]
    )


@router.get("/tickets/{ticket_id}/messages")
async def list_messages(
    session: SessionDep,
    user_id: UserId,
    ticket_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    after_id: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> MessageList:
    """Messages of one of the caller's tickets, oldest first (`after_id` for polling)."""
    owner = await session.scalar(select(SupportTicket.user_id).where(SupportTicket.id == ticket_id))
    if owner != user_id:
        raise NotFound("Обращение не найдено", code="ticket_not_found")
    rows = await session.scalars(
        select(SupportMessage)
        .where(SupportMessage.ticket_id == ticket_id, SupportMessage.id > after_id)
        .order_by(SupportMessage.id)
        .limit(limit)
    )
    return MessageList(
        items=[
            MessageOut(id=m.id, author_type=m.author_type, body=m.body, created_at=m.created_at)
            for m in rows
        ]
    )
