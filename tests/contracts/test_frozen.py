"""Signed means frozen: every change to what a contract states voids its code, photos are
hashed from storage at generation and re-checked by verification."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from privet_manager.contracts.models import Contract
from privet_manager.devices.models import DevicePhoto
from privet_manager.kit.security import sha256_hex
from privet_manager.kit.storage import get_storage
from pypdf import PdfReader
from sqlalchemy import select

from tests.contracts.helpers import (
    API,
    JPEG,
    apply_and_generate,
    apply_tariff,
    generate,
    read_code,
    ready_client,
)


async def card(client: httpx.AsyncClient, headers: dict[str, str], cid: int) -> dict[str, Any]:
    r = await client.get(f"{API}/clients/{cid}", headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def upload_photo(
    client: httpx.AsyncClient, headers: dict[str, str], cid: int, did: int, data: bytes
) -> httpx.Response:
    """Upload-url, the upload itself (local backend: PUT to the API), confirm."""
    r = await client.post(
        f"{API}/clients/{cid}/devices/{did}/photos/upload-url",
        json={"content_type": "image/jpeg", "size": len(data)},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    upload = r.json()
    put = await client.put(
        upload["upload"]["url"], content=data, headers=upload["upload"]["headers"]
    )
    assert put.status_code == 201, put.text
    return await client.post(
        f"{API}/clients/{cid}/devices/{did}/photos",
        json={"file_key": upload["file_key"]},
        headers=headers,
    )


async def edit_profile(client, headers, cid, c):
    return await client.patch(
        f"{API}/clients/{cid}/profile",
        json={"version": c["version"], "email": "new@example.ru"},
        headers=headers,
    )


async def edit_address(client, headers, cid, c):
    return await client.patch(
        f"{API}/clients/{cid}/profile",
        json={
            "version": c["version"],
            "address": {"city": "Москва", "street": "ул. Арбат", "house": "1"},
        },
        headers=headers,
    )


async def edit_passport(client, headers, cid, c):
    return await client.put(
        f"{API}/clients/{cid}/passport",
        json={
            "version": c["version"],
            "series": "4517",
            "number": "918274",
            "issued_by": "ГУ МВД России по г. Москве",
            "issue_date": "2015-05-20",
            "department_code": "770-001",
            "birth_date": "1990-03-14",
            "birth_place": "г. Москва",
        },
        headers=headers,
    )


async def add_device(client, headers, cid, c):
    return await client.post(
        f"{API}/clients/{cid}/devices",
        json={"kind": "tv", "brand": "LG", "model": "OLED55", "declared_value": "90000"},
        headers=headers,
    )


async def edit_device(client, headers, cid, c):
    did = c["devices"][0]["id"]
    return await client.patch(
        f"{API}/clients/{cid}/devices/{did}", json={"serial_number": "SN-X"}, headers=headers
    )


async def delete_device(client, headers, cid, c):
    return await client.delete(
        f"{API}/clients/{cid}/devices/{c['devices'][1]['id']}", headers=headers
    )


async def add_photo(client, headers, cid, c):
    return await upload_photo(client, headers, cid, c["devices"][0]["id"], JPEG + b"new")


async def delete_photo(client, headers, cid, c):
    device = c["devices"][0]
    return await client.delete(
        f"{API}/clients/{cid}/devices/{device['id']}/photos/{device['photos'][0]['id']}",
        headers=headers,
    )


async def other_tariff(client, headers, cid, c):
    return await client.post(
        f"{API}/clients/{cid}/tariff/apply", json={"tariff_code": "family"}, headers=headers
    )


EDITS = {
    "profile": edit_profile,
    "address": edit_address,
    "passport": edit_passport,
    "device_added": add_device,
    "device_edited": edit_device,
    "device_deleted": delete_device,
    "photo_added": add_photo,
    "photo_deleted": delete_photo,
    "tariff": other_tariff,
}


@pytest.mark.parametrize("edit", sorted(EDITS))
async def test_any_edit_after_generation_voids_the_code(
    client, headers, manager, clean_db, session, edit
) -> None:
    ready = await ready_client(clean_db, manager)
    cid = ready.client_id
    contract = await apply_and_generate(client, headers, cid)
    code = await read_code(client, ready.user_id)
    r = await EDITS[edit](client, headers, cid, await card(client, headers, cid))
    assert r.status_code in (200, 201), r.text

    r = await client.post(
        f"{API}/clients/{cid}/contract/confirm", json={"code": code}, headers=headers
    )
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "contract_data_changed"
    assert r.json()["detail"] == "Данные клиента изменились: сформируйте договор заново"
    row = await session.scalar(select(Contract).where(Contract.id == contract["id"]))
    assert row is not None and row.status == "void" and row.otp_hmac is None
    c = await card(client, headers, cid)
    assert c["status"] == "in_progress"
    assert c["contract"]["status"] == "void"
    assert c["contract"]["void_reason"] == "Данные клиента изменились"
    # A resend cannot revive it either.
    r = await client.post(f"{API}/clients/{cid}/contract/resend-otp", headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "contract_data_changed"


async def test_photo_hashes_come_from_storage_and_are_printed(
    client, headers, manager, clean_db, session
) -> None:
    ready = await ready_client(clean_db, manager)
    contract = await apply_and_generate(client, headers, ready.client_id)
    row = await session.scalar(select(Contract).where(Contract.id == contract["id"]))
    assert row is not None
    photos = list((await session.scalars(select(DevicePhoto).order_by(DevicePhoto.id))).all())
    recorded = row.snapshot["photos"]
    assert [p["key"] for p in recorded] == [p.object_key for p in photos]
    for entry, photo in zip(recorded, photos, strict=True):
        assert entry["sha256"] == sha256_hex(await get_storage().get(photo.object_key))
    pdf = PdfReader(io.BytesIO(await get_storage().get(row.pdf_key)))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "Фотографии техники" in text
    for entry in recorded:
        assert entry["sha256"] in text and entry["file"] in text


async def test_a_photo_changed_in_storage_before_generation_is_refused(
    client, headers, manager, clean_db, session
) -> None:
    ready = await ready_client(clean_db, manager)
    photo = await session.scalar(select(DevicePhoto).order_by(DevicePhoto.id).limit(1))
    assert photo is not None
    await get_storage().put(photo.object_key, JPEG + b"swapped", "image/jpeg")
    await apply_tariff(client, headers, ready.client_id)
    r = await generate(client, headers, ready.client_id)
    assert r.status_code == 409 and r.json()["code"] == "photo_changed", r.text
    assert await session.scalar(select(Contract.id)) is None


async def test_a_replaced_photo_object_makes_verify_invalid(
    client, headers, manager, clean_db, session
) -> None:
    ready = await ready_client(clean_db, manager)
    cid = ready.client_id
    await apply_and_generate(client, headers, cid)
    code = await read_code(client, ready.user_id)
    r = await client.post(
        f"{API}/clients/{cid}/contract/confirm", json={"code": code}, headers=headers
    )
    assert r.status_code == 200, r.text
    url = f"{API}/clients/{cid}/contract/verify"
    result = (await client.get(url, headers=headers)).json()
    assert result["valid"] is True and result["checks"]["photos"] == "ok"

    photo = await session.scalar(select(DevicePhoto).order_by(DevicePhoto.id.desc()).limit(1))
    assert photo is not None
    original = await get_storage().get(photo.object_key)
    await get_storage().put(photo.object_key, original + b"\x00", "image/jpeg")
    result = (await client.get(url, headers=headers)).json()
    assert result["valid"] is False and result["checks"]["photos"] == "failed"
    assert result["checks"]["pdf_hash"] == "ok"
    await get_storage().delete(photo.object_key)
    result = (await client.get(url, headers=headers)).json()
    assert result["valid"] is False and result["checks"]["photos"] == "failed"
