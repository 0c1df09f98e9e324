"""Devices of a client (step 3): typed in or imported from the shared `devices` table."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.auth.models import Manager
from privet_manager.clients import service as clients
from privet_manager.clients.models import Client
from privet_manager.devices.models import DEVICE_KINDS, DevicePhoto, ManagerDevice
from privet_manager.devices.schemas import DeviceCreate, DeviceOut, DeviceUpdate, PhotoOut
from privet_manager.kit.errors import Conflict, Unprocessable
from privet_manager.kit.storage import Storage, StorageUnavailable
from privet_manager.legacy.models import Device

log = logging.getLogger("privet_manager.devices")

PHOTO_URL_TTL = timedelta(minutes=15)
MAX_DEVICES = 50


async def next_version(session: AsyncSession, client: Client, version: int | None) -> int:
    """Device writes may carry the client's version (then checked); they always bump it."""
    clients.ensure_editable(client)
    if version is None:
        return await clients.touch(session, client)
    return await clients.bump_version(session, client, version)


async def create_device(
    session: AsyncSession,
    client: Client,
    body: DeviceCreate,
    manager: Manager,
    request: Request | None,
) -> ManagerDevice:
    """Add a device; with `source_device_id`, copy a row of the user's shared devices."""
    source: Device | None = None
    if body.source_device_id is not None:
        source = await session.scalar(
            select(Device).where(
                Device.id == body.source_device_id, Device.user_id == client.user_id
            )
        )
        if source is None:
            raise Unprocessable(
                "У клиента нет такого устройства в приложении",
                code="source_device_not_found",
                loc=("body", "source_device_id"),
            )
    kind = body.kind or (source.kind if source and source.kind in DEVICE_KINDS else None)
    if source is not None and kind is None:
        kind = "other"
    brand = body.brand or (source.brand[:128] if source and source.brand else None)
    model = body.model or (source.model[:128] if source and source.model else None)
    missing = [
        name for name, value in (("kind", kind), ("brand", brand), ("model", model)) if not value
    ]
    if missing:
        raise Unprocessable(
            "Заполните обязательные поля",
            errors=[{"loc": ["body", name], "msg": "Обязательное поле"} for name in missing],
        )
    assert kind and brand and model
    await next_version(session, client, body.version)
    count = len(
        (
            await session.scalars(
                select(ManagerDevice.id).where(ManagerDevice.client_id == client.id)
            )
        ).all()
    )
    if count >= MAX_DEVICES:
        raise Unprocessable(f"Не больше {MAX_DEVICES} устройств у клиента", code="too_many_devices")
    if source is not None:
        already = await session.scalar(
            select(ManagerDevice.id).where(
                ManagerDevice.client_id == client.id,
                ManagerDevice.source_device_id == source.id,
            )
        )
        if already is not None:
            raise Conflict(
                "Это устройство уже добавлено",
                code="device_already_imported",
                loc=("body", "source_device_id"),
            )
    device = ManagerDevice(
        client_id=client.id,
        source_device_id=source.id if source else None,
        kind=kind,
        brand=brand,
        model=model,
        serial_number=body.serial_number
        or (source.serial_number[:128] if source and source.serial_number else None),
        purchase_date=body.purchase_date,
        declared_value=body.declared_value,
    )
    session.add(device)
    await session.flush()
    await clients.record_change(
        session,
        client,
        "device.added",
        manager,
        request,
        {"device_id": device.id, "source_device_id": device.source_device_id},
    )
    return device


async def update_device(
    session: AsyncSession,
    client: Client,
    device: ManagerDevice,
    body: DeviceUpdate,
    manager: Manager,
    request: Request | None,
) -> ManagerDevice:
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    for name in ("kind", "brand", "model", "declared_value"):
        if name in changes and changes[name] is None:
            raise Unprocessable("Обязательное поле", loc=("body", name))
    await next_version(session, client, body.version)
    for name, value in changes.items():
        setattr(device, name, value)
    await session.flush()
    await clients.record_change(
        session,
        client,
        "device.updated",
        manager,
        request,
        {"device_id": device.id, "fields": sorted(changes)},
    )
    return device


async def delete_device(
    session: AsyncSession,
    client: Client,
    device: ManagerDevice,
    version: int | None,
    manager: Manager,
    request: Request | None,
) -> list[str]:
    """Remove the device and its photo rows; returns the object keys to delete once the
    transaction has committed (deleting them earlier could leave rows without images)."""
    await next_version(session, client, version)
    keys = list(
        (
            await session.scalars(
                select(DevicePhoto.object_key).where(DevicePhoto.device_id == device.id)
            )
        ).all()
    )
    await session.delete(device)
    await session.flush()
    await clients.record_change(
        session,
        client,
        "device.deleted",
        manager,
        request,
        {"device_id": device.id, "photos": len(keys)},
    )
    return keys


async def delete_object_quietly(storage: Storage, key: str) -> None:
    """Remove an object whose row is gone; an orphan left by a dead store is only logged."""
    try:
        await storage.delete(key)
    except (StorageUnavailable, ValueError):
        log.warning("could not delete object", extra={"key": key})


async def delete_objects(storage: Storage, keys: list[str]) -> None:
    for key in keys:
        await delete_object_quietly(storage, key)


async def photo_out(storage: Storage, photo: DevicePhoto) -> PhotoOut:
    return PhotoOut(
        id=photo.id,
        url=await storage.presign_download(photo.object_key, PHOTO_URL_TTL),
        content_type=photo.content_type,
        size=photo.size,
        sha256=photo.sha256,
        created_at=photo.created_at,
    )


async def device_out(
    storage: Storage, device: ManagerDevice, photos: list[DevicePhoto]
) -> DeviceOut:
    return DeviceOut(
        id=device.id,
        source_device_id=device.source_device_id,
        kind=device.kind,
        brand=device.brand,
        model=device.model,
        serial_number=device.serial_number,
        purchase_date=device.purchase_date,
        declared_value=device.declared_value,
        photos=[await photo_out(storage, p) for p in photos],
        created_at=device.created_at,
    )


async def photos_of(session: AsyncSession, device_ids: list[int]) -> dict[int, list[DevicePhoto]]:
    by_device: dict[int, list[DevicePhoto]] = defaultdict(list)
    if device_ids:
        rows = await session.scalars(
            select(DevicePhoto)
            .where(DevicePhoto.device_id.in_(device_ids))
            .order_by(DevicePhoto.id)
        )
        for photo in rows:
            by_device[photo.device_id].append(photo)
    return by_device


async def devices_out(session: AsyncSession, storage: Storage, client_id: int) -> list[DeviceOut]:
    """The client's devices with short-lived photo URLs (the card, the contract)."""
    devices = list(
        await session.scalars(
            select(ManagerDevice)
            .where(ManagerDevice.client_id == client_id)
            .order_by(ManagerDevice.id)
        )
    )
    photos = await photos_of(session, [d.id for d in devices])
    return [await device_out(storage, d, photos.get(d.id, [])) for d in devices]


async def shared_devices(session: AsyncSession, client: Client) -> list[tuple[Device, bool]]:
    """The user's devices from the app, each with whether it is already imported."""
    imported = set(
        (
            await session.scalars(
                select(ManagerDevice.source_device_id).where(
                    ManagerDevice.client_id == client.id,
                    ManagerDevice.source_device_id.is_not(None),
                )
            )
        ).all()
    )
    rows = await session.scalars(
        select(Device).where(Device.user_id == client.user_id).order_by(Device.id).limit(200)
    )
    return [(d, d.id in imported) for d in rows]
