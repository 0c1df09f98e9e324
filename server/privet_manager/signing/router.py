"""Contract endpoints: generate, resend the code, confirm with the code, read, verify."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import RedirectResponse, Response

from privet_manager.auth.deps import CurrentActor, CurrentManager
from privet_manager.clients.deps import ClientForRead, ClientForWrite
from privet_manager.clients.models import Client
from privet_manager.contracts import repository, sealing
from privet_manager.contracts.errors import NoContract, NoSignedContract, SealNotReady
from privet_manager.contracts.links import download_url, seal_first_valid
from privet_manager.contracts.models import Contract, ContractStatus
from privet_manager.contracts.pep import agreement
from privet_manager.contracts.schemas import VerifyOut
from privet_manager.contracts.verify import verify_contract
from privet_manager.contracts.views import contract_out
from privet_manager.kit.db import SessionDep
from privet_manager.kit.errors import PROBLEM_RESPONSES, Forbidden
from privet_manager.kit.responses import private_file
from privet_manager.signing import confirm, service
from privet_manager.signing.schemas import (
    ConfirmContract,
    ContractEnvelope,
    GenerateContract,
    PepAgreementOut,
)

router = APIRouter(tags=["contracts"], responses=PROBLEM_RESPONSES)


async def envelope(contract: Contract, client: Client) -> ContractEnvelope:
    return ContractEnvelope(
        contract=await contract_out(contract),
        client_status=client.status,
        current_step=client.current_step,
        client_version=client.version,
    )


@router.get("/pep-agreement")
async def get_pep_agreement(manager: CurrentManager) -> PepAgreementOut:
    """The current PEP agreement the client must agree to before generation."""
    pep = agreement()
    return PepAgreementOut(version=pep.version, sha256=pep.sha256, text=pep.text)


@router.get(
    "/clients/{client_id}/contract/preview",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The draft PDF"}},
)
async def preview_contract(
    client: ClientForWrite, session: SessionDep, actor: CurrentActor
) -> Response:
    """The PDF that generation would produce now, marked «Проект» on every page, without a
    number: nothing is numbered, stored or sent. 409/422 as generation would answer."""
    pdf = await service.preview(session, client, actor)
    return private_file(pdf, "application/pdf", "draft-contract.pdf", attachment=False)


@router.post("/clients/{client_id}/contract/generate", status_code=201)
async def generate_contract(
    body: GenerateContract, client: ClientForWrite, session: SessionDep, actor: CurrentActor
) -> ContractEnvelope:
    """Step 5: the PDF contract, and a one-time code posted into the client's support chat.
    409 lists each step still missing; a previous unsigned contract becomes void."""
    contract = await service.generate(session, client, actor)
    return await envelope(contract, client)


@router.post("/clients/{client_id}/contract/resend-otp")
async def resend_otp(
    client: ClientForWrite, session: SessionDep, actor: CurrentActor
) -> ContractEnvelope:
    """A new code (the old one is void). 429 with Retry-After within 60 s of the last code
    or after 5 codes in an hour."""
    contract = await service.resend(session, client, actor)
    return await envelope(contract, client)


@router.post("/clients/{client_id}/contract/confirm")
async def confirm_contract(
    body: ConfirmContract, client: ClientForWrite, session: SessionDep, actor: CurrentActor
) -> ContractEnvelope:
    """Sign with the code the client read out. Wrong code: 422 with `attempts_left`; the
    fifth wrong code locks the contract (409 `contract_locked`)."""
    contract = await confirm.confirm(session, client, body.code, actor)
    return await envelope(contract, client)


@router.get("/clients/{client_id}/contract")
async def get_contract(
    client: ClientForRead, session: SessionDep, manager: CurrentManager
) -> ContractEnvelope:
    """The client's latest contract."""
    contract = await repository.latest(session, client.id)
    if contract is None:
        raise NoContract()
    return await envelope(contract, client)


@router.get(
    "/contracts/{contract_id}/signed.pdf",
    status_code=302,
    response_class=RedirectResponse,
    responses={302: {"description": "To a short-lived link to the best signed copy"}},
)
async def signed_pdf(
    contract_id: Annotated[int, Path(ge=1, le=2**62)],
    exp: Annotated[str, Query(max_length=32)],
    sig: Annotated[str, Query(max_length=128)],
    session: SessionDep,
) -> RedirectResponse:
    """The signed copy, sealed: what `signed_pdf_url` links to while the seal is pending (a
    link this API signed, like a storage link). Seals now if it still is, then redirects."""
    if not seal_first_valid(contract_id, exp, sig):
        raise Forbidden("Ссылка недействительна или истекла", code="download_url_invalid")
    contract = await session.get(Contract, contract_id)
    if contract is None or contract.status != ContractStatus.signed:
        raise NoSignedContract()
    await sealing.ensure_sealed(session, contract)
    key = contract.current_signed_pdf_key
    if contract.seal_pending or key is None:
        raise SealNotReady()
    return RedirectResponse(await download_url(key, timedelta(minutes=5)), status_code=302)


@router.get("/clients/{client_id}/contract/verify")
async def verify(client: ClientForRead, session: SessionDep, manager: CurrentManager) -> VerifyOut:
    """Re-read the PDFs from storage, recompute their hashes and the evidence HMAC, and check
    the client's activity chain."""
    contract = await repository.latest_signed(session, client.id)
    if contract is None:
        raise NoSignedContract()
    return VerifyOut.model_validate(await verify_contract(session, contract))
