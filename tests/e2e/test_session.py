"""The session: the token only in memory, restored from the cookie, and a lost session that
returns the manager to where they were after logging in again."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import MANAGER, claim_first_new, login_in_browser

pytestmark = pytest.mark.e2e


def test_reload_keeps_the_session_without_storing_the_token(new_page, live_server) -> None:
    page = new_page("tablet")
    login_in_browser(page, *MANAGER)
    page.reload()
    page.get_by_test_id("client-list").wait_for()
    assert page.get_by_test_id("current-manager").inner_text()
    stored = page.evaluate(
        "() => JSON.stringify({...localStorage}) + JSON.stringify({...sessionStorage})"
    )
    assert "eyJ" not in stored  # no JWT in browser storage


def test_expired_session_returns_to_the_same_step(new_page, live_server) -> None:
    page = new_page("tablet")
    login_in_browser(page, *MANAGER)
    client_id = claim_first_new(page)
    page.goto(f"/clients/{client_id}/step/3")
    page.get_by_test_id("step-3").wait_for()

    # The refresh cookie is gone (session over): a reload cannot restore the session.
    page.context.clear_cookies()
    page.reload()
    page.wait_for_url("**/login?next=**")
    page.get_by_test_id("login-email").fill(MANAGER[0])
    page.get_by_test_id("login-password").fill(MANAGER[1])
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(f"**/clients/{client_id}/step/3")
    page.get_by_test_id("step-3").wait_for()
