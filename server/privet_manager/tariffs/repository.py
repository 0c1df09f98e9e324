"""The tariff queries other domains need (the contract's inputs, the admin's catalogue)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.tariffs.models import ClientTariff, Tariff, TariffVersion


async def by_code(session: AsyncSession, code: str) -> Tariff | None:
    result: Tariff | None = await session.scalar(select(Tariff).where(Tariff.code == code))
    return result


async def client_tariff(session: AsyncSession, client_id: int) -> ClientTariff | None:
    """The calculation fixed for the client, if a tariff was applied."""
    result: ClientTariff | None = await session.scalar(
        select(ClientTariff).where(ClientTariff.client_id == client_id)
    )
    return result


async def catalogue(session: AsyncSession, *, active_only: bool) -> list[Tariff]:
    """Tariffs, cheapest first."""
    stmt = select(Tariff).order_by(Tariff.base_price, Tariff.id)
    if active_only:
        stmt = stmt.where(Tariff.is_active.is_(True))
    return list(await session.scalars(stmt))


async def versions(session: AsyncSession, tariff_id: int) -> list[TariffVersion]:
    """The tariff's versions, newest first."""
    return list(
        await session.scalars(
            select(TariffVersion)
            .where(TariffVersion.tariff_id == tariff_id)
            .order_by(TariffVersion.version.desc())
        )
    )
