from __future__ import annotations

import pytest
from privet_manager.auth.actor import Actor


@pytest.fixture
async def actor(factory) -> Actor:
    """A manager at an address with a User-Agent, as the chain records them."""
    return Actor(manager=await factory.manager(), ip="203.0.113.9", user_agent="Tablet/1.0")
