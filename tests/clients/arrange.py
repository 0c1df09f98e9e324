"""A fully filled client of one manager: profile, passport, a device with a photo."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.clients.factories import PASSPORT, PROFILE, make_client

C = "/api/manager/clients"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200 + b"\xff\xd9"


@dataclass
class Filled:
    client_id: int
    user_id: int
    device_id: int
    photo_id: int
    file_key: str


async def filled_client(
    http: httpx.AsyncClient, db: Any, manager: Any, headers: dict[str, str]
) -> Filled:
    c = await make_client(db, manager=manager)
    version = c.version
    r = await http.patch(
        f"{C}/{c.id}/profile", json={"version": version, **PROFILE}, headers=headers
    )
    assert r.status_code == 200, r.text
    r = await http.put(
        f"{C}/{c.id}/passport", json={"version": r.json()["version"], **PASSPORT}, headers=headers
    )
    assert r.status_code == 200, r.text
    r = await http.post(
        f"{C}/{c.id}/devices",
        json={"kind": "phone", "brand": "Apple", "model": "iPhone", "declared_value": "1490.00"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    device_id = r.json()["id"]
    r = await http.post(
        f"{C}/{c.id}/devices/{device_id}/photos/upload-url",
        json={"content_type": "image/jpeg", "size": len(JPEG)},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    upload, key = r.json()["upload"], r.json()["file_key"]
    assert upload["method"] == "PUT", "these helpers use the local storage backend"
    put = await http.put(upload["url"], content=JPEG, headers=upload["headers"])
    assert put.status_code == 201, put.text
    r = await http.post(
        f"{C}/{c.id}/devices/{device_id}/photos", json={"file_key": key}, headers=headers
    )
    assert r.status_code == 201, r.text
    return Filled(c.id, c.user_id, device_id, r.json()["id"], key)


def fill_path(path: str, f: Filled) -> str:
    return (
        path.replace("{client_id}", str(f.client_id))
        .replace("{device_id}", str(f.device_id))
        .replace("{photo_id}", str(f.photo_id))
    )
