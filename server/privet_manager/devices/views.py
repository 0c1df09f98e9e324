"""Devices and photos → wire models, with short-lived photo links."""

from __future__ import annotations

from datetime import timedelta

from privet_manager.devices.models import DevicePhoto, ManagerDevice
from privet_manager.devices.schemas import DeviceOut, PhotoOut
from privet_manager.kit.storage import Storage

PHOTO_URL_TTL = timedelta(minutes=15)


async def photo_out(storage: Storage, photo: DevicePhoto) -> PhotoOut:
    out = PhotoOut.model_validate(photo)
    out.url = await storage.presign_download(photo.object_key, PHOTO_URL_TTL)
    return out


async def device_out(
    storage: Storage, device: ManagerDevice, photos: list[DevicePhoto]
) -> DeviceOut:
    out = DeviceOut.model_validate(device)
    out.photos = [await photo_out(storage, p) for p in photos]
    return out
