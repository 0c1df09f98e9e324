"""Photos are write-once, on both backends: an upload URL cannot change a confirmed photo,
and once the client has signed nothing reaches the client's device objects."""

from __future__ import annotations

from typing import Any

import pytest
from privet_manager.devices.models import DevicePhoto
from privet_manager.kit.security import sha256_hex
from privet_manager.kit.storage import get_storage
from sqlalchemy import select

from tests.conftest import login
from tests.contracts.helpers import API, apply_and_generate, read_code, ready_client
from tests.storage.test_photos import JPEG, photo_rows, send, setup_device, stored, upload_url

pytestmark = pytest.mark.usefixtures("backend")
OTHER = JPEG[:-2] + b"replaced\xff\xd9"


async def test_an_upload_url_works_once(client, factory, clean_db, backend):
    headers, cid, did = await setup_device(client, factory, clean_db)
    instructions = await upload_url(client, headers, cid, did, size=len(JPEG))
    upload = instructions["upload"]
    assert await send(client, upload, JPEG, "image/jpeg") in (200, 201, 204)
    if backend == "local":
        # Before confirmation: the key already holds an object.
        r = await client.put(upload["url"], content=OTHER, headers=upload["headers"])
        assert r.status_code == 409 and r.json()["code"] == "upload_url_used"
    confirm = f"{API}/clients/{cid}/devices/{did}/photos"
    r = await client.post(confirm, json={"file_key": instructions["file_key"]}, headers=headers)
    assert r.status_code == 201, r.text
    photo = r.json()
    assert photo["sha256"] == sha256_hex(JPEG)
    row = await _photo(clean_db, photo["id"])
    assert row.object_key != instructions["file_key"]  # no URL was issued for this key
    assert not await stored(instructions["file_key"])

    status = await send(client, upload, OTHER, "image/jpeg")
    if backend == "local":
        assert status == 409  # refused, nothing stored
        assert not await stored(instructions["file_key"])
    # S3 may take the replayed POST policy until it expires: the confirmed photo is
    # elsewhere, and confirming the upload again changes nothing.
    r = await client.post(confirm, json={"file_key": instructions["file_key"]}, headers=headers)
    assert r.status_code == 201 and r.json()["id"] == photo["id"]
    assert r.json()["sha256"] == sha256_hex(JPEG)
    assert await get_storage().get(row.object_key) == JPEG
    assert await photo_rows(clean_db) == 1


async def _photo(db: Any, photo_id: int) -> DevicePhoto:
    async with db.sessionmaker() as s:
        row = await s.scalar(select(DevicePhoto).where(DevicePhoto.id == photo_id))
        assert row is not None
        return row


async def test_after_signing_no_upload_or_delete_reaches_the_devices(
    client, factory, clean_db, backend
):
    manager = await factory.manager()
    headers = await login(client, manager)
    ready = await ready_client(clean_db, manager)
    cid = ready.client_id
    c = (await client.get(f"{API}/clients/{cid}", headers=headers)).json()
    device = c["devices"][0]
    did, photo_id = device["id"], device["photos"][0]["id"]
    early = await upload_url(client, headers, cid, did, size=len(JPEG))  # before signing
    await apply_and_generate(client, headers, cid)
    code = await read_code(client, ready.user_id)
    r = await client.post(
        f"{API}/clients/{cid}/contract/confirm", json={"code": code}, headers=headers
    )
    assert r.status_code == 200, r.text
    before = {
        k: await get_storage().get(k) for k in await get_storage().list_keys(f"clients/{cid}/")
    }

    status = await send(client, early["upload"], OTHER, "image/jpeg")
    if backend == "local":
        assert status == 409  # the client has signed: refused, nothing stored
        assert not await stored(early["file_key"])
    r = await client.post(
        f"{API}/clients/{cid}/devices/{did}/photos",
        json={"file_key": early["file_key"]},
        headers=headers,
    )
    assert r.status_code == 409 and r.json()["code"] == "client_locked", r.text
    r = await client.post(
        f"{API}/clients/{cid}/devices/{did}/photos/upload-url",
        json={"content_type": "image/jpeg", "size": 100},
        headers=headers,
    )
    assert r.status_code == 409
    r = await client.delete(f"{API}/clients/{cid}/devices/{did}/photos/{photo_id}", headers=headers)
    assert r.status_code == 409
    r = await client.delete(f"{API}/clients/{cid}/devices/{did}", headers=headers)
    assert r.status_code == 409

    for key, data in before.items():
        assert await get_storage().get(key) == data
    assert await photo_rows(clean_db) == 2
    result = (await client.get(f"{API}/clients/{cid}/contract/verify", headers=headers)).json()
    assert result["valid"] is True and result["checks"]["photos"] == "ok"
