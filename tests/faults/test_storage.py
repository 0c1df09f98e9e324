"""S3 (SeaweedFS) goes away in the middle of a photo confirmation and of a contract
generation: a clear 503 problem+json, no photo row without its object, no contract without
its PDF, and the same request succeeds once S3 is back."""

from __future__ import annotations

import hashlib

from minio import Minio
from privet_manager.clients.models import Client
from privet_manager.contracts.models import Contract
from privet_manager.devices.models import DevicePhoto
from privet_manager.legacy.models import SupportMessage, SupportTicket
from sqlalchemy import func, select

from tests.faults.conftest import Api, assert_503_problem
from tests.fuzz import world as world_mod
from tests.s3 import SeaweedFS

API = "/api/manager"


def _minio(server: SeaweedFS) -> Minio:
    """Straight to SeaweedFS, not through the proxy: what is really stored."""
    return Minio(
        server.endpoint.removeprefix("http://"),
        access_key=server.access_key,
        secret_key=server.secret_key,
        secure=False,
        region="us-east-1",
    )


async def _photos(database, device_id: int) -> list[str]:
    async with database.sessionmaker() as s:
        rows = await s.scalars(
            select(DevicePhoto.object_key).where(DevicePhoto.device_id == device_id)
        )
        return list(rows)


async def test_s3_gone_in_the_middle_of_a_photo_confirmation(
    s3_api: Api, seaweedfs: SeaweedFS, database, world
) -> None:
    sc = await world_mod.scene(database, s3_api.url, s3_api.headers, world, world_mod.CLAIMED)
    from bench.wizard import Wizard

    w = Wizard(s3_api.http, s3_api.headers, "unused")
    cid, device_id = sc.ids["client_id"], sc.ids["device_id"]
    key = await w.upload(cid, device_id)  # the browser's upload went through
    photos_before = await _photos(database, device_id)
    url = f"{API}/clients/{cid}/devices/{device_id}/photos"

    # The API finds the object (HEAD passes), then S3 drops it while the API reads it.
    s3_api.proxy.cut_on(b"GET /")
    r = await s3_api.http.post(url, json={"file_key": key}, headers=s3_api.headers)
    assert s3_api.proxy.state.seen[-1:] == [b"GET /"]
    assert_503_problem(r, "storage_unavailable")
    assert await _photos(database, device_id) == photos_before  # no row without its object

    # S3 down altogether: still a clean 503, still nothing recorded.
    s3_api.proxy.refuse()
    r = await s3_api.http.post(url, json={"file_key": key}, headers=s3_api.headers)
    assert_503_problem(r, "storage_unavailable")
    assert await _photos(database, device_id) == photos_before

    # Back: the same confirmation succeeds; the object was kept and is what the row says.
    s3_api.proxy.heal()
    r = await s3_api.http.post(url, json={"file_key": key}, headers=s3_api.headers)
    assert r.status_code == 201, r.text
    # Write-once: the confirmed bytes live under the upload's name outside `uploads/`.
    confirmed = key.replace("/uploads/", "/")
    assert confirmed != key
    assert await _photos(database, device_id) == [*photos_before, confirmed]
    stored = _minio(seaweedfs).get_object(s3_api.bucket, confirmed)
    assert hashlib.sha256(stored.read()).hexdigest() == r.json()["sha256"]
    stored.close()


async def _contract_state(database, cid: int) -> tuple[int, str, int]:
    """(contracts of the client, client status, support messages in the client's tickets)."""
    async with database.sessionmaker() as s:
        client = await s.get(Client, cid)
        assert client is not None
        contracts = await s.scalar(
            select(func.count()).select_from(Contract).where(Contract.client_id == cid)
        )
        messages = await s.scalar(
            select(func.count())
            .select_from(SupportMessage)
            .join(SupportTicket, SupportTicket.id == SupportMessage.ticket_id)
            .where(SupportTicket.user_id == client.user_id)
        )
        return int(contracts or 0), client.status, int(messages or 0)


async def test_s3_gone_in_the_middle_of_a_contract_generation(
    s3_api: Api, seaweedfs: SeaweedFS, database, world
) -> None:
    sc = await world_mod.scene(database, s3_api.url, s3_api.headers, world, world_mod.READY)
    cid = sc.ids["client_id"]
    before = await _contract_state(database, cid)
    assert before[:2] == (0, "in_progress")
    url = f"{API}/clients/{cid}/contract/generate"

    # The PDF is rendered, and S3 drops the connection while it is being stored.
    s3_api.proxy.cut_on(b"PUT /")
    r = await s3_api.http.post(url, json={"pep_agreed": True}, headers=s3_api.headers)
    assert s3_api.proxy.state.seen[-1:] == [b"PUT /"]
    assert_503_problem(r, "storage_unavailable")
    # No contract without its PDF, no code sent to the client, the client not moved on.
    assert await _contract_state(database, cid) == before
    objects = list(_minio(seaweedfs).list_objects(s3_api.bucket, prefix="contracts/",
                                                  recursive=True))  # fmt: skip
    assert [o.object_name for o in objects if f"/{cid}/" in (o.object_name or "")] == []

    s3_api.proxy.heal()
    r = await s3_api.http.post(url, json={"pep_agreed": True}, headers=s3_api.headers)
    assert r.status_code == 201, r.text
    contract = r.json()["contract"]
    count, status, messages = await _contract_state(database, cid)
    assert (count, status, messages) == (1, "awaiting_signature", before[2] + 1)
    async with database.sessionmaker() as s:
        row = await s.scalar(select(Contract).where(Contract.client_id == cid))
        assert row is not None
        pdf = _minio(seaweedfs).get_object(s3_api.bucket, row.pdf_key)
        assert hashlib.sha256(pdf.read()).hexdigest() == row.pdf_sha256 == contract["pdf_sha256"]
        pdf.close()
