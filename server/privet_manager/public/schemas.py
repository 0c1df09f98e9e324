"""Public verification on the wire: only what the number itself may tell anyone."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from privet_manager.contracts.models import ContractStatus


class PublicContract(BaseModel):
    """A contract as anyone holding its number sees it: no name, phone, passport, address,
    hash or amount."""

    model_config = ConfigDict(from_attributes=True)

    number: str
    status: ContractStatus
    signed_at: datetime | None = Field(description="When the client signed it (UTC), or null")
    sealed: bool = Field(
        description="The signed copy carries the organisation's PAdES seal (false for a "
        "moment after signing, while the seal is being made)"
    )
    timestamped: bool = Field(description="The seal carries an RFC 3161 timestamp")


class HashCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sha256: str = Field(
        pattern=r"^[0-9a-fA-F]{64}$",
        description="SHA-256 of the file, 64 hex digits (computed in the browser)",
    )

    @field_validator("sha256")
    @classmethod
    def _lower(cls, v: str) -> str:
        return v.lower()


class Match(StrEnum):
    original = "original"
    signed = "signed"
    none = "none"


class HashCheckOut(BaseModel):
    number: str
    match: Match = Field(
        description="original: the PDF the client was shown; signed: the signed copy "
        "(with the signing sheet and the seal, or that copy with a later document timestamp); "
        "none: neither"
    )
