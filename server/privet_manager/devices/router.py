"""Step 3: devices and their photos. Every route is for the client's assigned manager or an
admin (ClientForWrite), and every device/photo id is checked against the client in the path."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query, Request
from fastapi.responses import JSONResponse

from privet_manager.auth.deps import CurrentActor
from privet_manager.clients.deps import ClientForRead, ClientForWrite
from privet_manager.devices import photos, repository, service
from privet_manager.devices.deps import DeviceForWrite, PhotoForWrite
from privet_manager.devices.schemas import (
    DeviceCreate,
    DeviceDeleted,
    DeviceSaved,
    DeviceUpdate,
    PhotoConfirmIn,
    PhotoSaved,
    SharedDeviceOut,
    UploadUrlIn,
    UploadUrlOut,
)
from privet_manager.devices.views import device_out, photo_out
from privet_manager.kit.db import SessionDep
from privet_manager.kit.errors import PROBLEM_RESPONSES
from privet_manager.kit.idempotency import IdempotencyKeyHeader, request_hash, run_idempotent
from privet_manager.kit.storage import get_storage
from privet_manager.settings import get_settings

router = APIRouter(
    prefix="/clients/{client_id}",
    tags=["devices"],
    responses={**PROBLEM_RESPONSES, 503: PROBLEM_RESPONSES[409]},
)

VersionQuery = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


@router.get("/shared-devices", response_model=list[SharedDeviceOut])
async def list_shared_devices(client: ClientForRead, session: SessionDep) -> list[SharedDeviceOut]:
    """Devices the client registered in the app, to import with `source_device_id`."""
    out = []
    for device, imported in await service.shared_devices(session, client):
        shared = SharedDeviceOut.model_validate(device)
        shared.imported = imported
        out.append(shared)
    return out


@router.post(
    "/devices",
    status_code=201,
    response_model=DeviceSaved,
    responses={201: {"headers": {"Idempotent-Replayed": {"schema": {"type": "string"}}}}},
)
async def create_device(
    body: DeviceCreate,
    client: ClientForWrite,
    session: SessionDep,
    actor: CurrentActor,
    request: Request,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Add a device (typed in, or imported from the app's devices). Honours Idempotency-Key."""

    async def effect() -> tuple[int, object]:
        device = await service.create_device(session, client, body, actor)
        out = await device_out(get_storage(), device, [])
        saved = DeviceSaved(**out.model_dump(), client_version=client.version)
        return 201, saved.model_dump(mode="json")

    result = await run_idempotent(
        session, actor.manager_id, idempotency_key, request, request_hash(body), effect
    )
    return result.to_response()


@router.patch("/devices/{device_id}", response_model=DeviceSaved)
async def update_device(
    body: DeviceUpdate,
    client: ClientForWrite,
    device: DeviceForWrite,
    session: SessionDep,
    actor: CurrentActor,
) -> DeviceSaved:
    device = await service.update_device(session, client, device, body, actor)
    photo_rows = await repository.photos_of(session, [device.id])
    out = await device_out(get_storage(), device, photo_rows.get(device.id, []))
    return DeviceSaved(**out.model_dump(), client_version=client.version)


@router.delete("/devices/{device_id}", response_model=DeviceDeleted)
async def delete_device(
    client: ClientForWrite,
    device: DeviceForWrite,
    session: SessionDep,
    actor: CurrentActor,
    background: BackgroundTasks,
    version: VersionQuery = None,
) -> DeviceDeleted:
    keys = await service.delete_device(session, client, device, version, actor)
    # Background tasks run after the response, hence after the commit (SessionDep commits
    # before the response is sent): a rolled-back delete never loses its images.
    background.add_task(service.delete_objects, get_storage(), keys)
    return DeviceDeleted(client_version=client.version)


@router.post("/devices/{device_id}/photos/upload-url", response_model=UploadUrlOut)
async def create_photo_upload_url(
    body: UploadUrlIn, client: ClientForWrite, device: DeviceForWrite
) -> UploadUrlOut:
    """Instructions to upload one photo straight to storage (which enforces key, type, size)."""
    return await photos.upload_url(
        get_storage(), client, device, body, get_settings().max_photo_bytes
    )


@router.post("/devices/{device_id}/photos", status_code=201, response_model=PhotoSaved)
async def confirm_photo(
    body: PhotoConfirmIn,
    client: ClientForWrite,
    device: DeviceForWrite,
    session: SessionDep,
    actor: CurrentActor,
    background: BackgroundTasks,
) -> PhotoSaved:
    """Record an uploaded photo after checking the stored object itself; the checked bytes
    are kept under a key of their own, so the upload URL can no longer change them."""
    storage = get_storage()
    photo = await photos.confirm(
        session, storage, client, device, body.file_key, get_settings().max_photo_bytes, actor
    )
    # After the commit: a rolled-back confirmation keeps its upload to confirm again.
    background.add_task(service.delete_objects, storage, [body.file_key])
    out = await photo_out(storage, photo)
    return PhotoSaved(**out.model_dump(), client_version=client.version)


@router.delete("/devices/{device_id}/photos/{photo_id}", response_model=DeviceDeleted)
async def delete_photo(
    client: ClientForWrite,
    device: DeviceForWrite,
    photo: PhotoForWrite,
    session: SessionDep,
    actor: CurrentActor,
    background: BackgroundTasks,
) -> DeviceDeleted:
    key = await photos.delete(session, client, device, photo, actor)
    background.add_task(service.delete_objects, get_storage(), [key])
    return DeviceDeleted(client_version=client.version)
