from tests.contracts.conftest import headers, manager

__all__ = ["headers", "manager"]
