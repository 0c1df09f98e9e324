"""What goes wrong on a tablet: a wrong code, a huge photo, a reload, a colleague's claim."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import (
    ADMIN,
    MANAGER,
    PASSPORT,
    add_device,
    claim_first_new,
    fill_step1,
    fill_step2,
    login_in_browser,
    read_otp,
    shoot,
)

pytestmark = pytest.mark.e2e


def _through_step3(page) -> str:
    client_id = claim_first_new(page)
    fill_step1(page)
    page.get_by_test_id("step1-submit").click()
    fill_step2(page)
    page.get_by_test_id("step2-submit").click()
    page.get_by_test_id("step-3").wait_for()
    add_device(page, "LG", "OLED55")
    page.get_by_test_id("step3-next").click()
    page.get_by_test_id("step-4").wait_for()
    return client_id


def test_wrong_otp_shows_attempts_left(new_page, live_server) -> None:
    page = new_page("tablet")
    login_in_browser(page, *MANAGER)
    client_id = _through_step3(page)
    page.locator("[data-testid^='tariff-']").and_(page.locator("input[type=radio]")).first.check()
    page.get_by_test_id("tariff-breakdown").wait_for()
    page.get_by_test_id("pep-agree").check()
    page.get_by_test_id("contract-generate").click()
    page.get_by_test_id("otp-section").wait_for()
    # The resend button waits out its cooldown.
    assert page.get_by_test_id("otp-resend").is_disabled()
    # Read the real code so that the wrong one is certainly wrong.
    with live_server.api(live_server.login(*MANAGER)) as api:
        user_id = api.get(f"/api/manager/clients/{client_id}").json()["user_id"]
    real = read_otp(live_server, user_id)
    wrong = "000000" if real != "000000" else "111111"
    page.get_by_test_id("otp-input").fill(wrong)
    page.get_by_test_id("otp-submit").click()
    expect(page.get_by_text("Неверный код.", exact=True)).to_be_visible()
    expect(page.get_by_test_id("otp-attempts")).to_have_text("Осталось попыток: 4")
    # Said once: the refusal does not repeat the count under it.
    expect(page.get_by_text("Осталось попыток")).to_have_count(1)
    assert "/step/4" in page.url
    shoot(page, "20-step4-wrong-otp")


def test_photo_over_size_limit_is_refused(new_page, live_server, tmp_path: Path) -> None:
    page = new_page("tablet")
    login_in_browser(page, *MANAGER)
    claim_first_new(page)
    page.goto(page.url.replace("/step/1", "/step/3"))
    add_device(page)
    # From a file, not a buffer: Playwright hands a local browser the path, where a 41 MB
    # buffer would cross its protocol as base64 (~30 s).
    too_big = tmp_path / "huge.jpg"
    too_big.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * (41 * 1024 * 1024))
    page.get_by_test_id("photo-gallery").first.set_input_files(files=too_big)
    error = page.get_by_test_id("photo-error").first
    error.wait_for()
    assert "слишком большое" in error.inner_text()
    assert page.get_by_test_id("photo").count() == 0
    shoot(page, "21-step3-photo-too-big")


def test_reload_in_step2_keeps_typed_passport(new_page, live_server) -> None:
    page = new_page("tablet")
    login_in_browser(page, *MANAGER)
    client_id = claim_first_new(page)
    page.goto(f"/clients/{client_id}/step/2")
    typed = {k: PASSPORT[k] for k in ("series", "number", "issued_by", "birth_place")}
    fill_step2(page, typed)
    page.reload()
    page.get_by_test_id("step-2").wait_for()
    for field, value in typed.items():
        assert page.get_by_test_id(f"passport-{field}").input_value() == value
    assert page.get_by_test_id("draft-restored").is_visible()
    shoot(page, "22-step2-after-reload")

    # Logging out leaves no passport data in the browser.
    page.get_by_test_id("logout").click()
    page.wait_for_url("**/login**")
    leftovers = page.evaluate(
        "() => Object.keys(sessionStorage).concat(Object.keys(localStorage))"
        ".filter(k => k.startsWith('pm:'))"
    )
    assert leftovers == []


def test_other_managers_claim_appears_without_reload(new_page, live_server) -> None:
    page = new_page("desktop")
    login_in_browser(page, *MANAGER)
    page.goto("/clients?tab=new")
    card = page.get_by_test_id("client-card").last
    card.wait_for()
    client_id = card.get_attribute("data-client-id")
    marker = page.evaluate("() => (window.__noReload = 1)")
    assert marker == 1

    with live_server.api(live_server.login(*ADMIN)) as admin:
        r = admin.post(f"/api/manager/clients/{client_id}/claim")
        assert r.status_code in (200, 201), r.text

    row = page.locator(f"[data-testid=client-card][data-client-id='{client_id}']")
    row.wait_for(state="detached", timeout=10_000)
    assert page.evaluate("() => window.__noReload") == 1
    page.get_by_test_id("tab-in_progress").click()
    claimed = page.locator(f"[data-testid=client-card][data-client-id='{client_id}']")
    claimed.wait_for()
    assert "Анна Админова" in claimed.get_by_test_id("client-manager").inner_text()
    shoot(page, "23-clients-in-progress-live")
