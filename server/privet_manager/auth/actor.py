"""Who does something, and from where: what the activity chain and the evidence record."""

from __future__ import annotations

from dataclasses import dataclass

from privet_manager.auth.models import Manager


@dataclass(frozen=True)
class Actor:
    """The signed-in manager behind a request, with the client's address as the app sees it
    (kit/net.py: the socket, or X-Forwarded-For from a trusted proxy) and User-Agent."""

    manager: Manager
    ip: str
    user_agent: str | None

    @property
    def manager_id(self) -> int:
        return self.manager.id
