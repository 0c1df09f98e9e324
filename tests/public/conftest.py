"""The contract tests' manager and headers (a client ready for step 5 needs both)."""

from tests.contracts.conftest import headers, manager

__all__ = ["headers", "manager"]
