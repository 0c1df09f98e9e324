"""Device photos: upload instructions, confirmation, removal.

The browser uploads straight to the store with instructions that pin the key, the type and
the size; confirming re-checks everything on the stored object itself (it exists, sits under
this device's prefix, is JPEG/PNG/WebP by its magic bytes, is within MAX_PHOTO_MB). An object
that fails the checks is deleted; an object under another prefix is refused and left alone.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.auth.actor import Actor
from privet_manager.clients.models import Client
from privet_manager.clients.service import ensure_editable, record_change
from privet_manager.devices.errors import PhotoRefused, PhotoTooLarge, TooManyPhotos
from privet_manager.devices.models import DevicePhoto, ManagerDevice
from privet_manager.devices.schemas import UploadInstructions, UploadUrlIn, UploadUrlOut
from privet_manager.devices.service import delete_object_quietly, next_version
from privet_manager.kit.storage import Storage

UPLOAD_TTL = timedelta(minutes=10)
MAX_PHOTOS_PER_DEVICE = 20
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
_KEY = re.compile(r"^clients/(\d+)/devices/(\d+)/[0-9a-f]{32}\.(jpg|png|webp)$")


def device_prefix(client_id: int, device_id: int) -> str:
    return f"clients/{client_id}/devices/{device_id}/"


def sniff_image(head: bytes) -> str | None:
    """The image type by its magic bytes, or None if it is not JPEG, PNG or WebP."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


async def upload_url(
    storage: Storage, client: Client, device: ManagerDevice, body: UploadUrlIn, max_size: int
) -> UploadUrlOut:
    ensure_editable(client)
    if body.size > max_size:
        raise PhotoTooLarge(f"Фото больше {max_size // (1024 * 1024)} МБ")
    key = f"{device_prefix(client.id, device.id)}{uuid.uuid4().hex}.{EXTENSIONS[body.content_type]}"
    target = await storage.presign_upload(key, body.content_type, max_size, UPLOAD_TTL)
    return UploadUrlOut(
        upload=UploadInstructions(
            method=target.method, url=target.url, fields=target.fields, headers=target.headers
        ),
        file_key=key,
        expires_at=target.expires_at,
        max_size=max_size,
    )


def _refuse(detail: str, code: str) -> PhotoRefused:
    return PhotoRefused(detail, code=code)


async def confirm(
    session: AsyncSession,
    storage: Storage,
    client: Client,
    device: ManagerDevice,
    file_key: str,
    max_size: int,
    actor: Actor,
) -> DevicePhoto:
    """Record an uploaded object as a photo of the device, after checking the object."""
    ensure_editable(client)
    if not file_key.startswith(device_prefix(client.id, device.id)) or not _KEY.fullmatch(file_key):
        raise _refuse("Файл не относится к этому устройству", "photo_key_foreign")
    existing = await session.scalar(select(DevicePhoto).where(DevicePhoto.object_key == file_key))
    if existing is not None:  # a retried confirmation
        return existing
    info = await storage.stat(file_key)
    if info is None:
        raise _refuse("Файл не загружен в хранилище", "photo_missing")
    if info.size > max_size or info.size == 0:
        await delete_object_quietly(storage, file_key)
        raise _refuse("Файл больше допустимого размера", "photo_too_large")
    try:
        data = await storage.get(file_key)
    except KeyError:
        raise _refuse("Файл не загружен в хранилище", "photo_missing") from None
    content_type = sniff_image(data[:16])
    if content_type is None or len(data) > max_size:
        await delete_object_quietly(storage, file_key)
        raise _refuse("Это не изображение JPEG, PNG или WebP", "photo_bad_type")
    count = await session.scalar(
        select(func.count()).select_from(DevicePhoto).where(DevicePhoto.device_id == device.id)
    )
    if (count or 0) >= MAX_PHOTOS_PER_DEVICE:
        await delete_object_quietly(storage, file_key)
        raise TooManyPhotos(f"Не больше {MAX_PHOTOS_PER_DEVICE} фото у устройства")
    await next_version(session, client, None)
    photo = DevicePhoto(
        device_id=device.id,
        object_key=file_key,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    session.add(photo)
    await session.flush()
    await record_change(
        session,
        client,
        "photo.added",
        actor,
        {"device_id": device.id, "photo_id": photo.id, "sha256": photo.sha256},
    )
    return photo


async def delete(
    session: AsyncSession,
    client: Client,
    device: ManagerDevice,
    photo: DevicePhoto,
    actor: Actor,
) -> str:
    """Remove the photo row; returns the object key to delete after the commit."""
    await next_version(session, client, None)
    key = photo.object_key
    await session.delete(photo)
    await session.flush()
    await record_change(
        session,
        client,
        "photo.deleted",
        actor,
        {"device_id": device.id, "photo_id": photo.id},
    )
    return key
