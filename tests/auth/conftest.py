from __future__ import annotations

import os

import pytest
from privet_manager.kit.security import hash_password

from tests.conftest import TEST_PASSWORD, quick_hash


@pytest.fixture(scope="session")
def password_hash() -> str:
    # Logging in is what these tests are about: the password check runs at the production cost
    # (`make mutation` runs them hundreds of times: there, at the lowest cost; the cost the
    # code uses is pinned by tests/kit/test_security_helpers.py).
    if os.environ.get("PM_TEST_QUICK_BCRYPT") == "1":
        return quick_hash()
    return hash_password(TEST_PASSWORD)
