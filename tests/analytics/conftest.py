from __future__ import annotations

import pytest
from privet_manager.auth.models import Manager

from tests.analytics.test_figures import World, build
from tests.conftest import Factory


@pytest.fixture
async def world(factory: Factory, clean_db) -> tuple[World, Manager]:
    """Three managers' random histories around the period (test_figures.build), and an
    admin to ask."""
    managers = [await factory.manager(name=f"Менеджер {c}") for c in "АБВ"]
    admin = await factory.manager(role="admin", name="Старший")
    return await build(clean_db, managers), admin
