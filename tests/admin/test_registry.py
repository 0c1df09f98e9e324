"""The contract registry: by number (full or last digits), client name or phone, status and
period; one contract with its links and verification."""

from __future__ import annotations

from datetime import timedelta

import httpx
from privet_manager.kit.clock import today_moscow

from tests.conftest import Factory, login
from tests.contracts.helpers import apply_and_generate, read_code, ready_client

API = "/api/manager"
R = f"{API}/admin/contracts"


async def test_registry_finds_and_opens_a_signed_contract(
    client: httpx.AsyncClient, factory: Factory, clean_db
):
    admin, m = await factory.manager(role="admin"), await factory.manager()
    hm, ha = await login(client, m), await login(client, admin)
    signed = await ready_client(clean_db, m, name="Ёлкина Алёна Сергеевна")
    contract = await apply_and_generate(client, hm, signed.client_id)
    code = await read_code(client, signed.user_id)
    r = await client.post(
        f"{API}/clients/{signed.client_id}/contract/confirm", json={"code": code}, headers=hm
    )
    assert r.status_code == 200, r.text
    waiting = await ready_client(clean_db, m, name="Орлов Павел", with_ticket=True)
    other = await apply_and_generate(client, hm, waiting.client_id)

    async def numbers(**params: str) -> list[str]:
        r = await client.get(R, params=params, headers=ha)
        assert r.status_code == 200, r.text
        return [i["contract"]["number"] for i in r.json()["items"]]

    number = contract["number"]
    assert await numbers() == [other["number"], number]
    assert await numbers(q=number) == [number]
    assert await numbers(q=number.lower()) == [number]
    assert await numbers(q=number[-3:]) == [number]
    assert await numbers(q="Елкина") == [number]
    assert await numbers(q="алёна") == [number]
    assert await numbers(q="orlov") == []
    assert await numbers(status="signed") == [number]
    assert await numbers(status="awaiting_signature") == [other["number"]]
    today = today_moscow()
    assert len(await numbers(**{"from": str(today), "to": str(today)})) == 2
    yesterday = str(today - timedelta(days=1))
    assert await numbers(**{"from": yesterday, "to": yesterday}) == []
    page = (await client.get(R, params={"limit": 1}, headers=ha)).json()
    assert page["next_cursor"]
    rest = await client.get(R, params={"limit": 1, "cursor": page["next_cursor"]}, headers=ha)
    assert [i["contract"]["number"] for i in rest.json()["items"]] == [number]

    r = await client.get(f"{R}/{contract['id']}", headers=ha)
    assert r.status_code == 200, r.text
    one = r.json()
    assert one["client_name"] == "Ёлкина Алёна Сергеевна"
    assert one["holder"]["id"] == m.id
    assert "verification" not in one
    r = await client.get(f"{R}/{contract['id']}/verification", headers=ha)
    assert r.status_code == 200, r.text
    assert r.json()["valid"] is True and r.json()["number"] == number
    assert r.json()["checks"]["hmac"] == "ok"
    unsigned = (await client.get(f"{R}/{other['id']}/verification", headers=ha)).json()
    assert unsigned["valid"] is False and unsigned["status"] == "awaiting_signature"
    assert one["contract"]["pdf_url"] and one["contract"]["signed_pdf_url"]
    # Right after signing the link seals first, then redirects to the sealed copy.
    pdf = await client.get(one["contract"]["signed_pdf_url"], follow_redirects=True)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    for missing in (f"{R}/999999", f"{R}/999999/verification"):
        r = await client.get(missing, headers=ha)
        assert r.status_code == 404 and r.json()["code"] == "contract_not_found", missing
    for bad in ({"status": "lost"}, {"from": "завтра"}, {"limit": "0"}, {"cursor": "x"}):
        assert (await client.get(R, params=bad, headers=ha)).status_code == 422, bad


async def test_a_period_beyond_the_calendar_is_a_422_not_a_500(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """Found by the fuzzer: `to=0001-01-01` made the period's arithmetic overflow (500)."""
    for path in (R, f"{API}/analytics/funnel", f"{API}/analytics/managers"):
        for params in ({"to": "0001-01-01"}, {"from": "9999-12-31"}, {"to": "1999-12-31"}):
            r = await client.get(path, params=params, headers=admin_headers)
            assert r.status_code == 422, (path, params, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
        r = await client.get(
            path, params={"from": "2000-01-01", "to": "2000-01-31"}, headers=admin_headers
        )
        assert r.status_code == 200, (path, r.text)
