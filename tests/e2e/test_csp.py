"""Every screen of the wizard under the strict Content-Security-Policy, in Chromium: none of
them may trip it (the `new_page` fixture fails a test on any violation; here each screen is
checked as it is reached, so a failure names the screen)."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import (
    MANAGER,
    add_device,
    camera_jpeg,
    claim_first_new,
    fill_step1,
    fill_step2,
    login_in_browser,
    read_otp,
)

pytestmark = pytest.mark.e2e


def test_every_wizard_screen_satisfies_the_policy(new_page, live_server, csp_violations) -> None:
    page = new_page("tablet")
    seen: list[str] = []

    def screen(name: str) -> None:
        # (Never "networkidle": the list keeps its live-update stream open.)
        page.wait_for_timeout(300)
        assert csp_violations == [], f"on {name}: {csp_violations}"
        seen.append(name)

    response = page.goto("/login")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "'unsafe-inline'" not in policy

    # The listener works: an inline script is refused and reported.
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = '1';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_function("() => true")
    page.wait_for_timeout(200)
    assert [v.get("directive") for v in csp_violations if "directive" in v] == ["script-src-elem"]
    csp_violations.clear()

    page.get_by_test_id("login-password").fill("wrong-password-123")
    page.get_by_test_id("login-email").fill(MANAGER[0])
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("login-error").wait_for()
    screen("login with an error")
    login_in_browser(page, *MANAGER)
    page.get_by_test_id("client-card").first.wait_for()
    screen("clients, new")
    for tab in ("tab-in_progress", "tab-mine", "tab-processed", "tab-new"):
        if page.get_by_test_id(tab).count():
            page.get_by_test_id(tab).click()
            screen(tab)

    client_id = claim_first_new(page)
    fill_step1(page)
    screen("step 1")
    page.get_by_test_id("step1-submit").click()
    page.wait_for_url(f"**/clients/{client_id}/step/2")
    fill_step2(page)
    screen("step 2")
    page.get_by_test_id("step2-submit").click()
    page.wait_for_url(f"**/clients/{client_id}/step/3")

    page.get_by_test_id("step-3").wait_for()
    page.get_by_test_id("device-add").click()
    page.get_by_test_id("device-modal").wait_for()
    screen("step 3, device form")
    page.get_by_test_id("device-cancel").click()
    add_device(page)
    device = page.get_by_test_id("device-card").first
    # The photo is resized in the page (pica) and previewed from a blob: URL, then uploaded.
    device.get_by_test_id("photo-camera").set_input_files(
        files=[{"name": "camera.jpg", "mimeType": "image/jpeg", "buffer": camera_jpeg()}]
    )
    device.get_by_test_id("photo").first.wait_for(timeout=30_000)
    screen("step 3, photo")
    page.get_by_test_id("step3-next").click()
    page.wait_for_url(f"**/clients/{client_id}/step/4")

    page.get_by_test_id("step-4").wait_for()
    page.locator("[data-testid^='tariff-']").and_(page.locator("input[type=radio]")).first.check()
    page.get_by_test_id("tariff-breakdown").wait_for()
    screen("step 4, tariff")
    page.get_by_test_id("pep-agree").check()
    page.get_by_test_id("contract-generate").click()
    page.get_by_test_id("otp-section").wait_for()
    screen("step 4, code")
    with live_server.api(live_server.login(*MANAGER)) as api:
        user_id = api.get(f"/api/manager/clients/{client_id}").json()["user_id"]
    page.get_by_test_id("otp-input").fill(read_otp(live_server, user_id))
    page.get_by_test_id("otp-submit").click()
    page.wait_for_url(f"**/clients/{client_id}/step/success")
    page.get_by_test_id("step-success").wait_for()
    screen("success")
    if page.get_by_test_id("payment-reminder").count():
        page.get_by_test_id("payment-reference").fill("ЧЕК-0002")
        page.get_by_test_id("payment-confirm").click()
        page.get_by_test_id("payment-done").wait_for()
        screen("payment")
    page.get_by_test_id("contract-verify").click()
    page.get_by_test_id("contract-verdict").filter(has_text="Подпись действительна").wait_for()
    screen("verified")
    page.get_by_test_id("success-back").click()
    page.get_by_test_id("tab-processed").click()
    page.locator(f"[data-testid=client-card][data-client-id='{client_id}']").wait_for()
    screen("clients, processed")
    assert len(seen) >= 12
