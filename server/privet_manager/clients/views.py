"""Client rows → wire models."""

from __future__ import annotations

from privet_manager.auth.schemas import ManagerRef
from privet_manager.clients.models import Client
from privet_manager.clients.schemas import ClientListItem, ClientState


def list_item(client: Client, holder: ManagerRef | None) -> ClientListItem:
    item = ClientListItem.model_validate(client)
    item.assigned_manager = holder
    return item


def client_state(client: Client, holder: ManagerRef | None) -> ClientState:
    state = ClientState.model_validate(client)
    state.assigned_manager = holder
    return state
