"""Bad Wi-Fi in a client's flat (issue 16): a lost refresh answer, a reload without network,
steps and photos saved offline, a throttled connection. Each test asserts that nothing typed
is lost and that the login page never appears."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import (
    MANAGER,
    PASSPORT,
    ROOT,
    SCREENSHOTS,
    SPA,
    add_device,
    camera_jpeg,
    claim_first_new,
    fill_step1,
    fill_step2,
    login_in_browser,
    read_otp,
    record,
    shoot,
    sign_in_step4,
)

pytestmark = pytest.mark.e2e

REFRESH = "**/api/manager/auth/refresh"


def _watch_for_login(page) -> list[str]:
    """Every URL the page's main frame goes to (the test asserts /login is not one)."""
    seen: list[str] = []
    page.on("framenavigated", lambda f: seen.append(f.url) if f == page.main_frame else None)
    return seen


def _no_login(seen: list[str], page) -> None:
    assert not [u for u in seen if "/login" in u], seen
    assert "/login" not in page.url


def _wait_for_service_worker(page) -> None:
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller")


# True once nothing waits in the outbox (what is refused stays, with its `failure`).
OUTBOX_EMPTY = """async () => {
  const db = await new Promise((ok, no) => {
    const r = indexedDB.open('privet-manager'); r.onsuccess = () => ok(r.result);
    r.onerror = () => no(r.error);
  });
  const rows = await new Promise((ok) => {
    const r = db.transaction('outbox').objectStore('outbox').getAll();
    r.onsuccess = () => ok(r.result);
  });
  db.close();
  if (rows.some((e) => e.failure)) throw new Error(JSON.stringify(rows.map((e) => e.failure)));
  return rows.length === 0;
}"""


def _card(live_server, client_id: str) -> dict[str, Any]:
    with live_server.api(live_server.login(*MANAGER)) as api:
        r = api.get(f"/api/manager/clients/{client_id}")
        assert r.status_code == 200, r.text
        return r.json()


def test_a_lost_refresh_answer_then_a_reload_keeps_the_session(new_page, live_server) -> None:
    page = new_page("tablet")
    login_in_browser(page, *MANAGER)
    client_id = claim_first_new(page)
    page.get_by_test_id("step-1").wait_for()
    page.get_by_test_id("profile-email").fill("typed-before@example.ru")
    seen = _watch_for_login(page)

    lost: list[int] = []

    def lose_the_answer(route) -> None:
        if lost:
            route.continue_()
            return
        # The server gets the refresh and rotates the token; its answer never arrives.
        cookie = route.request.all_headers().get("cookie", "")
        r = httpx.post(f"{live_server.url}/api/manager/auth/refresh", headers={"Cookie": cookie})
        lost.append(r.status_code)
        route.abort("connectionreset")

    page.route(REFRESH, lose_the_answer)
    page.reload()
    # The old cookie comes back within the grace period: the session goes on, same step.
    page.get_by_test_id("step-1").wait_for(timeout=20_000)
    assert lost == [200]
    assert page.get_by_test_id("profile-email").input_value() == "typed-before@example.ru"
    page.unroute(REFRESH)
    page.reload()
    page.get_by_test_id("step-1").wait_for()
    assert page.get_by_test_id("profile-email").input_value() == "typed-before@example.ru"
    assert f"/clients/{client_id}/step/1" in page.url
    _no_login(seen, page)


def test_a_proxy_502_on_refresh_is_no_connection_not_a_logout(new_page, live_server) -> None:
    page = new_page("tablet")
    login_in_browser(page, *MANAGER)
    seen = _watch_for_login(page)
    page.route(REFRESH, lambda route: route.fulfill(status=502, body="Bad Gateway"))
    page.reload()
    expect(page.get_by_test_id("connection-lost")).to_be_visible()
    expect(page.get_by_test_id("offline-banner")).to_contain_text("Нет связи с сервером")
    page.unroute(REFRESH)
    page.get_by_test_id("offline-retry").click()
    page.get_by_test_id("client-list").wait_for()
    _no_login(seen, page)


def test_offline_reload_opens_the_shell_and_the_outbox_sends_once(new_page, live_server) -> None:
    page = new_page("tablet")
    login_in_browser(page, *MANAGER)
    client_id = claim_first_new(page)
    _wait_for_service_worker(page)
    seen = _watch_for_login(page)

    fill_step1(page)
    page.context.set_offline(True)
    page.get_by_test_id("step1-submit").click()
    page.wait_for_url(f"**/clients/{client_id}/step/2")
    expect(page.get_by_test_id("offline-banner")).to_be_visible()
    fill_step2(page)
    page.get_by_test_id("step2-submit").click()
    page.wait_for_url(f"**/clients/{client_id}/step/3")
    page.get_by_test_id("stepper-1").click()
    expect(page.get_by_test_id("outbox-pending")).to_have_text("Сохранится, когда появится связь.")
    assert page.get_by_test_id("address-street").input_value() == "ул. Тверская"
    shoot(page, "40-outbox-pending")

    # What waits in IndexedDB is encrypted: the passport number is nowhere in clear.
    stored = page.evaluate(
        """async () => {
          const db = await new Promise((ok, no) => {
            const r = indexedDB.open('privet-manager'); r.onsuccess = () => ok(r.result);
            r.onerror = () => no(r.error);
          });
          const rows = await new Promise((ok) => {
            const r = db.transaction('outbox').objectStore('outbox').getAll();
            r.onsuccess = () => ok(r.result);
          });
          db.close();
          return rows.map((e) => ({step: e.step, version: e.version, key: e.idempotencyKey,
            bytes: btoa(String.fromCharCode(...new Uint8Array(e.body.data)))}));
        }"""
    )
    assert [e["step"] for e in stored] == ["1", "2"]
    for entry in stored:
        raw = base64.b64decode(entry["bytes"])
        assert PASSPORT["number"].encode() not in raw and "Тверская".encode() not in raw

    # A reload without network: the app shell (service worker), the banner, no login page.
    response = page.reload()
    assert response is not None and response.from_service_worker
    expect(page.get_by_test_id("connection-lost")).to_be_visible()
    expect(page.get_by_test_id("offline-banner")).to_contain_text("ждёт отправки: 2")
    shoot(page, "41-offline-reload-shell")

    page.context.set_offline(False)  # the `online` event restores the session and sends
    page.get_by_test_id("step-1").wait_for(timeout=20_000)
    expect(page.get_by_test_id("outbox-pending")).to_have_count(0, timeout=20_000)
    page.wait_for_function(OUTBOX_EMPTY, polling=250, timeout=20_000)
    card = _card(live_server, client_id)
    assert card["address"]["street"] == "ул. Тверская"
    assert card["passport"]["number"] == PASSPORT["number"]
    actions = [e["action"] for e in sorted(card["timeline"], key=lambda e: e["seq"])]
    assert actions.count("profile.updated") == 1 and actions.count("passport.updated") == 1
    assert actions.index("profile.updated") < actions.index("passport.updated")
    _no_login(seen, page)


def test_a_conflict_on_replay_shows_what_changed_and_keeps_the_input(new_page, live_server) -> None:
    page = new_page("tablet")
    login_in_browser(page, *MANAGER)
    client_id = claim_first_new(page)
    fill_step1(page)
    page.context.set_offline(True)
    page.get_by_test_id("step1-submit").click()
    page.wait_for_url(f"**/clients/{client_id}/step/2")

    # Meanwhile the same client changes on the server (another tab, an admin).
    with live_server.api(live_server.login(*MANAGER)) as api:
        version = api.get(f"/api/manager/clients/{client_id}").json()["version"]
        r = api.patch(
            f"/api/manager/clients/{client_id}/profile",
            json={"version": version, "email": "changed-meanwhile@example.ru"},
        )
        assert r.status_code == 200, r.text

    page.context.set_offline(False)
    page.get_by_test_id("stepper-1").click()
    conflict = page.get_by_test_id("outbox-conflict")
    expect(conflict).to_be_visible(timeout=20_000)
    expect(page.get_by_test_id("outbox-changes")).to_contain_text("changed-meanwhile@example.ru")
    assert page.get_by_test_id("profile-email").input_value() == "client@example.ru"
    assert page.get_by_test_id("address-street").input_value() == "ул. Тверская"
    shoot(page, "42-outbox-conflict")
    page.get_by_test_id("step1-submit").click()  # saved again, against the new version
    page.wait_for_url(f"**/clients/{client_id}/step/2")
    assert _card(live_server, client_id)["profile"]["email"] == "client@example.ru"


def test_photos_queued_offline_survive_a_reload_and_upload_once(new_page, live_server) -> None:
    page = new_page("tablet")
    login_in_browser(page, *MANAGER)
    client_id = claim_first_new(page)
    page.goto(f"/clients/{client_id}/step/3")
    add_device(page)
    _wait_for_service_worker(page)
    seen = _watch_for_login(page)
    device = page.get_by_test_id("device-card").first
    page.context.set_offline(True)
    device.get_by_test_id("photo-gallery").set_input_files(
        files=[
            {"name": f"shelf-{i}.jpg", "mimeType": "image/jpeg", "buffer": camera_jpeg(1600, 1200)}
            for i in range(2)
        ]
    )
    expect(device.get_by_test_id("photo-pending")).to_have_count(2)
    expect(device.locator("[data-testid=photo-pending][data-status=failed]")).to_have_count(2)
    page.reload()
    expect(page.get_by_test_id("connection-lost")).to_be_visible()
    page.context.set_offline(False)
    device = page.get_by_test_id("device-card").first
    expect(device.get_by_test_id("photo")).to_have_count(2, timeout=30_000)
    expect(device.get_by_test_id("photo-pending")).to_have_count(0)
    page.reload()
    page.get_by_test_id("step-3").wait_for()
    expect(page.get_by_test_id("photo")).to_have_count(2)
    assert len(_card(live_server, client_id)["devices"][0]["photos"]) == 2
    _no_login(seen, page)


def test_logout_leaves_no_passport_data_in_the_browser(new_page, live_server) -> None:
    page = new_page("tablet")
    login_in_browser(page, *MANAGER)
    client_id = claim_first_new(page)
    page.goto(f"/clients/{client_id}/step/2")
    fill_step2(page)
    page.context.set_offline(True)
    page.get_by_test_id("step2-submit").click()
    page.wait_for_url(f"**/clients/{client_id}/step/3")
    page.context.set_offline(False)
    page.goto(f"/clients/{client_id}/step/2")
    page.get_by_test_id("passport-issued_by").fill("ещё не сохранено")  # a draft as well
    page.once("dialog", lambda d: d.accept())  # if the outbox has not been sent yet
    page.get_by_test_id("logout").click()
    page.wait_for_url("**/login**")
    left = page.evaluate(
        """async () => ({
          dbs: (await indexedDB.databases()).map((d) => d.name),
          session: JSON.stringify({...sessionStorage}),
          local: JSON.stringify({...localStorage}),
        })"""
    )
    assert "privet-manager" not in left["dbs"]
    for value in (PASSPORT["number"], PASSPORT["series"], "ещё не сохранено"):
        assert value not in left["session"] and value not in left["local"]


class OwnServer:
    """An API process of the test's own on the browser tests' database (the shared one must
    not be restarted or redeployed under the other tests), stopped by its own PID."""

    def __init__(self, live_server, dist: Path, log: Path) -> None:
        from bench.server import free_port

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**live_server.env, "PRIVET_SPA_DIST": str(dist), "PORT": str(self.port)}
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        cmd = [sys.executable, "-m", "uvicorn", "privet_manager.main:create_app", "--factory",
               "--host", "127.0.0.1", "--port", str(self.port)]  # fmt: skip
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=out, stderr=out)
        deadline = time.monotonic() + 60
        while True:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, self.log.read_text()[-3000:]
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


@pytest.fixture
def own_server(live_server, tmp_path):
    served = tmp_path / "served"
    shutil.copytree(SPA / "dist", served)
    server = OwnServer(live_server, served, tmp_path / "uvicorn.log")
    server.start()
    try:
        yield server, served
    finally:
        server.stop()


def _own_context(browser, url: str):
    ctx = browser.new_context(base_url=url, viewport={"width": 768, "height": 1024}, locale="ru-RU")
    ctx.set_default_timeout(20_000)
    return ctx


def test_the_api_restarted_in_the_middle_of_step3(browser, own_server) -> None:
    server, _ = own_server
    ctx = _own_context(browser, server.url)
    try:
        page = ctx.new_page()
        login_in_browser(page, *MANAGER)
        client_id = claim_first_new(page)
        page.goto(f"/clients/{client_id}/step/3")
        add_device(page)
        seen = _watch_for_login(page)
        server.stop()  # the API goes away in the middle of the step
        device = page.get_by_test_id("device-card").first
        device.get_by_test_id("photo-gallery").set_input_files(
            files=[{"name": "box.jpg", "mimeType": "image/jpeg", "buffer": camera_jpeg(1600, 1200)}]
        )
        expect(device.locator("[data-testid=photo-pending][data-status=failed]")).to_have_count(1)
        expect(page.get_by_test_id("offline-banner")).to_be_visible()
        server.start()  # back, on the same address: the app notices by itself
        expect(device.get_by_test_id("photo")).to_have_count(1, timeout=45_000)
        expect(page.get_by_test_id("offline-banner")).to_have_count(0)
        add_device(page, "LG", "OLED55")
        expect(page.get_by_test_id("device-card")).to_have_count(2)
        _no_login(seen, page)
    finally:
        ctx.close()


def test_a_new_deployment_is_picked_up_on_the_next_load(browser, own_server, tmp_path) -> None:
    server, served = own_server
    # The next release: the same sources built with another PM_BUILD_ID (other hashes).
    next_build = tmp_path / "next"
    vite = SPA / "node_modules" / "vite" / "bin" / "vite.js"
    subprocess.run(
        ["node", str(vite), "build", "--outDir", str(next_build), "--emptyOutDir",
         "--logLevel", "warn"],
        cwd=SPA, env={**os.environ, "PM_BUILD_ID": "next"}, check=True,
    )  # fmt: skip
    ctx = _own_context(browser, server.url)
    try:
        page = ctx.new_page()
        login_in_browser(page, *MANAGER)
        _wait_for_service_worker(page)
        assert page.evaluate("() => document.documentElement.dataset.build") != "next"
        scripts = (
            "() => [...document.querySelectorAll('script[src],link[rel=modulepreload]')]"
            ".map(e => e.src || e.href)"
        )
        old_assets = set(page.evaluate(scripts))

        # The deployment: the served folder now holds the next release only.
        shutil.rmtree(served / "assets")
        shutil.copytree(next_build / "assets", served / "assets")
        for name in ("index.html", "sw.js"):
            shutil.copy2(next_build / name, served / name)

        page.reload()  # the next load gets the new index.html and only the assets it names
        page.get_by_test_id("client-list").wait_for()
        assert page.evaluate("() => document.documentElement.dataset.build") == "next"
        # Chunks whose content changed have new names (unchanged ones keep theirs): none of
        # the replaced ones is loaded by the new page.
        stale = old_assets - set(page.evaluate(scripts))
        assert stale
        loaded = page.evaluate(
            "() => performance.getEntriesByType('resource').map(e => e.name)"
            ".filter(n => n.includes('/assets/'))"
        )
        assert loaded and not [n for n in loaded if n in stale]

        # The new service worker took over: offline, the new release opens.
        page.wait_for_function(
            "() => navigator.serviceWorker.getRegistration().then(r => !!r && !!r.active"
            " && !r.waiting && !r.installing && r.active.state === 'activated')"
        )
        ctx.set_offline(True)
        page.reload()
        expect(page.get_by_test_id("connection-lost")).to_be_visible()
        assert page.evaluate("() => document.documentElement.dataset.build") == "next"
    finally:
        ctx.close()


def _sign_through_api(live_server) -> str:
    with live_server.api(live_server.login(*MANAGER)) as api:
        new = api.get("/api/manager/clients", params={"tab": "new"}).json()["items"]
        cid = new[-1]["id"]
        assert api.post(f"/api/manager/clients/{cid}/claim").status_code == 200

        def version() -> int:
            return int(api.get(f"/api/manager/clients/{cid}").json()["version"])

        profile = {
            "version": version(),
            "name": "Подписанов Пётр Петрович",
            "phone": "+79166308337",
            "email": "signed@example.ru",
            "address": {
                "postal_code": "125009", "region": "Москва", "city": "Москва",
                "street": "ул. Тверская", "house": "7", "apartment": "12",
            },
        }  # fmt: skip
        assert api.patch(f"/api/manager/clients/{cid}/profile", json=profile).status_code == 200
        passport = {"version": version(), **PASSPORT}
        assert api.put(f"/api/manager/clients/{cid}/passport", json=passport).status_code == 200
        device = {
            "kind": "tv", "brand": "LG", "model": "OLED55", "serial_number": "LG-1",
            "purchase_date": "2024-03-15", "declared_value": "89990.00",
        }  # fmt: skip
        assert api.post(f"/api/manager/clients/{cid}/devices", json=device).status_code == 201
        code = api.get("/api/manager/tariffs").json()["items"][0]["code"]
        r = api.post(f"/api/manager/clients/{cid}/tariff/apply", json={"tariff_code": code})
        assert r.status_code == 200, r.text
        r = api.post(f"/api/manager/clients/{cid}/contract/generate", json={"pep_agreed": True})
        assert r.status_code in (200, 201), r.text
        user_id = api.get(f"/api/manager/clients/{cid}").json()["user_id"]
        otp = read_otp(live_server, user_id)
        r = api.post(f"/api/manager/clients/{cid}/contract/confirm", json={"code": otp})
        assert r.status_code == 200, r.text
        return str(cid)


def test_a_signed_client_opens_read_only(new_page, live_server) -> None:
    client_id = _sign_through_api(live_server)
    page = new_page("tablet")
    login_in_browser(page, *MANAGER)
    for step in ("1", "2", "3"):
        page.goto(f"/clients/{client_id}/step/{step}")
        expect(page.get_by_test_id("read-only")).to_contain_text("Договор подписан")
        if step != "3":
            fields = page.get_by_test_id("step-fields").locator("input")
            expect(fields.first).to_be_disabled()
            assert fields.evaluate_all("(all) => all.every((i) => i.matches(':disabled'))")
            expect(page.get_by_test_id(f"step{step}-submit")).to_have_count(0)
            expect(page.get_by_test_id("draft-restored")).to_have_count(0)
    expect(page.get_by_test_id("device-add")).to_have_count(0)
    expect(page.get_by_test_id("photo-gallery")).to_have_count(0)
    expect(page.get_by_test_id("device-delete")).to_have_count(0)
    page.goto(f"/clients/{client_id}/step/1")
    expect(page.get_by_test_id("profile-phone")).to_have_value("+7 916 630-83-37")
    shoot(page, "43-signed-client-read-only")
    # On a phone the header keeps the client's name (the brand gives way) and the page fits.
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.get_by_test_id("wizard-client-name")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SCREENSHOTS / "44-signed-client-phone-390x844.png"))


# Chromium's own network emulation (CDP): 400 ms each way, 400 kbit/s down and up.
SLOW = {"offline": False, "latency": 400, "downloadThroughput": 50_000, "uploadThroughput": 50_000}


def _throttle(page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW)


def _ready_ms(page, testid: str) -> int:
    """Milliseconds from the navigation's start until `testid` is on screen."""
    page.get_by_test_id(testid).wait_for(timeout=60_000)
    return int(page.evaluate("() => Math.round(performance.now())"))


def test_a_throttled_connection_completes_the_wizard(new_page, live_server) -> None:
    # Cold: a browser that has never seen the app (no HTTP cache, no service worker).
    first = new_page("tablet")
    _throttle(first)
    first.goto("/login")
    cold_login = _ready_ms(first, "login-submit")

    page = new_page("tablet")
    page.set_default_timeout(60_000)
    r = httpx.post(
        f"{live_server.url}/api/manager/auth/login",
        json={"email": MANAGER[0], "password": MANAGER[1]},
    )
    assert r.status_code == 200, r.text
    page.context.add_cookies(
        [
            {
                "name": "pm_refresh",
                "value": r.cookies["pm_refresh"],
                "url": f"{live_server.url}/api/manager/auth/",
            }
        ]
    )
    _throttle(page)
    page.goto("/clients?tab=new")
    cold_list = _ready_ms(page, "client-list")
    _wait_for_service_worker(page)
    page.reload()
    warm_list = _ready_ms(page, "client-list")
    figures = {"cold_login": cold_login, "cold_list": cold_list, "warm_list": warm_list, **SLOW}
    record("throttled-load-ms", figures)
    print(json.dumps({"throttled_load_ms": figures}))

    seen = _watch_for_login(page)
    client_id = claim_first_new(page)
    fill_step1(page)
    page.get_by_test_id("step1-submit").click()
    fill_step2(page)
    page.get_by_test_id("step2-submit").click()
    page.get_by_test_id("step-3").wait_for()
    add_device(page, "LG", "OLED55")
    device = page.get_by_test_id("device-card").first
    device.get_by_test_id("photo-gallery").set_input_files(
        files=[{"name": "tv.jpg", "mimeType": "image/jpeg", "buffer": camera_jpeg(1600, 1200)}]
    )
    expect(device.get_by_test_id("photo")).to_have_count(1, timeout=90_000)
    page.get_by_test_id("step3-next").click()
    sign_in_step4(page, live_server, client_id)
    card = _card(live_server, client_id)
    assert card["status"] in ("signed", "processed")
    assert card["passport"]["number"] == PASSPORT["number"]
    assert card["address"]["street"] == "ул. Тверская"
    _no_login(seen, page)
