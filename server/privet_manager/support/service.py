"""Posting into a client's support ticket (the chat they see in the Привет Супер app) and
keeping the manager side's own log of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.clients.models import Client
from privet_manager.legacy.models import SupportMessage, SupportTicket
from privet_manager.support.models import ManagerSupportMessage, SupportThread

AUTHOR = "system"
NEW_TICKET_SUBJECT = "Оформление договора обслуживания"


@dataclass(frozen=True)
class Posted:
    ticket_id: int
    support_message_id: int
    log_id: int


async def ticket_for(session: AsyncSession, client: Client) -> int:
    """The ticket the manager side writes to: the one used before, else the client's latest
    open ticket, else a new one."""
    thread = await session.scalar(select(SupportThread).where(SupportThread.client_id == client.id))
    if thread is not None:
        return thread.ticket_id
    ticket_id = await session.scalar(
        select(SupportTicket.id)
        .where(SupportTicket.user_id == client.user_id, SupportTicket.status == "open")
        .order_by(SupportTicket.id.desc())
        .limit(1)
    )
    if ticket_id is None:
        ticket = SupportTicket(user_id=client.user_id, subject=NEW_TICKET_SUBJECT, status="open")
        session.add(ticket)
        await session.flush()
        ticket_id = ticket.id
    session.add(SupportThread(client_id=client.id, ticket_id=ticket_id))
    await session.flush()
    return ticket_id


async def post(
    session: AsyncSession,
    client: Client,
    *,
    body: str,
    logged_body: str,
    kind: str,
    manager_id: int | None,
    contract_id: int | None = None,
) -> Posted:
    """Post `body` to the client's ticket; the manager-side log keeps `logged_body` (the same
    text with any secret, such as a one-time code, redacted)."""
    ticket_id = await ticket_for(session, client)
    message = SupportMessage(ticket_id=ticket_id, author_type=AUTHOR, body=body)
    session.add(message)
    await session.execute(
        update(SupportTicket)
        .where(SupportTicket.id == ticket_id)
        .values(updated_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    thread_id = await session.scalar(
        select(SupportThread.id).where(SupportThread.client_id == client.id)
    )
    assert thread_id is not None
    log = ManagerSupportMessage(
        thread_id=thread_id,
        support_message_id=message.id,
        kind=kind,
        body=logged_body,
        contract_id=contract_id,
        manager_id=manager_id,
    )
    session.add(log)
    await session.flush()
    return Posted(ticket_id=ticket_id, support_message_id=message.id, log_id=log.id)
