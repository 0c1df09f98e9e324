"""Photos through both backends: the store enforces key, type and size; confirmation
re-checks the object; whatever is refused leaves nothing stored."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from typing import Any

import httpx
import pytest
from privet_manager.devices import photos as photos_module
from privet_manager.devices.models import DevicePhoto
from privet_manager.kit.storage import get_storage
from privet_manager.kit.storage.s3 import S3Storage
from sqlalchemy import func, select

from bench.server import free_port
from tests.clients.factories import make_client
from tests.conftest import Factory, login
from tests.storage.conftest import MAX_MB

C = "/api/manager/clients"
MAX = MAX_MB * 1024 * 1024
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 2000 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 500
HTML = b"<!doctype html><html><script>alert(1)</script></html>"

pytestmark = pytest.mark.usefixtures("backend")


async def setup_device(
    client: httpx.AsyncClient, factory: Factory, db: Any
) -> tuple[dict[str, str], int, int]:
    me = await factory.manager()
    headers = await login(client, me)
    c = await make_client(db, manager=me)
    r = await client.post(
        f"{C}/{c.id}/devices",
        json={
            "kind": "phone",
            "brand": "Apple",
            "model": "iPhone 15",
            "declared_value": "79990.00",
        },
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return headers, c.id, r.json()["id"]


async def upload_url(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    cid: int,
    did: int,
    ct: str = "image/jpeg",
    size: int = 1000,
) -> dict[str, Any]:
    r = await client.post(
        f"{C}/{cid}/devices/{did}/photos/upload-url",
        json={"content_type": ct, "size": size},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    return r.json()


async def send(client: httpx.AsyncClient, upload: dict[str, Any], data: bytes, ct: str) -> int:
    """Upload as the browser would: the form for S3 POST, the raw body for the local PUT."""
    if upload["method"] == "POST":
        async with httpx.AsyncClient() as outside:
            r = await outside.post(
                upload["url"],
                data={**upload["fields"], "Content-Type": ct},
                files={"file": ("photo.jpg", io.BytesIO(data), ct)},
            )
        return r.status_code
    r = await client.put(
        upload["url"], content=data, headers={**upload["headers"], "Content-Type": ct}
    )
    return r.status_code


async def stored(key: str) -> bool:
    return await get_storage().stat(key) is not None


async def object_key_of(db: Any, photo_id: int) -> str:
    async with db.sessionmaker() as s:
        key = await s.scalar(select(DevicePhoto.object_key).where(DevicePhoto.id == photo_id))
        assert key is not None
        return str(key)


async def photo_rows(db: Any) -> int:
    async with db.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(DevicePhoto)) or 0)


async def test_upload_confirm_and_short_lived_url(client, factory, clean_db, backend):
    headers, cid, did = await setup_device(client, factory, clean_db)
    instructions = await upload_url(client, headers, cid, did, size=len(JPEG))
    key = instructions["file_key"]
    assert key.startswith(f"clients/{cid}/devices/{did}/") and key.endswith(".jpg")
    assert instructions["upload"]["method"] == ("POST" if backend == "s3" else "PUT")
    assert await send(client, instructions["upload"], JPEG, "image/jpeg") in (200, 201, 204)
    r = await client.post(
        f"{C}/{cid}/devices/{did}/photos", json={"file_key": key}, headers=headers
    )
    assert r.status_code == 201, r.text
    photo = r.json()
    assert photo["content_type"] == "image/jpeg" and photo["size"] == len(JPEG)
    import hashlib

    assert photo["sha256"] == hashlib.sha256(JPEG).hexdigest()
    # Confirming twice is harmless.
    again = await client.post(
        f"{C}/{cid}/devices/{did}/photos", json={"file_key": key}, headers=headers
    )
    assert again.status_code == 201 and again.json()["id"] == photo["id"]
    card = (await client.get(f"{C}/{cid}", headers=headers)).json()
    url = card["devices"][0]["photos"][0]["url"]
    if backend == "s3":
        async with httpx.AsyncClient() as outside:
            got = await outside.get(url)
            assert got.status_code == 200 and got.content == JPEG
            assert "X-Amz-Expires=900" in url
            bare = await outside.get(url.split("?")[0])
            assert bare.status_code == 403  # no anonymous reads
    else:
        got = await client.get(url)
        assert got.status_code == 200 and got.content == JPEG
        tampered = await client.get(url.replace("sig=", "sig=0"))
        assert tampered.status_code == 403
    # Delete: row and object gone (the upload object went at confirmation).
    kept = await object_key_of(clean_db, photo["id"])
    assert await stored(kept) and not await stored(key)
    r = await client.delete(f"{C}/{cid}/devices/{did}/photos/{photo['id']}", headers=headers)
    assert r.status_code == 200, r.text
    assert not await stored(kept) and await photo_rows(clean_db) == 0
    # Deleting a device removes its photos' objects as well (after the commit).
    instructions = await upload_url(client, headers, cid, did, size=len(JPEG))
    assert await send(client, instructions["upload"], JPEG, "image/jpeg") in (200, 201, 204)
    r = await client.post(
        f"{C}/{cid}/devices/{did}/photos",
        json={"file_key": instructions["file_key"]},
        headers=headers,
    )
    assert r.status_code == 201
    kept = await object_key_of(clean_db, r.json()["id"])
    r = await client.delete(f"{C}/{cid}/devices/{did}", headers=headers)
    assert r.status_code == 200, r.text
    assert not await stored(kept) and await photo_rows(clean_db) == 0


async def test_one_byte_over_the_limit_is_refused_by_the_store(client, factory, clean_db):
    headers, cid, did = await setup_device(client, factory, clean_db)
    # Asking for more than the limit is refused up front.
    r = await client.post(
        f"{C}/{cid}/devices/{did}/photos/upload-url",
        json={"content_type": "image/jpeg", "size": MAX + 1},
        headers=headers,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "size"]
    # Lying about the size does not help: the store itself cuts the body off.
    instructions = await upload_url(client, headers, cid, did, size=MAX)
    body = JPEG[:3] + b"\x00" * (MAX + 1 - 3)
    status = await send(client, instructions["upload"], body, "image/jpeg")
    assert status in (400, 403, 413), status
    assert not await stored(instructions["file_key"])
    r = await client.post(
        f"{C}/{cid}/devices/{did}/photos",
        json={"file_key": instructions["file_key"]},
        headers=headers,
    )
    assert r.status_code == 422 and r.json()["code"] == "photo_missing"
    # Exactly the limit is accepted.
    instructions = await upload_url(client, headers, cid, did, size=MAX)
    assert await send(
        client, instructions["upload"], JPEG[:3] + b"\x00" * (MAX - 3), "image/jpeg"
    ) in (200, 201, 204)
    r = await client.post(
        f"{C}/{cid}/devices/{did}/photos",
        json={"file_key": instructions["file_key"]},
        headers=headers,
    )
    assert r.status_code == 201, r.text


async def test_html_renamed_jpg_is_refused_and_deleted(client, factory, clean_db):
    headers, cid, did = await setup_device(client, factory, clean_db)
    instructions = await upload_url(client, headers, cid, did, size=len(HTML))
    assert await send(client, instructions["upload"], HTML, "image/jpeg") in (200, 201, 204)
    key = instructions["file_key"]
    assert await stored(key)
    r = await client.post(
        f"{C}/{cid}/devices/{did}/photos", json={"file_key": key}, headers=headers
    )
    assert r.status_code == 422 and r.json()["code"] == "photo_bad_type"
    assert r.json()["errors"][0]["loc"] == ["body", "file_key"]
    assert not await stored(key) and await photo_rows(clean_db) == 0


async def test_other_content_type_than_signed_is_refused(client, factory, clean_db):
    headers, cid, did = await setup_device(client, factory, clean_db)
    instructions = await upload_url(client, headers, cid, did, ct="image/jpeg", size=len(PNG))
    assert await send(client, instructions["upload"], PNG, "image/png") == 403
    assert not await stored(instructions["file_key"])


async def test_another_devices_key_is_refused_and_left_alone(client, factory, clean_db):
    headers, cid, did = await setup_device(client, factory, clean_db)
    r = await client.post(
        f"{C}/{cid}/devices",
        json={"kind": "tablet", "brand": "Samsung", "model": "Tab S9", "declared_value": "50000"},
        headers=headers,
    )
    other_did = r.json()["id"]
    instructions = await upload_url(client, headers, cid, other_did, size=len(PNG), ct="image/png")
    assert await send(client, instructions["upload"], PNG, "image/png") in (200, 201, 204)
    key = instructions["file_key"]
    for file_key in (
        key,
        key.replace(f"/devices/{other_did}/", f"/devices/{did}/../{other_did}/"),
        f"clients/{cid}/devices/{did}/../../../../etc/passwd",
    ):
        r = await client.post(
            f"{C}/{cid}/devices/{did}/photos", json={"file_key": file_key}, headers=headers
        )
        assert r.status_code == 422 and r.json()["code"] == "photo_key_foreign", file_key
    assert await stored(key)  # the other device's photo is not ours to delete
    assert await photo_rows(clean_db) == 0
    # Another client's device id under this client's path is not found at all.
    _, _, foreign_did = await setup_device(client, factory, clean_db)
    r = await client.post(
        f"{C}/{cid}/devices/{foreign_did}/photos/upload-url",
        json={"content_type": "image/png", "size": 10},
        headers=headers,
    )
    assert r.status_code == 404


async def test_expired_upload_instructions_are_refused(client, factory, clean_db, monkeypatch):
    headers, cid, did = await setup_device(client, factory, clean_db)
    monkeypatch.setattr(photos_module, "UPLOAD_TTL", timedelta(seconds=-30))
    instructions = await upload_url(client, headers, cid, did, size=len(JPEG))
    status = await send(client, instructions["upload"], JPEG, "image/jpeg")
    assert status in (400, 403), status
    assert not await stored(instructions["file_key"])


async def test_dead_store_is_a_503_problem(client, factory, clean_db, backend):
    headers, cid, did = await setup_device(client, factory, clean_db)
    from privet_manager.kit import storage as kit_storage

    previous = kit_storage.get_storage()
    kit_storage.set_storage(
        S3Storage(f"http://127.0.0.1:{free_port()}", "key", "secret-secret", "bucket")
    )
    try:
        key = f"clients/{cid}/devices/{did}/uploads/{'a' * 32}.jpg"
        r = await asyncio.wait_for(
            client.post(f"{C}/{cid}/devices/{did}/photos", json={"file_key": key}, headers=headers),
            timeout=30,
        )
    finally:
        kit_storage.set_storage(previous)
    assert r.status_code == 503
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "storage_unavailable"


async def test_local_upload_without_length_is_cut_off_while_streaming(
    client, factory, clean_db, backend
):
    if backend != "local":
        pytest.skip("the S3 store enforces its policy itself")
    headers, cid, did = await setup_device(client, factory, clean_db)
    instructions = await upload_url(client, headers, cid, did, size=MAX)
    sent = 0

    async def chunks():
        nonlocal sent
        yield JPEG[:3]
        sent += 3
        for _ in range(MAX // 65536 + 2):
            yield b"\x00" * 65536
            sent += 65536

    upload = instructions["upload"]
    r = await client.put(upload["url"], content=chunks(), headers=upload["headers"])
    assert r.status_code == 413
    assert not await stored(instructions["file_key"])
    # Nothing half-written is left behind either.
    root = get_storage().root  # type: ignore[attr-defined]
    assert not [p for p in root.rglob("*") if p.is_file()]
