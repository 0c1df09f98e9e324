"""Steps the browser tests share: filling each wizard step like a manager would."""

from __future__ import annotations

import io
import json
import os
import re
import time
from pathlib import Path
from typing import Any

import httpx
import jwt

ROOT = Path(__file__).resolve().parents[2]
SPA = ROOT / "frontend-manager"
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM = os.environ.get("PM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
JWT_SECRET = "e2e-client-jwt-secret-0123456789abcdef0123"
MAX_PHOTO_MB = 1
VIEWPORTS = {"desktop": (1280, 800), "tablet": (768, 1024)}

# Same logins as `privet-manager seed-demo` (privet_manager.demo).
MANAGER = ("manager@privet.demo", "Privet-Master-2026")
ADMIN = ("admin@privet.demo", "Privet-Admin-2026")


PASSPORT = {
    "series": "4510",
    "number": "654321",
    "issued_by": "ГУ МВД России по г. Москве",
    "issue_date": "2015-06-01",
    "department_code": "770-001",
    "birth_date": "1990-02-03",
    "birth_place": "г. Москва",
}


def camera_jpeg(width: int = 4000, height: int = 3000, orientation: int | None = 6) -> bytes:
    """A camera-sized JPEG with an EXIF orientation tag and a GPS block, like a phone's."""
    from PIL import Image

    img = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    exif[0x8825] = {1: "N", 2: (55.0, 45.0, 0.0)}  # GPSInfo: where the photo was taken
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=92, exif=exif)
    return buf.getvalue()


def claim_first_new(page) -> str:
    page.goto("/clients?tab=new")
    card = page.get_by_test_id("client-card").first
    card.wait_for()
    client_id = card.get_attribute("data-client-id")
    assert client_id
    card.get_by_test_id("claim-button").click()
    page.wait_for_url(f"**/clients/{client_id}/step/1")
    return client_id


def fill_step1(page) -> None:
    page.get_by_test_id("step-1").wait_for()
    page.get_by_test_id("profile-phone").fill("+7 916 555-44-33")
    page.get_by_test_id("profile-email").fill("client@example.ru")
    for field, value in {
        "postal_code": "125009",
        "region": "Москва",
        "city": "Москва",
        "street": "ул. Тверская",
        "house": "7",
        "building": "",
        "apartment": "12",
    }.items():
        page.get_by_test_id(f"address-{field}").fill(value)
    name = page.get_by_test_id("profile-name")
    if not name.input_value().strip():
        name.fill("Иванов Иван Иванович")


def fill_step2(page, values: dict[str, str] = PASSPORT) -> None:
    page.get_by_test_id("step-2").wait_for()
    for field, value in values.items():
        page.get_by_test_id(f"passport-{field}").fill(value)


def add_device(page, brand: str = "Samsung", model: str = "Galaxy S23") -> None:
    before = page.get_by_test_id("device-card").count()
    page.get_by_test_id("device-add").click()
    modal = page.get_by_test_id("device-modal")
    modal.wait_for()
    page.get_by_test_id("device-kind").select_option("phone")
    page.get_by_test_id("device-brand").fill(brand)
    page.get_by_test_id("device-model").fill(model)
    page.get_by_test_id("device-serial_number").fill("R58N12345")
    page.get_by_test_id("device-purchase_date").fill("2024-03-15")
    page.get_by_test_id("device-declared_value").fill("54990")
    page.get_by_test_id("device-save").click()
    modal.wait_for(state="detached")
    page.get_by_test_id("device-card").nth(before).wait_for()


def record(name: str, data: object) -> None:
    SCREENSHOTS.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, indent=2)
    (SCREENSHOTS.parent / f"{name}.json").write_text(text)


def shoot(page, name: str) -> None:
    """Saves the current screen at 1280×800 and 768×1024 (then restores the viewport)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    for label, (w, h) in VIEWPORTS.items():
        page.set_viewport_size({"width": w, "height": h})
        # A sticky header would be drawn where the page is scrolled to: shoot from the top,
        # once the new layout is painted (two frames) and with transitions run to their end.
        page.evaluate(
            "() => { window.scrollTo(0, 0); return new Promise("
            "r => requestAnimationFrame(() => requestAnimationFrame(r))); }"
        )
        page.screenshot(
            path=str(SCREENSHOTS / f"{name}-{label}-{w}x{h}.png"),
            full_page=True,
            animations="disabled",
        )
    if original:
        page.set_viewport_size(original)


def login_in_browser(page, email: str, password: str, next_path: str = "") -> None:
    page.goto(f"/login{'?next=' + next_path if next_path else ''}")
    page.get_by_test_id("login-email").fill(email)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url("**/clients**")


def client_jwt(user_id: int | str) -> str:
    """What the Привет Супер app holds: a JWT signed with JWT_SECRET, sub = user id."""
    now = int(time.time())
    return jwt.encode(
        {"sub": str(user_id), "iat": now, "exp": now + 600, "type": "access"},
        JWT_SECRET,
        algorithm="HS256",
    )


_SIX = r"(?<![\w-])(\d{6})(?![\w-])"


def otp_in(body: str) -> str | None:
    """The code in a support message: six digits standing alone, preferably after "код"
    (the contract number PM-2026-000123 and the hash prefix must not be mistaken for it)."""
    tokens = [(m.start(), m.group(1)) for m in re.finditer(_SIX, body)]
    if not tokens or not re.search("код|code", body, re.IGNORECASE):
        return None
    word = re.search("код|code", body, re.IGNORECASE)
    after = [t for pos, t in tokens if word and pos > word.start()]
    return after[0] if after else tokens[-1][1]


def read_otp(
    server,
    user_id: int | str,
    after: set[str] | None = None,
) -> str:
    """Reads the newest 6-digit code from the client's support chat, as the app would."""
    headers = {"Authorization": f"Bearer {client_jwt(user_id)}"}
    deadline = time.monotonic() + 15
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as c:
        while time.monotonic() < deadline:
            tickets = c.get("/api/support/tickets")
            assert tickets.status_code == 200, tickets.text
            items = tickets.json()
            items = items.get("items", items) if isinstance(items, dict) else items
            for ticket in items:
                r = c.get(f"/api/support/tickets/{ticket['id']}/messages")
                assert r.status_code == 200, r.text
                msgs = r.json()
                msgs = msgs.get("items", msgs) if isinstance(msgs, dict) else msgs
                for m in sorted(msgs, key=lambda m: (m["created_at"], str(m["id"])), reverse=True):
                    if after and str(m["id"]) in after:
                        continue
                    code = otp_in(m["body"])
                    if code:
                        return code
            time.sleep(0.3)
    raise AssertionError("no OTP message in the client's support chat")


def sign_in_step4(page, server, client_id: str) -> None:
    """Step 4 as a manager does it: the first tariff, the PEP consent, the contract, and the
    code the client reads out from their support chat."""
    page.get_by_test_id("step-4").wait_for()
    page.locator("[data-testid^='tariff-']").and_(page.locator("input[type=radio]")).first.check()
    page.get_by_test_id("tariff-breakdown").wait_for()
    page.get_by_test_id("pep-agree").check()
    page.get_by_test_id("contract-generate").click()
    page.get_by_test_id("otp-section").wait_for()
    with httpx.Client(base_url=server.url, timeout=20) as c:
        r = c.post("/api/manager/auth/login", json={"email": MANAGER[0], "password": MANAGER[1]})
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        user_id = c.get(f"/api/manager/clients/{client_id}", headers=headers).json()["user_id"]
    page.get_by_test_id("otp-input").fill(read_otp(server, user_id))
    page.get_by_test_id("otp-submit").click()
    page.wait_for_url(f"**/clients/{client_id}/step/success")


def signed_contract(live_server) -> dict[str, Any]:
    """A client taken through steps 1-5 by the demo manager through the API; the signed
    contract as the confirmation answers it (number, signed_pdf_url, …)."""
    with live_server.api(live_server.login(*MANAGER)) as api:
        item = api.get("/api/manager/clients", params={"tab": "new", "limit": 100}).json()["items"][
            -1
        ]
        base = f"/api/manager/clients/{item['id']}"
        r = api.post(f"{base}/claim")
        assert r.status_code == 200, r.text
        r = api.patch(
            f"{base}/profile",
            json={
                "version": r.json()["version"],
                "name": "Реестрова Алёна Петровна",
                "phone": "+79165550011",
                "address": {"city": "Москва", "street": "ул. Тверская", "house": "7"},
            },
        )
        assert r.status_code == 200, r.text
        r = api.put(
            f"{base}/passport",
            json={"version": r.json()["version"], **PASSPORT},
        )
        assert r.status_code == 200, r.text
        r = api.post(
            f"{base}/devices",
            json={"kind": "phone", "brand": "Apple", "model": "iPhone 15", "declared_value": "1"},
        )
        assert r.status_code == 201, r.text
        r = api.post(f"{base}/tariff/apply", json={"tariff_code": "basic"})
        assert r.status_code == 200, r.text
        r = api.post(f"{base}/contract/generate", json={"pep_agreed": True})
        assert r.status_code == 201, r.text
        number = str(r.json()["contract"]["number"])
        code = read_otp(live_server, item["user_id"])
        r = api.post(f"{base}/contract/confirm", json={"code": code})
        assert r.status_code == 200, r.text
        contract: dict[str, Any] = r.json()["contract"]
        assert contract["number"] == number
        return contract
