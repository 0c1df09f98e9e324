"""GET /events: Server-Sent Events for live lists (client claimed / updated / processed)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials

from privet_manager.auth import service as auth_service
from privet_manager.auth.deps import bearer
from privet_manager.events.hub import RESYNC, get_hub, parse
from privet_manager.kit.db import transaction
from privet_manager.kit.errors import PROBLEM_RESPONSES, Unauthorized

router = APIRouter(tags=["events"], responses=PROBLEM_RESPONSES)

HEARTBEAT_SECONDS = 15.0


async def _authenticate(credentials: HTTPAuthorizationCredentials | None) -> int:
    # A short session of its own: a stream lives for hours and must not hold a pooled
    # connection (the request-scoped SessionDep would keep one for the whole stream).
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized()
    async with transaction() as session:
        manager = await auth_service.authenticate(session, credentials.credentials)
        return manager.id


async def _still_valid(credentials: HTTPAuthorizationCredentials) -> bool:
    try:
        await _authenticate(credentials)
    except Unauthorized:
        return False
    return True


def _frame(event_id: int, payload: str) -> str:
    data = parse(payload) or {}
    kind = str(data.get("type") or "message")
    return f"id: {event_id}\nevent: {kind}\ndata: {payload}\n\n"


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "An SSE stream"}},
)
async def stream_events(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> StreamingResponse:
    """Events `client.claimed`, `client.updated`, `client.processed` (data: JSON with `type`
    and `client_id`), `resync` when some may have been missed; a comment every 15 s.

    The token is checked again at every heartbeat: logout, an expired token, a disabled account
    or a changed password end the stream (last event `unauthorized`)."""
    manager_id = await _authenticate(credentials)
    assert credentials is not None
    hub = get_hub()
    queue = await hub.subscribe()

    async def body() -> AsyncIterator[str]:
        counter = itertools.count(1)
        try:
            yield f"retry: 3000\n: connected as {manager_id}\n\n"
            while True:
                try:
                    payload = await asyncio.wait_for(queue.get(), timeout=HEARTBEAT_SECONDS)
                except TimeoutError:
                    if not await _still_valid(credentials):
                        yield 'event: unauthorized\ndata: {"type":"unauthorized"}\n\n'
                        return
                    yield ": ping\n\n"
                    continue
                if payload == RESYNC:
                    yield f"id: {next(counter)}\nevent: resync\ndata: {RESYNC}\n\n"
                else:
                    yield _frame(next(counter), payload)
        finally:
            hub.unsubscribe(queue)

    return StreamingResponse(
        body(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
