"""The dispute pack download."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from privet_manager.auth.deps import CurrentActor
from privet_manager.clients.deps import ClientForWrite
from privet_manager.contracts import repository
from privet_manager.contracts.errors import NoSignedContract
from privet_manager.disputes import service
from privet_manager.kit.db import SessionDep
from privet_manager.kit.errors import PROBLEM_RESPONSES
from privet_manager.kit.responses import private_file

router = APIRouter(tags=["contracts"], responses=PROBLEM_RESPONSES)


@router.get(
    "/clients/{client_id}/contract/dispute-pack",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "The dispute pack"}},
)
async def dispute_pack(
    client: ClientForWrite, session: SessionDep, actor: CurrentActor
) -> Response:
    """The signed contract's dispute pack (ZIP): both PDFs, the evidence with its canonical
    form and HMAC, the PEP agreement, the support chat excerpt, the activity chain, the
    photos, SHA256SUMS and a README. Only the holder or an admin; the download is recorded
    in the client's activity chain. 404 `no_signed_contract` before signing."""
    contract = await repository.latest_signed(session, client.id)
    if contract is None:
        raise NoSignedContract()
    pack = await service.build(session, contract, actor)
    return private_file(pack.data, "application/zip", pack.filename, attachment=True)
