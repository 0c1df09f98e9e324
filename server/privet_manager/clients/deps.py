"""The client in the path, loaded once and checked once.

- `ClientForRead`: any signed-in manager may read any client (lists are shared); 404 if unknown.
- `ClientForWrite`: only the assigned manager or an admin may change a client; 404 if unknown,
  403 otherwise (an unclaimed client must be claimed first).

Nested ids (a device, a photo) are checked against the client in the path by their own
loaders (devices/deps.py), never trusted on their own.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from privet_manager.auth.deps import CurrentManager
from privet_manager.auth.models import Manager
from privet_manager.clients.errors import ClientNotClaimed, ClientNotFound, ClientNotYours
from privet_manager.clients.models import Client
from privet_manager.kit.db import SessionDep

# The largest BIGINT: larger path ids are a clean 422, not a database error.
MAX_ID = 2**63 - 1

ClientIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="manager_clients.id")]


def may_write(manager: Manager, client: Client) -> bool:
    return manager.is_admin or (
        client.assigned_manager_id is not None and client.assigned_manager_id == manager.id
    )


async def client_for_read(
    client_id: ClientIdPath, session: SessionDep, manager: CurrentManager
) -> Client:
    client = await session.get(Client, client_id)
    if client is None:
        raise ClientNotFound()
    return client


async def client_for_write(
    client: Annotated[Client, Depends(client_for_read)], manager: CurrentManager
) -> Client:
    if not may_write(manager, client):
        if client.assigned_manager_id is None:
            raise ClientNotClaimed()
        raise ClientNotYours()
    return client


ClientForRead = Annotated[Client, Depends(client_for_read)]
ClientForWrite = Annotated[Client, Depends(client_for_write)]
