"""The senior manager's console in Chromium: managers, reassigning live, the contract
registry, analytics with the chart and CSV, and screenshots of every admin screen."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.e2e.helpers import ADMIN, MANAGER, login_in_browser, shoot, signed_contract

pytestmark = pytest.mark.e2e
API = "/api/manager"


def _new_manager(live_server, name: str) -> tuple[int, str, str]:
    """A manager made by the admin through the API: (id, email, one-time password)."""
    email = f"e2e-{uuid.uuid4().hex[:8]}@privet-super.ru"
    with live_server.api(live_server.login(*ADMIN)) as admin:
        r = admin.post(f"{API}/admin/managers", json={"email": email, "name": name})
        assert r.status_code == 201, r.text
        return r.json()["id"], email, r.json()["password"]


def test_admin_creates_a_manager_who_logs_in(new_page, live_server) -> None:
    page = new_page("tablet")
    login_in_browser(page, *ADMIN)
    page.get_by_test_id("admin-nav").wait_for()
    page.get_by_test_id("admin-nav-managers").click()
    page.wait_for_url("**/admin/managers")
    email = f"olga-{uuid.uuid4().hex[:6]}@privet-super.ru"
    page.get_by_test_id("new-manager-name").fill("Ольга Новикова")
    page.get_by_test_id("new-manager-email").fill(email)
    page.get_by_test_id("create-manager-submit").click()
    password = page.get_by_test_id("one-time-password-value").inner_text().strip()
    assert len(password) >= 16
    row = page.locator("[data-testid=manager-row]", has_text=email)
    row.wait_for()
    shoot(page, "40-admin-managers")
    # The admin cannot change their own role (the select is disabled, the API would refuse).
    mine = page.locator("[data-testid=manager-row]", has_text=ADMIN[0])
    assert mine.get_by_test_id("manager-role").is_disabled()
    page.get_by_test_id("one-time-password-done").click()
    assert page.get_by_test_id("one-time-password").count() == 0

    other = new_page("desktop")
    login_in_browser(other, email, password)
    other.get_by_test_id("client-list").wait_for()
    assert other.get_by_test_id("admin-nav").count() == 0
    # A manager never sees the console: its routes send them back to the lists.
    other.goto("/admin/managers")
    other.wait_for_url("**/clients?tab=new")
    assert other.get_by_test_id("managers-table").count() == 0


def test_reassigned_client_appears_in_the_new_holders_list_live(new_page, live_server) -> None:
    holder_id, email, password = _new_manager(live_server, "Борис Новый")
    holder = new_page("tablet")
    login_in_browser(holder, email, password)
    holder.goto("/clients?tab=mine")
    holder.get_by_test_id("list-empty").wait_for()
    holder.evaluate("() => (window.__noReload = 1)")

    admin = new_page("desktop")
    login_in_browser(admin, *ADMIN)
    admin.goto("/clients?tab=new")
    card = admin.get_by_test_id("client-card").first
    card.wait_for()
    client_id = card.get_attribute("data-client-id")
    card.get_by_test_id("reassign-open").click()
    form = card.get_by_test_id("reassign-form")
    form.get_by_test_id("reassign-target").select_option(str(holder_id))
    form.get_by_test_id("reassign-reason").fill("Клиент звонил Борису")
    shoot(admin, "41-admin-reassign")
    form.get_by_test_id("reassign-submit").click()

    mine = holder.locator(f"[data-testid=client-card][data-client-id='{client_id}']")
    mine.wait_for(timeout=10_000)
    assert holder.evaluate("() => window.__noReload") == 1
    with live_server.api(live_server.login(*ADMIN)) as api:
        card_json = api.get(f"{API}/clients/{client_id}").json()
        assert card_json["assigned_manager"]["id"] == holder_id
        entry = card_json["timeline"][-1]
        assert entry["action"] == "client.reassigned"
        assert entry["payload"]["reason"] == "Клиент звонил Борису"


def formatted_phone(text: str) -> bool:
    """A phone shown as people write it, «+7 916 555-00-11»."""
    return re.search(r"\+7 \d{3} \d{3}-\d{2}-\d{2}", text) is not None


def test_registry_finds_a_signed_contract_and_opens_its_pdf(new_page, live_server) -> None:
    number = signed_contract(live_server)["number"]
    page = new_page("desktop")
    login_in_browser(page, *ADMIN)
    page.get_by_test_id("admin-nav-contracts").click()
    page.wait_for_url("**/admin/contracts")
    page.get_by_test_id("registry-search").fill(number)
    row = page.locator(f"[data-testid=registry-row][data-number='{number}']")
    row.wait_for()
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=registry-row]').length === 1"
    )
    # The search reached the URL: the registry filtered by the number, not by chance.
    page.wait_for_url("**/admin/contracts?q=*")
    assert formatted_phone(page.locator("[data-testid=registry-row]").inner_text())
    shoot(page, "42-admin-registry")
    row.get_by_test_id("registry-open").click()
    page.get_by_test_id("contract-number").wait_for()
    assert number in page.get_by_test_id("contract-number").inner_text()
    # The contract shows at once; its verification (the stored files re-read, the seal
    # validated) arrives on its own, later on a loaded machine.
    verification = page.get_by_test_id("contract-verification")
    verification.wait_for(timeout=60_000)
    assert "подлинный" in verification.inner_text()
    checks = page.locator("ul.checks").inner_text()
    # Every check in the manager's language: no field name of the API shows through.
    assert "seal" not in checks and "photos" not in checks and "печать" in checks.lower(), checks
    page.get_by_test_id("contract-timeline-list").locator("li").first.wait_for()
    for link in ("contract-pdf", "contract-signed-pdf"):
        href = page.get_by_test_id(link).get_attribute("href")
        assert href
        pdf = page.request.get(href)
        assert pdf.status == 200 and pdf.body().startswith(b"%PDF"), link
    shoot(page, "43-admin-contract")
    # The last digits find it too.
    page.goto(f"/admin/contracts?q={number[-4:]}")
    page.locator(f"[data-testid=registry-row][data-number='{number}']").wait_for()


def test_analytics_shows_the_chart_and_downloads_csv(new_page, live_server, tmp_path) -> None:
    page = new_page("desktop")
    login_in_browser(page, *ADMIN)
    page.get_by_test_id("admin-nav-analytics").click()
    page.wait_for_url("**/admin/analytics")
    chart = page.get_by_test_id("funnel-chart")
    chart.locator("canvas").wait_for()
    assert chart.locator("canvas").bounding_box()["height"] > 100
    rows = page.get_by_test_id("funnel-row")
    assert rows.count() == 5
    page.get_by_test_id("period-month").click()
    page.get_by_test_id("managers-figures").wait_for()
    shoot(page, "44-admin-analytics")
    with page.expect_download() as funnel_dl:
        page.get_by_test_id("export-funnel").click()
    path = tmp_path / "funnel.csv"
    funnel_dl.value.save_as(path)
    text = path.read_text(encoding="utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("Этап;Клиентов;") and len(lines) == 6
    assert lines[1].startswith("Новые;")
    with page.expect_download() as managers_dl:
        page.get_by_test_id("export-managers").click()
    path = tmp_path / "managers.csv"
    managers_dl.value.save_as(path)
    managers = path.read_text(encoding="utf-8-sig").strip().splitlines()
    assert managers[0].startswith("Менеджер;Взято;") and len(managers) >= 3


def test_tariffs_screen_edits_make_versions(new_page, live_server) -> None:
    page = new_page("tablet")
    login_in_browser(page, *ADMIN)
    page.goto("/admin/tariffs")
    code = f"e2e{uuid.uuid4().hex[:5]}"
    page.get_by_test_id("tariff-new").click()
    page.get_by_test_id("tariff-code").fill(code)
    page.get_by_test_id("tariff-name").fill("Проверочный")
    page.get_by_test_id("tariff-base").fill("1290,00")
    page.get_by_test_id("tariff-included").fill("2")
    page.get_by_test_id("tariff-extra").fill("300")
    page.get_by_test_id("tariff-save").click()
    row = page.locator(f"[data-testid=tariff-row][data-code='{code}']")
    row.wait_for()
    row.get_by_test_id("tariff-edit").click()
    page.get_by_test_id("tariff-base").fill("1390.00")
    page.get_by_test_id("tariff-save").click()
    row.get_by_test_id("tariff-versions").filter(has_text="v2").wait_for()
    row.get_by_test_id("tariff-versions").click()
    versions = page.get_by_test_id("tariff-version-list")
    versions.wait_for()
    assert versions.locator("li").count() == 2
    shoot(page, "45-admin-tariffs")
    row.get_by_test_id("tariff-toggle").click()
    row.filter(has_text="Отключён").wait_for()
    with live_server.api(live_server.login(*MANAGER)) as api:
        codes = [t["code"] for t in api.get(f"{API}/tariffs").json()["items"]]
    assert code not in codes
