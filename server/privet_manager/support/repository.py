"""The support queries other domains need (the dispute pack's chat excerpt)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.legacy.models import SupportMessage
from privet_manager.support.models import ManagerSupportMessage


async def contract_messages(
    session: AsyncSession,
    *,
    ticket_id: int,
    contract_id: int,
    code_message_id: int,
    until: datetime,
) -> list[tuple[SupportMessage, ManagerSupportMessage | None]]:
    """The ticket's messages from the contract's first code message (or `code_message_id`)
    up to `until`, and every message the manager side posted about the contract (invoices),
    oldest first; each with the manager side's own (redacted) log of it, if it posted it."""
    logged = {
        m.support_message_id: m
        for m in await session.scalars(
            select(ManagerSupportMessage).where(ManagerSupportMessage.contract_id == contract_id)
        )
    }
    first = min(
        [code_message_id] + [m.support_message_id for m in logged.values() if m.kind == "otp"]
    )
    rows = await session.scalars(
        select(SupportMessage)
        .where(
            SupportMessage.ticket_id == ticket_id,
            or_(
                and_(SupportMessage.id >= first, SupportMessage.created_at <= until),
                SupportMessage.id.in_(list(logged)),
            ),
        )
        .order_by(SupportMessage.id)
    )
    return [(m, logged.get(m.id)) for m in rows]
