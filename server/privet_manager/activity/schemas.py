"""The activity chain on the wire: the card's timeline."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from privet_manager.auth.schemas import ManagerRef


class TimelineEntry(BaseModel):
    seq: int
    action: str
    manager: ManagerRef | None
    created_at: datetime
    ip: str | None
    payload: dict[str, object]
