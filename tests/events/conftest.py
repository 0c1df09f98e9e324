"""Real API server processes (uvicorn) on the test database, for streaming tests."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.live import LiveServer, live_server


@pytest.fixture
def api_processes(database_url: str, tmp_path: Path) -> Iterator[Callable[[], LiveServer]]:
    """Start as many API processes on the test database as a test asks for."""
    numbers = itertools.count()
    with ExitStack() as stack:

        def start() -> LiveServer:
            env = {
                "DATABASE_URL": database_url,
                "ENVIRONMENT": "test",
                "PRIVET_DATA_DIR": str(tmp_path / f"var-{next(numbers)}"),
            }
            return stack.enter_context(live_server(env))

        yield start
