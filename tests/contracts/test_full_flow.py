"""The whole wizard through HTTP: claim → profile → passport → device with a photo → tariff →
generate → the client reads the code through the support bridge → confirm → payment."""

from __future__ import annotations

import io
import re

from privet_manager.clients.backfill import backfill_clients
from privet_manager.kit.security import sha256_hex
from privet_manager.legacy.models import SupportTicket, User
from pypdf import PdfReader

from tests.contracts.helpers import API, CODE_RE, support_messages

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 200


async def test_the_whole_flow(client, headers, manager, clean_db) -> None:
    async with clean_db.sessionmaker() as s, s.begin():
        from privet_manager.tariffs.service import seed_default_tariffs

        await seed_default_tariffs(s)
        user = User(name="Смирнова Ольга Николаевна", phone="89161112233", email="olga@ex.ru")
        s.add(user)
        await s.flush()
        s.add(SupportTicket(user_id=user.id, subject="Подписка"))
        await backfill_clients(s)
        user_id = user.id

    r = await client.get(f"{API}/clients?tab=new", headers=headers)
    assert r.status_code == 200, r.text
    item = next(i for i in r.json()["items"] if i["user_id"] == user_id)
    cid = item["id"]
    base = f"{API}/clients/{cid}"

    r = await client.post(f"{base}/claim", headers=headers)
    assert r.status_code == 200, r.text
    version = r.json()["version"]

    r = await client.patch(
        f"{base}/profile",
        json={
            "version": version,
            "name": "Смирнова Ольга Николаевна",
            "phone": "8 (916) 111-22-33",
            "email": "olga@ex.ru",
            "address": {
                "postal_code": "119002",
                "region": "Москва",
                "city": "Москва",
                "street": "ул. Арбат",
                "house": "10",
                "apartment": "5",
            },
        },
        headers=headers,
    )
    assert r.status_code == 200, r.text
    version = r.json()["version"]

    r = await client.put(
        f"{base}/passport",
        json={
            "version": version,
            "series": "4509",
            "number": "765432",
            "issued_by": "ОВД района Арбат г. Москвы",
            "issue_date": "2012-04-10",
            "department_code": "770-002",
            "birth_date": "1985-07-21",
            "birth_place": "г. Москва",
        },
        headers=headers,
    )
    assert r.status_code == 200, r.text
    version = r.json()["version"]

    r = await client.post(
        f"{base}/devices",
        json={
            "version": version,
            "kind": "laptop",
            "brand": "Lenovo",
            "model": "ThinkPad X1",
            "serial_number": "PF-12345",
            "declared_value": "120000.00",
        },
        headers=headers,
    )
    assert r.status_code in (200, 201), r.text
    device_id = r.json()["id"]
    r = await client.post(
        f"{base}/devices",
        json={
            "kind": "phone",
            "brand": "Samsung",
            "model": "Galaxy S23",
            "declared_value": "60000",
        },
        headers=headers,
    )
    assert r.status_code in (200, 201), r.text

    r = await client.post(
        f"{base}/devices/{device_id}/photos/upload-url",
        json={"content_type": "image/jpeg", "size": len(JPEG)},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    upload = r.json()
    put = await client.put(
        upload["upload"]["url"], content=JPEG, headers=upload["upload"]["headers"]
    )
    assert put.status_code == 201, put.text
    r = await client.post(
        f"{base}/devices/{device_id}/photos", json={"file_key": upload["file_key"]}, headers=headers
    )
    assert r.status_code == 201, r.text

    r = await client.get(f"{API}/tariffs", headers=headers)
    assert [t["name"] for t in r.json()["items"]] == ["Базовый", "Семейный", "Премиум"]
    r = await client.post(f"{base}/tariff/apply", json={"tariff_code": "basic"}, headers=headers)
    assert r.status_code == 200, r.text
    surcharge = r.json()["surcharge"]
    assert surcharge == "780.00"  # 490 covers the laptop; the phone adds 290

    r = await client.post(f"{base}/contract/generate", json={"pep_agreed": True}, headers=headers)
    assert r.status_code == 201, r.text
    contract = r.json()["contract"]
    number = contract["number"]

    # The client reads the code in the app's support chat.
    last = (await support_messages(client, user_id))[-1]
    assert number in last["body"] and surcharge in last["body"]
    code = CODE_RE.search(last["body"]).group(1)  # type: ignore[union-attr]
    assert code not in r.text

    r = await client.post(f"{base}/contract/confirm", json={"code": code}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["client_status"] == "signed"

    r = await client.post(
        f"{base}/payment/confirm",
        json={"amount": surcharge, "method": "card", "reference": "RRN 0001"},
        headers={**headers, "Idempotency-Key": "flow-pay"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["client_status"] == "processed"

    card = (await client.get(base, headers=headers)).json()
    assert card["status"] == "processed" and card["current_step"] == "success"
    assert card["contract"]["status"] == "signed"
    assert card["payment"]["amount"] == surcharge
    r = await client.get(f"{API}/clients?tab=processed", headers=headers)
    assert cid in [i["id"] for i in r.json()["items"]]

    pdf = await client.get(card["contract"]["pdf_url"])
    assert pdf.status_code == 200 and sha256_hex(pdf.content) == contract["pdf_sha256"]
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.content)).pages
    )
    assert "Смирнова Ольга Николаевна" in text
    assert number in text
    printed = surcharge.replace(".", ",")
    assert f"доплата по Договору составляет {printed} руб." in text  # NBSP read as a space
    assert re.search(r"ThinkPad X1", text)

    verified = (await client.get(f"{base}/contract/verify", headers=headers)).json()
    assert verified["valid"] is True, verified
