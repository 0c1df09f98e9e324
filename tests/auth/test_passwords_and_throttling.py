from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from privet_manager.settings import get_settings

from tests.conftest import TEST_PASSWORD, Factory, login

CYRILLIC_40 = "щ" * 40  # 80 bytes in UTF-8: over bcrypt's 72-byte limit


async def _create(
    client: httpx.AsyncClient, headers: dict[str, Any], password: str
) -> httpx.Response:
    return await client.post(
        "/api/manager/admin/managers",
        headers=headers,
        json={"email": "new.manager@privet-super.ru", "name": "Новый", "password": password},
    )


async def test_long_cyrillic_password_is_422_when_set(
    client: httpx.AsyncClient, admin_headers: dict[str, Any]
) -> None:
    r = await _create(client, admin_headers, CYRILLIC_40)
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "password_too_long"
    assert body["errors"][0]["loc"] == ["body", "password"]


async def test_long_cyrillic_password_is_401_at_login(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager = await factory.manager()
    r = await client.post(
        "/api/manager/auth/login", json={"email": manager.email, "password": CYRILLIC_40}
    )
    assert r.status_code == 401


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short1", "validation_error"),
        ("password123", "password_common"),
        ("йцукенгшщз", "password_common"),
    ],
)
async def test_weak_passwords_are_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, Any], password: str, code: str
) -> None:
    r = await _create(client, admin_headers, password)
    assert r.status_code == 422
    assert r.json()["code"] == code


async def test_good_password_creates_a_manager_who_can_log_in(
    client: httpx.AsyncClient, admin_headers: dict[str, Any]
) -> None:
    r = await _create(client, admin_headers, "Зелёный-слон-прыгает-7")
    assert r.status_code == 201, r.text
    login_r = await client.post(
        "/api/manager/auth/login",
        json={"email": "NEW.manager@privet-super.ru", "password": "Зелёный-слон-прыгает-7"},
    )
    assert login_r.status_code == 200


async def test_common_password_list_is_large(client: httpx.AsyncClient) -> None:
    from privet_manager.auth.passwords import common_passwords

    assert len(common_passwords()) >= 3000


async def test_eleventh_wrong_password_is_throttled(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager = await factory.manager()
    wrong = {"email": manager.email, "password": "Wrong-password-123"}
    for _ in range(10):
        assert (await client.post("/api/manager/auth/login", json=wrong)).status_code == 401
    r = await client.post("/api/manager/auth/login", json=wrong)
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
    # Even the right password waits: the account is locked, not only the guesses.
    right = await client.post(
        "/api/manager/auth/login", json={"email": manager.email, "password": TEST_PASSWORD}
    )
    assert right.status_code == 429


async def test_success_resets_the_account_counter(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager = await factory.manager()
    wrong = {"email": manager.email, "password": "Wrong-password-123"}
    for _ in range(9):
        await client.post("/api/manager/auth/login", json=wrong)
    await login(client, manager)
    for _ in range(9):
        assert (await client.post("/api/manager/auth/login", json=wrong)).status_code == 401


async def test_per_ip_limit_across_accounts(
    client: httpx.AsyncClient, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "login_max_failures_per_ip", 5)
    for i in range(5):
        r = await client.post(
            "/api/manager/auth/login", json={"email": f"nobody{i}@x.ru", "password": "x" * 10}
        )
        assert r.status_code == 401
    r = await client.post(
        "/api/manager/auth/login", json={"email": "nobody99@x.ru", "password": "x" * 10}
    )
    assert r.status_code == 429


async def test_unknown_email_and_wrong_password_answer_identically(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager = await factory.manager()
    known = await client.post(
        "/api/manager/auth/login", json={"email": manager.email, "password": "Wrong-password-1"}
    )
    unknown = await client.post(
        "/api/manager/auth/login",
        json={"email": "ghost@privet.test", "password": "Wrong-password-1"},
    )
    assert known.status_code == unknown.status_code == 401
    assert known.content == unknown.content
    assert known.headers["content-type"] == unknown.headers["content-type"]


async def test_disabled_manager_live_token_is_refused(
    client: httpx.AsyncClient, factory: Factory, admin_headers: dict[str, Any]
) -> None:
    manager = await factory.manager()
    headers = await login(client, manager)
    r = await client.patch(
        f"/api/manager/admin/managers/{manager.id}",
        headers=admin_headers,
        json={"is_active": False},
    )
    assert r.status_code == 200
    assert (await client.get("/api/manager/auth/me", headers=headers)).status_code == 401
    again = await client.post(
        "/api/manager/auth/login", json={"email": manager.email, "password": TEST_PASSWORD}
    )
    assert again.status_code == 401


async def test_password_change_ends_sessions(client: httpx.AsyncClient, factory: Factory) -> None:
    manager = await factory.manager()
    old = await login(client, manager)
    r = await client.post(
        "/api/manager/auth/password",
        headers=old,
        json={"current_password": TEST_PASSWORD, "new_password": "Новый-пароль-на-день-9"},
    )
    assert r.status_code == 204, r.text
    assert (await client.get("/api/manager/auth/me", headers=old)).status_code == 401


async def test_only_admin_manages_managers(
    client: httpx.AsyncClient, manager_headers: dict[str, Any]
) -> None:
    r = await client.get("/api/manager/admin/managers", headers=manager_headers)
    assert r.status_code == 403


async def test_login_failures_are_logged_without_the_password(
    client: httpx.AsyncClient, factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    manager = await factory.manager()
    with caplog.at_level(logging.INFO, logger="privet_manager.security"):
        await client.post(
            "/api/manager/auth/login", json={"email": manager.email, "password": "Wrong-secret-77"}
        )
    events = [getattr(r, "event", None) for r in caplog.records]
    assert "login_failed" in events
    assert "Wrong-secret-77" not in caplog.text


async def test_eleventh_wrong_current_password_is_throttled(
    client: httpx.AsyncClient, factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    """A stolen access token cannot guess the current password without limit: ten wrong
    guesses are counted (each answered 401, the count kept), the eleventh is 429, and then
    even the right one waits. Every failure is a security event, without the password."""
    manager = await factory.manager()
    headers = await login(client, manager)
    url = "/api/manager/auth/password"
    guess = {"current_password": "Guessed-secret-1", "new_password": "Новый-пароль-на-день-9"}
    with caplog.at_level(logging.INFO, logger="privet_manager.security"):
        for _ in range(10):
            r = await client.post(url, headers=headers, json=guess)
            assert r.status_code == 401 and r.json()["code"] == "invalid_credentials"
    events = [getattr(r, "event", None) for r in caplog.records]
    assert events.count("password_change_failed") == 10
    assert "Guessed-secret-1" not in caplog.text
    r = await client.post(url, headers=headers, json=guess)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    right = {"current_password": TEST_PASSWORD, "new_password": "Новый-пароль-на-день-9"}
    assert (await client.post(url, headers=headers, json=right)).status_code == 429
    # The session was not ended by the guesses: the manager works on.
    assert (await client.get("/api/manager/auth/me", headers=headers)).status_code == 200


async def test_a_right_current_password_resets_the_count(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager = await factory.manager()
    url = "/api/manager/auth/password"
    headers = await login(client, manager)
    wrong = {"current_password": "Guessed-secret-1", "new_password": "Новый-пароль-на-день-9"}
    for _ in range(9):
        assert (await client.post(url, headers=headers, json=wrong)).status_code == 401
    right = {"current_password": TEST_PASSWORD, "new_password": "Новый-пароль-на-день-9"}
    assert (await client.post(url, headers=headers, json=right)).status_code == 204
    # The old sessions ended with the change; a new login under the new password counts anew.
    r = await client.post(
        "/api/manager/auth/login",
        json={"email": manager.email, "password": "Новый-пароль-на-день-9"},
    )
    assert r.status_code == 200, r.text
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    back = {"current_password": "Новый-пароль-на-день-9", "new_password": TEST_PASSWORD + "-2"}
    for _ in range(9):
        assert (await client.post(url, headers=headers, json=wrong)).status_code == 401
    assert (await client.post(url, headers=headers, json=back)).status_code == 204
