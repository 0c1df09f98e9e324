"""The contract queries other domains need (billing, the card, voiding on a change)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.contracts.models import LIVE_UNSIGNED, Contract, ContractStatus


async def latest(session: AsyncSession, client_id: int) -> Contract | None:
    """The client's newest contract, whatever its status."""
    result: Contract | None = await session.scalar(
        select(Contract)
        .where(Contract.client_id == client_id)
        .order_by(Contract.id.desc())
        .limit(1)
    )
    return result


async def latest_signed(session: AsyncSession, client_id: int) -> Contract | None:
    result: Contract | None = await session.scalar(
        select(Contract)
        .where(Contract.client_id == client_id, Contract.status == ContractStatus.signed)
        .order_by(Contract.id.desc())
        .limit(1)
    )
    return result


async def by_number(session: AsyncSession, number: str) -> Contract | None:
    result: Contract | None = await session.scalar(
        select(Contract).where(Contract.number == number.strip())
    )
    return result


async def void_live(session: AsyncSession, client_id: int, reason: str) -> bool:
    """Void the client's unsigned contract, if any (its code dies with it); True if one was."""
    result = await session.execute(
        update(Contract)
        .where(Contract.client_id == client_id, Contract.status.in_(LIVE_UNSIGNED))
        .values(
            status=ContractStatus.void,
            voided_at=datetime.now(UTC),
            void_reason=reason,
            otp_hmac=None,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))
