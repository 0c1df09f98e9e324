"""A device or photo in the path, checked to belong to the client in the path (no IDOR)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path
from sqlalchemy import select

from privet_manager.clients.deps import MAX_ID, ClientForWrite
from privet_manager.devices.errors import DeviceNotFound, PhotoNotFound
from privet_manager.devices.models import DevicePhoto, ManagerDevice
from privet_manager.kit.db import SessionDep

DeviceIdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
PhotoIdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


async def device_of_client(
    device_id: DeviceIdPath, client: ClientForWrite, session: SessionDep
) -> ManagerDevice:
    device = await session.scalar(
        select(ManagerDevice).where(
            ManagerDevice.id == device_id, ManagerDevice.client_id == client.id
        )
    )
    if device is None:
        raise DeviceNotFound()
    return device


DeviceForWrite = Annotated[ManagerDevice, Depends(device_of_client)]


async def photo_of_device(
    photo_id: PhotoIdPath, device: DeviceForWrite, session: SessionDep
) -> DevicePhoto:
    photo = await session.scalar(
        select(DevicePhoto).where(DevicePhoto.id == photo_id, DevicePhoto.device_id == device.id)
    )
    if photo is None:
        raise PhotoNotFound()
    return photo


PhotoForWrite = Annotated[DevicePhoto, Depends(photo_of_device)]
