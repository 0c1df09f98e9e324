"""Publishing live events: `NOTIFY` inside the caller's transaction, delivered on commit.

Every API process LISTENs on the channel (events/hub.py) and fans events out to its SSE
subscribers, so an event published through any replica reaches every connected manager.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

CHANNEL = "privet_manager_events"

EventKind = Literal["client.claimed", "client.updated", "client.processed"]
EVENT_KINDS: tuple[str, ...] = ("client.claimed", "client.updated", "client.processed")


async def publish(session: AsyncSession, kind: EventKind, client_id: int, **data: Any) -> None:
    """Queue an event for delivery when the session's transaction commits.

    Keep `data` small and free of personal data: it is broadcast to every manager (ids,
    status, step, version are the right size). A rolled-back transaction sends nothing.
    """
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    message = {
        "type": kind,
        "client_id": client_id,
        **data,
        "at": datetime.now(UTC).isoformat(),
    }
    payload = json.dumps(message, default=str, separators=(",", ":"), ensure_ascii=False)
    if len(payload.encode()) > 7900:  # NOTIFY payloads are limited to 8000 bytes
        raise ValueError("event payload too large")
    await session.execute(
        text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload}
    )
