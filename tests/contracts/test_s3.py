"""The contract path on a real S3 (SeaweedFS): PDFs stored, linked, verified, tampered."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from privet_manager.kit import storage as kit_storage
from privet_manager.kit.security import sha256_hex
from privet_manager.kit.storage.s3 import S3Storage

from tests.contracts.helpers import API, apply_and_generate, read_code, ready_client
from tests.s3 import SeaweedFS

pytestmark = pytest.mark.s3


@pytest.fixture
def s3_store(seaweedfs: SeaweedFS) -> Iterator[S3Storage]:
    previous = kit_storage._storage
    store = S3Storage(seaweedfs.endpoint, seaweedfs.access_key, seaweedfs.secret_key, "pm-test")
    kit_storage.set_storage(store)
    try:
        yield store
    finally:
        kit_storage.set_storage(previous)


async def test_generate_sign_verify_and_tamper_on_s3(
    client, headers, manager, clean_db, s3_store
) -> None:
    ready = await ready_client(clean_db, manager)
    contract = await apply_and_generate(client, headers, ready.client_id)
    assert contract["pdf_url"].startswith("http")  # presigned by the store itself
    async with httpx.AsyncClient() as web:
        r = await web.get(contract["pdf_url"])
        assert r.status_code == 200 and sha256_hex(r.content) == contract["pdf_sha256"]
        r = await web.get(contract["pdf_url"].split("?")[0])
        assert r.status_code == 403  # no anonymous reads
    code = await read_code(client, ready.user_id)
    r = await client.post(
        f"{API}/clients/{ready.client_id}/contract/confirm", json={"code": code}, headers=headers
    )
    assert r.status_code == 200, r.text
    url = f"{API}/clients/{ready.client_id}/contract/verify"
    assert (await client.get(url, headers=headers)).json()["valid"] is True

    key = f"contracts/{ready.client_id}/{contract['number']}.pdf"
    data = bytearray(await s3_store.get(key))
    data[100] ^= 0x20
    await s3_store.put(key, bytes(data), "application/pdf")
    result = (await client.get(url, headers=headers)).json()
    assert result["valid"] is False and result["checks"]["pdf_hash"] == "failed"
