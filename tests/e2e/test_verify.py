"""The public verification page in Chromium, without any session: the status of a signed
contract, the signed PDF set on the file input → «Документ подлинный», one changed byte →
«Файл не совпадает», and only the hash leaves the browser. Screenshots at 390×844."""

from __future__ import annotations

import json
from urllib.parse import urljoin

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import SCREENSHOTS, signed_contract

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


def _phone_shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-phone-390x844.png"), full_page=True)


def test_anyone_checks_a_contract_file_on_the_verify_page(new_page, live_server, tmp_path) -> None:
    contract = signed_contract(live_server)
    number = contract["number"]
    # Right after signing the link seals first, then redirects to the sealed copy.
    signed_url = urljoin(live_server.url, contract["signed_pdf_url"])
    signed = httpx.get(signed_url, timeout=60, follow_redirects=True).content
    assert signed.startswith(b"%PDF")
    original = httpx.get(urljoin(live_server.url, contract["pdf_url"]), timeout=20).content
    assert signed.startswith(original)

    page = new_page("desktop")
    page.set_viewport_size(PHONE)
    requests = []
    page.on("request", lambda r: requests.append(r))
    page.goto(f"/verify/{number}")
    status = page.get_by_test_id("verify-status")
    expect(status).to_have_attribute("data-status", "signed")
    expect(status).to_contain_text("Договор подписан")
    expect(status).to_contain_text("заверен электронной печатью организации")
    expect(page).to_have_title(f"Проверка договора № {number} — Привет Супер")
    assert "/login" not in page.url
    _phone_shot(page, "60-verify-status")

    file_input = page.get_by_test_id("verify-file")
    verdict = page.get_by_test_id("verify-verdict")
    path = tmp_path / f"{number}.pdf"
    path.write_bytes(signed)
    file_input.set_input_files(str(path))
    expect(verdict).to_have_attribute("data-match", "signed")
    expect(verdict).to_contain_text(
        f"Документ подлинный: это подписанный экземпляр договора № {number}"
    )
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    # For a screen reader: the input is named by its button, the verdict is announced.
    expect(page.get_by_label("Выбрать файл PDF")).to_have_count(1)
    expect(page.get_by_role("status")).to_contain_text("Документ подлинный")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Проверка договора № {number}")
    _phone_shot(page, "61-verify-signed")

    # One byte changed in the middle: the opposite verdict.
    changed = bytearray(signed)
    changed[len(changed) // 2] ^= 0x01
    path.write_bytes(bytes(changed))
    file_input.set_input_files(str(path))
    expect(verdict).to_have_attribute("data-match", "none")
    expect(verdict).to_contain_text(f"Файл не совпадает с договором № {number}")
    _phone_shot(page, "62-verify-changed")

    # The copy the client was shown before signing.
    path.write_bytes(original)
    file_input.set_input_files(str(path))
    expect(verdict).to_have_attribute("data-match", "original")

    # Only the hashes left the browser, and nothing asked for the manager's session.
    posts = [r for r in requests if r.method == "POST"]
    assert len(posts) == 3
    for r in posts:
        assert r.url == f"{live_server.url}/api/public/contracts/{number}/check"
        assert set(json.loads(r.post_data or "{}")) == {"sha256"}
    assert not [r.url for r in requests if "/api/manager/" in r.url]


def test_an_unknown_number_says_so_without_asking_to_log_in(new_page) -> None:
    page = new_page("desktop")
    page.set_viewport_size(PHONE)
    page.goto("/verify/PM-2026-999999")
    expect(page.get_by_test_id("verify-not-found")).to_contain_text(
        "Договор № PM-2026-999999 не найден"
    )
    assert "/login" not in page.url
    expect(page.get_by_test_id("verify-file")).to_have_count(0)
