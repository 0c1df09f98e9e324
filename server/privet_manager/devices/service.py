"""Devices of a client (step 3): typed in or imported from the shared `devices` table."""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.auth.actor import Actor
from privet_manager.clients import service as clients
from privet_manager.clients.errors import RequiredField
from privet_manager.clients.models import Client
from privet_manager.devices.errors import (
    DeviceAlreadyImported,
    SourceDeviceNotFound,
    TooManyDevices,
)
from privet_manager.devices.models import DeviceKind, DevicePhoto, ManagerDevice
from privet_manager.devices.schemas import DeviceCreate, DeviceUpdate
from privet_manager.kit.errors import Unprocessable
from privet_manager.kit.storage import Storage, StorageUnavailable
from privet_manager.legacy.models import Device

log = logging.getLogger("privet_manager.devices")

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
    actor: Actor,
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
            raise SourceDeviceNotFound()
    kind = body.kind or (
        DeviceKind(source.kind) if source and source.kind in frozenset(DeviceKind) else None
    )
    if source is not None and kind is None:
        kind = DeviceKind.other
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
    count = await session.scalar(
        select(func.count()).select_from(ManagerDevice).where(ManagerDevice.client_id == client.id)
    )
    if (count or 0) >= MAX_DEVICES:
        raise TooManyDevices(f"Не больше {MAX_DEVICES} устройств у клиента")
    if source is not None:
        already = await session.scalar(
            select(ManagerDevice.id).where(
                ManagerDevice.client_id == client.id,
                ManagerDevice.source_device_id == source.id,
            )
        )
        if already is not None:
            raise DeviceAlreadyImported()
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
        condition=body.condition,
        condition_note=body.condition_note,
    )
    session.add(device)
    await session.flush()
    await clients.record_change(
        session,
        client,
        "device.added",
        actor,
        {"device_id": device.id, "source_device_id": device.source_device_id},
    )
    return device


async def update_device(
    session: AsyncSession,
    client: Client,
    device: ManagerDevice,
    body: DeviceUpdate,
    actor: Actor,
) -> ManagerDevice:
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    for name in ("kind", "brand", "model", "declared_value", "condition"):
        if name in changes and changes[name] is None:
            raise RequiredField(name)
    await next_version(session, client, body.version)
    for name, value in changes.items():
        setattr(device, name, value)
    await session.flush()
    await clients.record_change(
        session,
        client,
        "device.updated",
        actor,
        {"device_id": device.id, "fields": sorted(changes)},
    )
    return device


async def delete_device(
    session: AsyncSession,
    client: Client,
    device: ManagerDevice,
    version: int | None,
    actor: Actor,
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
        actor,
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
