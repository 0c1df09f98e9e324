"""The security log's events of logins and password changes, each with its level and the
fields an operator's alert reads (docs/OPERATIONS.md): who and from where, never a password.
The refresh events are in tests/auth/test_rotation.py."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from privet_manager.settings import get_settings

from tests.conftest import TEST_PASSWORD, Factory, login

LOGIN, PASSWORD = "/api/manager/auth/login", "/api/manager/auth/password"
CLIENT_IP = "203.0.113.7"  # the test client's address (tests/conftest.py)
FIELDS = ("levelname", "manager_id", "ip", "known")


def events(caplog: pytest.LogCaptureFixture) -> list[tuple[Any, ...]]:
    """(event, level, manager id, ip, known) of each security event, `-` for a field the
    event does not carry."""
    return [
        (r.event, *(getattr(r, f, "-") for f in FIELDS))
        for r in caplog.records
        if hasattr(r, "event")
    ]


@pytest.fixture
def security(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="privet_manager.security")
    return caplog


async def test_login_events(
    client: httpx.AsyncClient, factory: Factory, security: pytest.LogCaptureFixture
) -> None:
    manager = await factory.manager()
    await login(client, manager)
    bad = {"email": manager.email, "password": "Wrong-password-123"}
    assert (await client.post(LOGIN, json=bad)).status_code == 401
    ghost = {"email": "ghost@example.ru", "password": "Wrong-password-123"}
    assert (await client.post(LOGIN, json=ghost)).status_code == 401
    ip = CLIENT_IP
    assert events(security) == [
        ("login", "INFO", manager.id, ip, "-"),
        ("login_failed", "WARNING", "-", ip, True),
        ("login_failed", "WARNING", "-", ip, False),
    ]
    security.clear()
    for _ in range(get_settings().login_max_failures_per_account - 1):
        assert (await client.post(LOGIN, json=bad)).status_code == 401
    security.clear()
    r = await client.post(LOGIN, json=bad)
    assert r.status_code == 429
    assert events(security) == [("login_throttled", "WARNING", "-", ip, "-")]


async def test_password_change_events(
    client: httpx.AsyncClient, factory: Factory, security: pytest.LogCaptureFixture
) -> None:
    manager = await factory.manager()
    headers = await login(client, manager)
    security.clear()
    new = "Новый-пароль-на-день-9"
    guess = {"current_password": "Guessed-secret-1", "new_password": new}
    right = {"current_password": TEST_PASSWORD, "new_password": new}
    ip = CLIENT_IP
    assert (await client.post(PASSWORD, headers=headers, json=guess)).status_code == 401
    assert (await client.post(PASSWORD, headers=headers, json=right)).status_code == 204
    assert events(security) == [
        ("password_change_failed", "WARNING", manager.id, ip, "-"),
        ("password_changed", "INFO", manager.id, "-", "-"),
    ]

    r = await client.post(LOGIN, json={"email": manager.email, "password": new})
    assert r.status_code == 200, r.text
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    again = {"current_password": "Guessed-secret-1", "new_password": new + "-2"}
    limit = get_settings().login_max_failures_per_account
    for _ in range(limit):
        assert (await client.post(PASSWORD, headers=headers, json=again)).status_code == 401
    security.clear()
    r = await client.post(PASSWORD, headers=headers, json=again)
    assert r.status_code == 429
    assert 0 < int(r.headers["Retry-After"]) <= get_settings().login_lockout_minutes * 60
    assert events(security) == [("password_throttled", "WARNING", manager.id, ip, "-")]
