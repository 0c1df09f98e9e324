"""Step 5 on the wire: generating, the code, the PEP agreement."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from privet_manager.clients.models import ClientStatus, WizardStep
from privet_manager.contracts.schemas import ContractOut


class GenerateContract(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pep_agreed: Literal[True] = Field(
        description="The client agreed to the PEP agreement (GET /pep-agreement); must be true"
    )


class ConfirmContract(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[0-9]{6}$", description="The 6-digit code the client read out")


class ContractEnvelope(BaseModel):
    contract: ContractOut
    client_status: ClientStatus
    current_step: WizardStep
    client_version: int


class PepAgreementOut(BaseModel):
    version: str
    sha256: str
    text: str
