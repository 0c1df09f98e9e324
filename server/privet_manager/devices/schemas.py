"""The wire format of devices and their photos (step 3)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from privet_manager.devices.models import DeviceCondition, DeviceKind
from privet_manager.kit.money import Money, MoneyIn

PhotoType = Literal["image/jpeg", "image/png", "image/webp"]
OptionalVersion = Field(
    default=None,
    ge=1,
    le=2**31 - 1,
    description="The client's version; when given, a stale one is a 409",
)
MAX_ID = 2**63 - 1


def _clean(v: object) -> object:
    if isinstance(v, str):
        v = " ".join(v.split())
        return v or None
    return v


def _check_purchase_date(v: date | None) -> date | None:
    if v is not None and (v > date.today() or v.year < 1980):
        raise ValueError("Проверьте дату покупки")
    return v


class DeviceCreate(BaseModel):
    """A new device, typed in or imported (`source_device_id`: a row of the shared `devices`
    table of the same user; kind, brand, model and serial number default to that row's)."""

    model_config = ConfigDict(extra="forbid")

    version: int | None = OptionalVersion
    source_device_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    kind: DeviceKind | None = None
    brand: str | None = Field(default=None, min_length=1, max_length=128)
    model: str | None = Field(default=None, min_length=1, max_length=128)
    serial_number: str | None = Field(default=None, max_length=128)
    purchase_date: date | None = None
    declared_value: MoneyIn
    condition: DeviceCondition = Field(
        default=DeviceCondition.ok,
        description="Condition at intake: ok (исправно), damaged (есть повреждения), "
        "dead (не включается)",
    )
    condition_note: str | None = Field(
        default=None, max_length=500, description="What is damaged or wrong, as seen at intake"
    )

    _clean_text = field_validator(
        "brand", "model", "serial_number", "condition_note", mode="before"
    )(_clean)
    _purchase = field_validator("purchase_date")(_check_purchase_date)


class DeviceUpdate(BaseModel):
    """Omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    version: int | None = OptionalVersion
    kind: DeviceKind | None = None
    brand: str | None = Field(default=None, min_length=1, max_length=128)
    model: str | None = Field(default=None, min_length=1, max_length=128)
    serial_number: str | None = Field(default=None, max_length=128)
    purchase_date: date | None = None
    declared_value: MoneyIn | None = None
    condition: DeviceCondition | None = None
    condition_note: str | None = Field(default=None, max_length=500)

    _clean_text = field_validator(
        "brand", "model", "serial_number", "condition_note", mode="before"
    )(_clean)
    _purchase = field_validator("purchase_date")(_check_purchase_date)


class PhotoOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str = Field(default="", description="Short-lived link to the image")
    content_type: str
    size: int
    sha256: str
    created_at: datetime


class DeviceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    source_device_id: int | None
    kind: DeviceKind
    brand: str
    model: str
    serial_number: str | None
    purchase_date: date | None
    declared_value: Money
    condition: DeviceCondition
    condition_note: str | None
    photos: list[PhotoOut] = []
    created_at: datetime


class DeviceSaved(DeviceOut):
    client_version: int = Field(description="The client's version after this write")


class DeviceDeleted(BaseModel):
    client_version: int


class UploadUrlIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content_type: PhotoType
    size: int = Field(ge=1, le=2**31 - 1, description="Bytes the browser is about to send")


class UploadInstructions(BaseModel):
    method: Literal["POST", "PUT"]
    url: str = Field(description="Absolute (S3) or relative to the API (local storage)")
    fields: dict[str, str] = Field(description="Form fields to send before the file (POST)")
    headers: dict[str, str] = Field(description="Headers to send with the body (PUT)")


class UploadUrlOut(BaseModel):
    upload: UploadInstructions
    file_key: str
    expires_at: datetime
    max_size: int


class PhotoConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file_key: str = Field(min_length=1, max_length=512)


class PhotoSaved(PhotoOut):
    client_version: int


class SharedDeviceOut(BaseModel):
    """A device the client registered in the app, available for import."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str | None
    brand: str | None
    model: str | None
    serial_number: str | None
    imported: bool = False
