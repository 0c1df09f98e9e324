from __future__ import annotations

import pytest
from privet_manager.auth.models import Manager

from tests.conftest import Factory, login


@pytest.fixture
async def manager(factory: Factory) -> Manager:
    return await factory.manager(name="Михаил Мастеров")


@pytest.fixture
async def headers(client, manager: Manager) -> dict[str, str]:
    return await login(client, manager)
