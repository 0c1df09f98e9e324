"""The wire format of clients: list items, the profile and address, the step 1-2 inputs."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from privet_manager.auth.schemas import ManagerRef
from privet_manager.clients import validation
from privet_manager.clients.models import ClientStatus, WizardStep

Version = Field(ge=1, le=2**31 - 1, description="The client's version this edit is based on")


class Tab(StrEnum):
    """The list's tabs: unclaimed, claimed by anyone and not processed, mine, processed."""

    new = "new"
    in_progress = "in_progress"
    mine = "mine"
    processed = "processed"


class ClientListItem(BaseModel):
    """A short card in a list (the lists' JSON is written by PostgreSQL in this shape)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    name: str | None
    phone: str | None
    email: str | None
    registration_address: str | None = Field(
        validation_alias=AliasChoices("registration_address", "address_text")
    )
    status: ClientStatus
    current_step: WizardStep
    assigned_manager: ManagerRef | None = None
    updated_at: datetime
    version: int


class ClientList(BaseModel):
    items: list[ClientListItem]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")


class ClientState(BaseModel):
    """What a write returns: enough to carry on editing with the new version."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    status: ClientStatus
    current_step: WizardStep
    version: int
    updated_at: datetime
    assigned_manager: ManagerRef | None = None


def _blank_to_none(v: object) -> object:
    if isinstance(v, str):
        v = v.strip()
        return v or None
    return v


class AddressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    postal_code: str | None = Field(default=None, max_length=16)
    region: str | None = Field(default=None, max_length=255)
    city: str | None = Field(default=None, max_length=255)
    street: str | None = Field(default=None, max_length=255)
    house: str | None = Field(default=None, max_length=32)
    building: str | None = Field(default=None, max_length=32)
    apartment: str | None = Field(default=None, max_length=32)
    text: str | None = Field(
        default=None,
        max_length=1000,
        description="The one-line address; built from the fields if absent",
    )

    _strip = field_validator("*", mode="before")(_blank_to_none)

    @field_validator("postal_code")
    @classmethod
    def _postal(cls, v: str | None) -> str | None:
        if v is not None and not (len(v) == 6 and v.isascii() and v.isdigit()):
            raise ValueError("Индекс — 6 цифр")
        return v


class AddressOut(BaseModel):
    """The registration address, read from the client row's `address_*` columns."""

    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    text: str | None = Field(validation_alias="address_text")
    postal_code: str | None = Field(validation_alias="address_postal_code")
    region: str | None = Field(validation_alias="address_region")
    city: str | None = Field(validation_alias="address_city")
    street: str | None = Field(validation_alias="address_street")
    house: str | None = Field(validation_alias="address_house")
    building: str | None = Field(validation_alias="address_building")
    apartment: str | None = Field(validation_alias="address_apartment")


class ProfileIn(BaseModel):
    """Step 1. Omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    version: int = Version
    name: str | None = Field(default=None, min_length=1, max_length=255)
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=255)
    address: AddressIn | None = None

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, v: object) -> object:
        return " ".join(v.split()) if isinstance(v, str) else v

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        return None if v is None else validation.normalize_phone(v)

    @field_validator("email", mode="before")
    @classmethod
    def _email_blank(cls, v: object) -> object:
        return _blank_to_none(v)

    @field_validator("email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        return None if v is None else validation.normalize_email(v)


class ProfileOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str | None
    phone: str | None
    email: str | None


class PassportIn(BaseModel):
    """Step 2. Dates are checked against each other and today by the service."""

    model_config = ConfigDict(extra="forbid")

    version: int = Version
    series: str = Field(max_length=16, description="4 digits")
    number: str = Field(max_length=16, description="6 digits")
    issued_by: str = Field(min_length=1, max_length=500)
    issue_date: date
    department_code: str = Field(max_length=16, description="NNN-NNN")
    birth_date: date
    birth_place: str = Field(min_length=1, max_length=500)

    @field_validator("issued_by", "birth_place", mode="before")
    @classmethod
    def _text(cls, v: object) -> object:
        return " ".join(v.split()) if isinstance(v, str) else v

    @field_validator("series")
    @classmethod
    def _series(cls, v: str) -> str:
        return validation.digits_exactly(v, 4, "Серия паспорта — 4 цифры")

    @field_validator("number")
    @classmethod
    def _number(cls, v: str) -> str:
        return validation.digits_exactly(v, 6, "Номер паспорта — 6 цифр")

    @field_validator("department_code")
    @classmethod
    def _department(cls, v: str) -> str:
        return validation.department_code(v)


class PassportOut(BaseModel):
    series: str
    number: str
    issued_by: str
    issue_date: date
    department_code: str
    birth_date: date
    birth_place: str
