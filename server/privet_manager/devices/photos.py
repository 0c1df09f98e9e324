"""Device photos: upload instructions, confirmation, removal.

The browser uploads straight to the store with instructions that pin the key, the type and
the size; confirming re-checks everything on the stored object itself (it exists, sits under
this device's prefix, is JPEG/PNG/WebP by its magic bytes, is within MAX_PHOTO_MB). An object
that fails the checks is deleted; an object under another prefix is refused and left alone.

Write-once: the browser uploads to `…/uploads/<id>.<ext>`; confirming writes the bytes it
checked (and hashed) to `…/<id>.<ext>`, a key no upload URL was ever issued for, and drops
the upload object. So a confirmed photo's object never changes, whatever URL is presented
(an S3 POST policy can be replayed until it expires; the local backend refuses a second PUT
to a key, and any upload once the client has signed).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import uuid
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.auth.actor import Actor
from privet_manager.clients.errors import ClientLocked
from privet_manager.clients.models import LOCKED_STATUSES, Client
from privet_manager.clients.service import ensure_editable, record_change
from privet_manager.devices.errors import (
    PhotoChanged,
    PhotoRefused,
    PhotoTooLarge,
    TooManyPhotos,
)
from privet_manager.devices.models import DevicePhoto, ManagerDevice
from privet_manager.devices.schemas import UploadInstructions, UploadUrlIn, UploadUrlOut
from privet_manager.devices.service import delete_object_quietly, next_version
from privet_manager.kit.db import transaction
from privet_manager.kit.errors import UploadUrlUsed
from privet_manager.kit.storage import Storage

UPLOAD_TTL = timedelta(minutes=10)
MAX_PHOTOS_PER_DEVICE = 20
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
UPLOADS = "uploads/"
_UPLOAD_KEY = re.compile(r"^clients/(\d+)/devices/(\d+)/uploads/([0-9a-f]{32}\.(?:jpg|png|webp))$")


def device_prefix(client_id: int, device_id: int) -> str:
    return f"clients/{client_id}/devices/{device_id}/"


def photo_key(upload_key: str) -> str:
    """Where a confirmed upload is kept: the same name outside `uploads/`."""
    m = _UPLOAD_KEY.fullmatch(upload_key)
    assert m is not None
    return f"{device_prefix(int(m.group(1)), int(m.group(2)))}{m.group(3)}"


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
    ext = EXTENSIONS[body.content_type]
    key = f"{device_prefix(client.id, device.id)}{UPLOADS}{uuid.uuid4().hex}.{ext}"
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
    """Record an uploaded object as a photo of the device, after checking the object, and
    keep the checked bytes under a key of their own (see the module's docstring). The
    caller deletes `file_key` after the commit."""
    ensure_editable(client)
    if not file_key.startswith(device_prefix(client.id, device.id)) or not _UPLOAD_KEY.fullmatch(
        file_key
    ):
        raise _refuse("Файл не относится к этому устройству", "photo_key_foreign")
    # The client row first, as every writer does: two confirmations of one upload run one
    # after the other, so the second finds the first's row instead of rewriting its object.
    await session.execute(select(Client.id).where(Client.id == client.id).with_for_update())
    final_key = photo_key(file_key)
    existing = await session.scalar(select(DevicePhoto).where(DevicePhoto.object_key == final_key))
    if existing is not None:  # a retried confirmation: the photo stays as it was confirmed
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
    await storage.put(final_key, data, content_type)
    photo = DevicePhoto(
        device_id=device.id,
        object_key=final_key,
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


async def refuse_upload(key: str) -> None:
    """The local backend's upload guard (kit.storage.set_upload_guard): nothing reaches a
    client's device objects once the client has signed, and an upload already confirmed
    cannot be sent again. Its own short read, so no connection is held while the body
    streams in."""
    m = _UPLOAD_KEY.fullmatch(key)
    if m is None:
        return
    async with transaction() as session:
        status = await session.scalar(select(Client.status).where(Client.id == int(m.group(1))))
        confirmed = await session.scalar(
            select(DevicePhoto.id).where(DevicePhoto.object_key == photo_key(key))
        )
    if status in LOCKED_STATUSES:
        raise ClientLocked()
    if confirmed is not None:
        raise UploadUrlUsed()


async def stored_photos(
    session: AsyncSession, storage: Storage, client_id: int
) -> list[dict[str, object]]:
    """Every photo of the client's devices as the contract records it: device, file and the
    SHA-256 of the stored object, read now (409 if an object differs from what was
    confirmed or is gone)."""
    rows = (
        await session.execute(
            select(DevicePhoto, ManagerDevice)
            .join(ManagerDevice, ManagerDevice.id == DevicePhoto.device_id)
            .where(ManagerDevice.client_id == client_id)
            .order_by(DevicePhoto.device_id, DevicePhoto.id)
        )
    ).all()

    async def digest(key: str) -> str | None:
        try:
            return hashlib.sha256(await storage.get(key)).hexdigest()
        except KeyError:
            return None

    hashes = await asyncio.gather(*(digest(photo.object_key) for photo, _ in rows))
    out: list[dict[str, object]] = []
    for (photo, device), sha in zip(rows, hashes, strict=True):
        if sha != photo.sha256:
            raise PhotoChanged(
                f"Фото устройства «{device.brand} {device.model}» в хранилище отсутствует или "
                "изменено: удалите его и загрузите заново"
            )
        out.append(
            {
                "device_id": device.id,
                "photo_id": photo.id,
                "key": photo.object_key,
                "file": photo.object_key.rsplit("/", 1)[-1],
                "sha256": sha,
            }
        )
    return out


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
