"""Public verification endpoints: no login, nothing personal, limited per address."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from privet_manager.kit.db import SessionDep
from privet_manager.kit.errors import PROBLEM_RESPONSES
from privet_manager.kit.net import client_ip
from privet_manager.public import service
from privet_manager.public.schemas import HashCheck, HashCheckOut, PublicContract

router = APIRouter(prefix="/api/public", tags=["public"], responses=PROBLEM_RESPONSES)

Number = Annotated[str, Path(max_length=32, description="The contract number, PM-2026-000123")]


@router.get("/contracts/{number}")
async def get_contract(number: Number, request: Request, session: SessionDep) -> PublicContract:
    """A contract's status by its number, for anyone (the QR code on every page links to the
    page that asks this). 404 for an unknown number, 429 with Retry-After past the limit."""
    contract = await service.find(session, number, ip=client_ip(request))
    return PublicContract(
        number=contract.number,
        status=contract.status,
        signed_at=contract.signed_at,
        sealed=contract.sealed,
        timestamped=contract.timestamped,
    )


@router.post("/contracts/{number}/check")
async def check_contract(
    number: Number, body: HashCheck, request: Request, session: SessionDep
) -> HashCheckOut:
    """Whether a file's SHA-256 (the browser computes it; the file never leaves the device)
    is the contract's original PDF, its signed copy, or neither."""
    contract = await service.find(session, number, ip=client_ip(request))
    return HashCheckOut(number=contract.number, match=service.match(contract, body.sha256))
