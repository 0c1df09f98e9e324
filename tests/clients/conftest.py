from __future__ import annotations

import pytest
from privet_manager.clients import sync


@pytest.fixture(autouse=True)
def _full_sync_each_test() -> None:
    # Tables are truncated between tests: let the first listing run the full pass again.
    sync.force_full_sync_next_time()
