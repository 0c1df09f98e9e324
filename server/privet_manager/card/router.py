"""GET /clients/{id}: the full card (under the clients tag: it is the client's page)."""

from __future__ import annotations

from fastapi import APIRouter

from privet_manager.auth.deps import ReadAs
from privet_manager.card.schemas import ClientCard
from privet_manager.card.service import read_card
from privet_manager.clients.deps import ClientIdPath
from privet_manager.kit.errors import PROBLEM_RESPONSES
from privet_manager.kit.responses import JSONBytes

router = APIRouter(prefix="/clients", tags=["clients"], responses=PROBLEM_RESPONSES)


@router.get("/{client_id}", response_model=ClientCard, response_class=JSONBytes)
async def get_client(client_id: ClientIdPath, reader: ReadAs) -> JSONBytes:
    """The full card. The passport is shown (and the read logged) only to the assigned
    manager or an admin."""
    card = await read_card(reader, client_id)
    # Serialised once, by the model's own serializer (FastAPI would validate it again).
    return JSONBytes(card.model_dump_json())
