"""A tablet losing its connection mid-step: nothing typed is lost, saves and uploads resume."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import (
    MANAGER,
    add_device,
    camera_jpeg,
    claim_first_new,
    fill_step1,
    login_in_browser,
    shoot,
)

pytestmark = pytest.mark.e2e


def test_failed_save_offers_a_retry_and_keeps_the_input(new_page, live_server) -> None:
    # No connection queues the step (tests/e2e/test_field_use.py); a server error is an answer:
    # the banner says so and offers a retry, and the typed values stay.
    page = new_page("tablet")
    login_in_browser(page, *MANAGER)
    client_id = claim_first_new(page)
    fill_step1(page)
    profile = f"**/api/manager/clients/{client_id}/profile"
    problem = '{"type":"about:blank","title":"Internal Server Error","status":500}'
    page.route(
        profile,
        lambda route: route.fulfill(
            status=500, content_type="application/problem+json", body=problem
        ),
    )
    page.get_by_test_id("step1-submit").click()
    banner = page.get_by_test_id("save-error")
    expect(banner).to_contain_text("Сервер временно недоступен")
    expect(page.get_by_test_id("address-street")).to_have_value("ул. Тверская")
    shoot(page, "30-step1-server-error-retry")
    page.unroute(profile)
    page.get_by_test_id("save-error-retry").click()
    page.wait_for_url(f"**/clients/{client_id}/step/2")


def test_photo_upload_is_retried_when_back_online(new_page, live_server) -> None:
    page = new_page("tablet")
    login_in_browser(page, *MANAGER)
    client_id = claim_first_new(page)
    page.goto(f"/clients/{client_id}/step/3")
    add_device(page)
    device = page.get_by_test_id("device-card").first
    page.context.set_offline(True)
    device.get_by_test_id("photo-gallery").set_input_files(
        files=[{"name": "shelf.jpg", "mimeType": "image/jpeg", "buffer": camera_jpeg(2000, 1500)}]
    )
    expect(device.get_by_test_id("photo-retry")).to_be_visible()
    expect(device.get_by_test_id("photo-pending")).to_have_attribute("data-status", "failed")
    shoot(page, "31-step3-upload-queued")
    page.context.set_offline(False)  # the page's "online" event sends the queue again
    expect(device.get_by_test_id("photo")).to_have_count(1, timeout=20_000)
    expect(device.get_by_test_id("photo-pending")).to_have_count(0)
