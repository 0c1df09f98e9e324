"""One client from the list through every step to success, as a manager on a tablet."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import (
    MANAGER,
    SCREENSHOTS,
    add_device,
    camera_jpeg,
    claim_first_new,
    fill_step1,
    fill_step2,
    login_in_browser,
    read_otp,
    record,
    shoot,
)

pytestmark = pytest.mark.e2e


def check_dispute_pack_download(page) -> None:
    """The success screen's «Пакет доказательств» saves the ZIP the API built."""
    import zipfile

    with page.expect_download() as info:
        page.get_by_test_id("dispute-pack").click()
    download = info.value
    assert download.suggested_filename.startswith("dispute-pack-PM-")
    assert download.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(download.path()) as pack:
        names = pack.namelist()
    assert names[:2] == ["README.txt", "SHA256SUMS"] and "evidence.json" in names


def check_uploaded_photo(live_server, client_id: str) -> None:
    """What reached storage: turned upright by EXIF, ≤1200 px, ≤400 KB, no EXIF (no GPS)."""
    from PIL import Image

    with live_server.api(live_server.login(*MANAGER)) as api:
        card = api.get(f"/api/manager/clients/{client_id}").json()
        photo = card["devices"][0]["photos"][0]
        r = api.get(photo["url"])
        assert r.status_code == 200, r.text
    assert len(r.content) <= 400 * 1024
    img = Image.open(io.BytesIO(r.content))
    assert img.format == "JPEG"
    # The camera wrote 4000×3000 with orientation 6 (rotate 90°): upright it is portrait.
    assert img.size == (900, 1200)
    assert not img.getexif()


def test_login_to_success(new_page, live_server) -> None:
    page = new_page("desktop")
    page.goto("/login")
    page.get_by_test_id("login-submit").wait_for()
    shoot(page, "01-login")
    login_in_browser(page, *MANAGER)

    page.get_by_test_id("client-card").first.wait_for()
    assert page.get_by_test_id("client-address").first.is_visible()
    shoot(page, "02-clients-new")
    client_id = claim_first_new(page)

    # Step 1: contact data and the registration address by fields.
    fill_step1(page)
    shoot(page, "03-step1-profile")
    page.get_by_test_id("step1-submit").click()
    page.wait_for_url(f"**/clients/{client_id}/step/2")

    # Step 2: passport, with a way back to step 1.
    fill_step2(page)
    shoot(page, "04-step2-passport")
    page.get_by_test_id("step2-submit").click()
    page.wait_for_url(f"**/clients/{client_id}/step/3")

    # Step 3: a device and a camera photo, resized in the browser before upload.
    page.get_by_test_id("step-3").wait_for()
    page.get_by_test_id("device-add").click()
    page.get_by_test_id("device-modal").wait_for()
    shoot(page, "05-step3-device-modal")
    page.get_by_test_id("device-cancel").click()
    add_device(page)
    device = page.get_by_test_id("device-card").first
    device.get_by_test_id("photo-camera").set_input_files(
        files=[{"name": "camera.jpg", "mimeType": "image/jpeg", "buffer": camera_jpeg()}]
    )
    device.get_by_test_id("photo").first.wait_for(timeout=30_000)
    resize_ms = page.evaluate(
        "() => performance.getEntriesByName('photo-resize').map(e => Math.round(e.duration))"
    )
    record("photo-resize-ms", resize_ms)
    check_uploaded_photo(live_server, client_id)
    shoot(page, "06-step3-devices")
    page.get_by_test_id("step3-next").click()
    page.wait_for_url(f"**/clients/{client_id}/step/4")

    # Step 4: tariff, PEP consent, contract, OTP read from the client's support chat.
    page.get_by_test_id("step-4").wait_for()
    page.locator("[data-testid^='tariff-']").and_(page.locator("input[type=radio]")).first.check()
    page.get_by_test_id("tariff-breakdown").wait_for()
    shoot(page, "07-step4-tariff")
    page.get_by_test_id("pep-agree").check()
    page.get_by_test_id("contract-generate").click()
    page.get_by_test_id("otp-section").wait_for()
    assert page.get_by_test_id("contract-pdf").get_attribute("href")
    shoot(page, "08-step4-otp")

    with live_server.api(live_server.login(*MANAGER)) as api:
        user_id = api.get(f"/api/manager/clients/{client_id}").json()["user_id"]
    page.get_by_test_id("otp-input").fill(read_otp(live_server, user_id))
    page.get_by_test_id("otp-submit").click()
    page.wait_for_url(f"**/clients/{client_id}/step/success")
    page.get_by_test_id("step-success").wait_for()
    shoot(page, "09-success")

    # A surcharge: the manager takes the payment and confirms it.
    if page.get_by_test_id("payment-reminder").count():
        # The amount is the surcharge, not a field to type; partial payments are not offered.
        amount = page.get_by_test_id("payment-amount")
        expect(amount).to_contain_text("Частичная оплата не поддерживается")
        assert amount.locator("input").count() == 0
        page.get_by_test_id("payment-reference").fill("ЧЕК-0001")
        page.get_by_test_id("payment-confirm").click()
        page.get_by_test_id("payment-done").wait_for()
    page.get_by_test_id("success-title").filter(has_text="Клиент оформлен").wait_for()
    page.get_by_test_id("contract-verify").click()
    page.get_by_test_id("contract-verdict").filter(has_text="Подпись действительна").wait_for()
    # In a manager's words: no hashes, no HMAC.
    verdict = page.get_by_test_id("contract-verdict").inner_text()
    assert not [w for w in ("хэш", "HMAC", "SHA") if w.lower() in verdict.lower()], verdict
    check_dispute_pack_download(page)
    shoot(page, "10-success-processed")

    page.get_by_test_id("success-back").click()
    page.get_by_test_id("tab-processed").click()
    page.locator(f"[data-testid=client-card][data-client-id='{client_id}']").wait_for()
    shoot(page, "11-clients-processed")

    # And the same screens at the phone size stay usable.
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_test_id("tab-new").click()
    page.get_by_test_id("client-card").first.wait_for()
    page.screenshot(path=str(SCREENSHOTS / "12-clients-phone-390x844.png"))
