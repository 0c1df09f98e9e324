"""The console's wire: managers with one-time passwords, reassigning, the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from privet_manager.admin.models import AuditAction, AuditTarget
from privet_manager.auth.models import Role
from privet_manager.auth.schemas import ManagerOut, ManagerRef
from privet_manager.contracts.schemas import ContractOut


class ManagerCreate(BaseModel):
    """A new manager. Without `password` the API makes one and answers it once."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    name: str = Field(min_length=1, max_length=255)
    password: str | None = Field(default=None, max_length=1024)
    role: Role = Role.manager


class ManagerCreated(ManagerOut):
    """The created manager; `password` is the one the API made (shown once, never again)."""

    password: str | None = None


class OneTimePassword(BaseModel):
    """A password the API made: shown once, stored only as its bcrypt hash."""

    password: str


class AssignClient(BaseModel):
    """Hand the client to `manager_id`, or release it back to «Новые» with `null`."""

    model_config = ConfigDict(extra="forbid")

    manager_id: int | None = Field(ge=1, le=2**31 - 1)
    reason: str = Field(min_length=1, max_length=500)
    version: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="The client's version as the admin saw it: 409 if it changed since",
    )


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    admin_id: int
    admin_name: str
    action: AuditAction
    target_type: AuditTarget
    target_id: str
    payload: dict[str, Any]
    ip: str | None
    created_at: datetime


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: str | None


class RegistryItem(BaseModel):
    """A contract in the registry, with its client and the client's holder."""

    contract: ContractOut
    client_id: int
    client_name: str | None
    client_phone: str | None
    holder: ManagerRef | None


class RegistryPage(BaseModel):
    items: list[RegistryItem]
    next_cursor: str | None
