from __future__ import annotations

import pytest
from privet_manager.kit.security import hash_password

from tests.conftest import TEST_PASSWORD


@pytest.fixture(scope="session")
def password_hash() -> str:
    # Logging in is what these tests are about: the password check runs at the production cost.
    return hash_password(TEST_PASSWORD)
