"""Typed dependencies: who is calling, and may they."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

import psycopg
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from privet_manager.auth import service
from privet_manager.auth.actor import Actor
from privet_manager.auth.errors import AdminOnly, SessionRevoked
from privet_manager.auth.models import Manager
from privet_manager.kit.db import SessionDep, read_connection
from privet_manager.kit.errors import Unauthorized
from privet_manager.kit.net import client_ip, user_agent
from privet_manager.kit.rawsql import RawSelect, run_pipelined

bearer = HTTPBearer(auto_error=False, description="Access token from /auth/login")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def _token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized()
    return credentials.credentials


async def current_manager(
    request: Request, session: SessionDep, credentials: Credentials
) -> Manager:
    manager = await service.authenticate(session, _token(credentials))
    request.state.manager_id = manager.id
    return manager


CurrentManager = Annotated[Manager, Depends(current_manager)]


async def current_actor(request: Request, manager: CurrentManager) -> Actor:
    """The manager with the request's address and User-Agent, for what services record."""
    return Actor(
        manager=manager, ip=client_ip(request)[:64], user_agent=user_agent(request) or None
    )


CurrentActor = Annotated[Actor, Depends(current_actor)]


async def admin_manager(manager: CurrentManager) -> Manager:
    if not manager.is_admin:
        raise AdminOnly()
    return manager


AdminManager = Annotated[Manager, Depends(admin_manager)]


class LiveReader:
    """The read paths' way to the database (the lists, the card): a connection of the read
    pool and a caller whose token is valid but whose session is not yet checked.

    `fetch` sends the session check together with the route's own statements (one round
    trip, kit/rawsql.py `run_pipelined`) and raises SessionRevoked when the session is no
    longer live or the account is disabled; the guard cannot be forgotten by a query."""

    def __init__(
        self, request: Request, conn: psycopg.AsyncConnection[Any], claims: tuple[int, uuid.UUID]
    ) -> None:
        self.request = request
        self.conn = conn
        self.manager_id, self.session_id = claims
        self._manager: Manager | None = None

    @property
    def manager(self) -> Manager:
        """The caller, once a `fetch` has checked the session."""
        if self._manager is None:
            raise RuntimeError("LiveReader.manager before fetch")
        return self._manager

    async def fetch(
        self, *queries: tuple[RawSelect, dict[str, Any]]
    ) -> list[list[tuple[Any, ...]]]:
        live, *results = await run_pipelined(
            self.conn,
            [
                (
                    service.LIVE_MANAGER,
                    {
                        "manager_id": self.manager_id,
                        "session_id": self.session_id,
                        "now": datetime.now(UTC),
                    },
                ),
                *queries,
            ],
        )
        if not live:
            raise SessionRevoked()
        self._manager = live[0][0]
        self.request.state.manager_id = self.manager_id
        return results

    @property
    def actor(self) -> Actor:
        return Actor(
            manager=self.manager,
            ip=client_ip(self.request)[:64],
            user_agent=user_agent(self.request) or None,
        )


async def live_reader(request: Request, credentials: Credentials) -> AsyncIterator[LiveReader]:
    """The token first (a bad one is answered 401 without taking a connection), then a
    connection of the read pool for the request. One dependency, not one per part: FastAPI's
    resolution of each dependency is a measurable share of a list request's CPU."""
    claims = service.access_claims(_token(credentials))
    async with read_connection() as conn:
        yield LiveReader(request, conn, claims)


# scope="function": the connection goes back to the pool before the answer is sent.
ReadAs = Annotated[LiveReader, Depends(live_reader, scope="function")]
