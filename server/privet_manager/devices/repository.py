"""The device queries other domains need (the tariff, the contract's inputs)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.devices.models import DevicePhoto, ManagerDevice


async def client_devices(session: AsyncSession, client_id: int) -> list[ManagerDevice]:
    """The client's devices in the order they were added."""
    rows = await session.scalars(
        select(ManagerDevice).where(ManagerDevice.client_id == client_id).order_by(ManagerDevice.id)
    )
    return list(rows)


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
