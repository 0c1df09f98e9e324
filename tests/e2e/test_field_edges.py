"""The wizard's remaining rough edges in the field (issue 16): a photo whose confirmation
answer was lost, a device saved offline, the layout at 200 % font size."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import (
    MANAGER,
    add_device,
    camera_jpeg,
    claim_first_new,
    login_in_browser,
)
from tests.e2e.test_field_use import _card, _no_login, _watch_for_login

pytestmark = pytest.mark.e2e

CONFIRM = re.compile(r".*/api/manager/clients/\d+/devices/\d+/photos$")


def test_a_lost_confirmation_answer_does_not_upload_the_photo_twice(new_page, live_server) -> None:
    page = new_page("tablet")
    login_in_browser(page, *MANAGER)
    client_id = claim_first_new(page)
    page.goto(f"/clients/{client_id}/step/3")
    add_device(page)
    seen = _watch_for_login(page)
    sent: list[str] = []
    page.on(
        "request",
        lambda r: sent.append(f"{r.method} {r.url.split('?')[0]}") if r.method != "GET" else None,
    )

    lost: list[int] = []

    def lose_the_answer(route) -> None:
        if lost:
            route.continue_()
            return
        # The server records the photo; its answer never reaches the tablet.
        lost.append(route.fetch().status)
        route.abort("connectionreset")

    page.route(CONFIRM, lose_the_answer)
    device = page.get_by_test_id("device-card").first
    device.get_by_test_id("photo-gallery").set_input_files(
        files=[{"name": "tv.jpg", "mimeType": "image/jpeg", "buffer": camera_jpeg(1600, 1200)}]
    )
    for _ in range(200):
        if lost:
            break
        page.wait_for_timeout(100)
    assert lost == [201]

    # Retried (by itself or after a reload): the kept storage key is confirmed again.
    page.reload()
    device = page.get_by_test_id("device-card").first
    expect(device.get_by_test_id("photo")).to_have_count(1, timeout=30_000)
    expect(device.get_by_test_id("photo-pending")).to_have_count(0)
    page.reload()
    expect(page.get_by_test_id("device-card").first.get_by_test_id("photo")).to_have_count(1)

    uploads = [r for r in sent if r.endswith("/photos/upload-url")]
    stored = [r for r in sent if "/api/storage/objects/" in r]
    confirms = [r for r in sent if CONFIRM.match(r.split(" ", 1)[1])]
    assert len(uploads) == 1 and len(stored) == 1, sent
    assert len(confirms) >= 2, sent
    assert len(_card(live_server, client_id)["devices"][0]["photos"]) == 1
    _no_login(seen, page)
