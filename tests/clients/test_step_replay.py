"""Steps 1 and 2 sent again from the SPA's outbox (issue 16): the same Idempotency-Key
replays the first answer (one write, one activity entry), instead of a 409 for the version
the first write moved on."""

from __future__ import annotations

import httpx
from privet_manager.clients.schemas import PassportIn
from privet_manager.kit.idempotency import IdempotencyKey, request_hash
from sqlalchemy import select

from tests.clients.factories import PASSPORT, PROFILE, load_client, make_client
from tests.clients.test_steps import actions
from tests.conftest import Factory, login

C = "/api/manager/clients"


async def test_a_replayed_profile_save_writes_once(
    client: httpx.AsyncClient, factory: Factory, clean_db
) -> None:
    manager = await factory.manager()
    headers = await login(client, manager)
    c = await make_client(clean_db, manager)
    key = {**headers, "Idempotency-Key": "outbox-1f0e"}
    body = {"version": c.version, **PROFILE}
    first = await client.patch(f"{C}/{c.id}/profile", json=body, headers=key)
    assert first.status_code == 200, first.text
    # The answer was lost; the outbox sends the very same request again.
    again = await client.patch(f"{C}/{c.id}/profile", json=body, headers=key)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    assert await actions(clean_db, c.id) == ["profile.updated"]
    assert (await load_client(clean_db, c.id)).version == c.version + 1
    # Without the key the same body is what it always was: a stale version.
    stale = await client.patch(f"{C}/{c.id}/profile", json=body, headers=headers)
    assert stale.status_code == 409
    # The key with another body is refused and writes nothing.
    other = {**body, "name": "Петров Пётр"}
    r = await client.patch(f"{C}/{c.id}/profile", json=other, headers=key)
    assert r.status_code == 422 and r.json()["code"] == "idempotency_key_reused"
    assert await actions(clean_db, c.id) == ["profile.updated"]


async def test_a_replayed_passport_save_writes_once_and_keys_its_fingerprint(
    client: httpx.AsyncClient, factory: Factory, clean_db
) -> None:
    manager = await factory.manager()
    headers = await login(client, manager)
    c = await make_client(clean_db, manager)
    key = {**headers, "Idempotency-Key": "outbox-2a7c"}
    body = {"version": c.version, **PASSPORT}
    first = await client.put(f"{C}/{c.id}/passport", json=body, headers=key)
    assert first.status_code == 200, first.text
    again = await client.put(f"{C}/{c.id}/passport", json=body, headers=key)
    assert again.status_code == 200 and again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    assert await actions(clean_db, c.id) == ["passport.updated"]

    async with clean_db.sessionmaker() as s:
        stored = await s.scalar(select(IdempotencyKey).where(IdempotencyKey.key == "outbox-2a7c"))
    assert stored is not None
    # What is kept about the request cannot be checked against guessed passport numbers
    # without a server secret; the answer holds no passport field.
    assert stored.request_hash != request_hash(PassportIn(**body), c.id)
    assert PASSPORT["number"] not in str(stored.response_body)
