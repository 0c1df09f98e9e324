"""Claim, step 1 (profile) and step 2 (passport): rules, versions, races, encryption."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from privet_manager.activity.models import ActivityEntry
from privet_manager.activity.service import verify_chain
from privet_manager.clients.models import Client, Passport
from privet_manager.clients.validation import add_years
from privet_manager.kit.clock import today_moscow
from privet_manager.legacy.models import User
from sqlalchemy import select, text

from tests.clients.factories import PASSPORT, PROFILE, load_client, make_client
from tests.conftest import Factory, login

C = "/api/manager/clients"


async def actions(db, client_id: int) -> list[str]:
    async with db.sessionmaker() as s:
        rows = await s.scalars(
            select(ActivityEntry.action)
            .where(ActivityEntry.client_id == client_id)
            .order_by(ActivityEntry.seq)
        )
        return list(rows)


async def test_claim_and_who_holds_it(client: httpx.AsyncClient, factory: Factory, clean_db):
    a = await factory.manager(name="Анна Первая")
    b = await factory.manager(name="Борис Второй")
    ha, hb = await login(client, a), await login(client, b)
    c = await make_client(clean_db)
    r = await client.post(f"{C}/{c.id}/claim", headers=ha)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "in_progress"
    assert body["assigned_manager"] == {"id": a.id, "name": "Анна Первая"}
    assert body["version"] == c.version + 1
    # Claiming again is harmless; another manager gets 409 naming the holder.
    assert (await client.post(f"{C}/{c.id}/claim", headers=ha)).status_code == 200
    r = await client.post(f"{C}/{c.id}/claim", headers=hb)
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "Анна Первая" in r.json()["detail"]
    assert r.json()["holder"] == {"id": a.id, "name": "Анна Первая"}
    assert await actions(clean_db, c.id) == ["client.claimed"]
    assert (await client.post(f"{C}/999999/claim", headers=ha)).status_code == 404


async def test_two_concurrent_claims_one_wins(
    client: httpx.AsyncClient, factory: Factory, clean_db
):
    managers = [await factory.manager() for _ in range(2)]
    headers = [await login(client, m) for m in managers]
    for _ in range(5):
        c = await make_client(clean_db)
        results = await asyncio.gather(
            *(client.post(f"{C}/{c.id}/claim", headers=h) for h in headers)
        )
        assert sorted(r.status_code for r in results) == [200, 409]
        winner = managers[[r.status_code for r in results].index(200)]
        assert (await load_client(clean_db, c.id)).assigned_manager_id == winner.id
        assert await actions(clean_db, c.id) == ["client.claimed"]


async def _claimed(
    client: httpx.AsyncClient, factory: Factory, db
) -> tuple[dict[str, str], Client]:
    me = await factory.manager()
    headers = await login(client, me)
    c = await make_client(db, manager=me)
    return headers, c


async def test_profile_normalises_and_updates_the_shared_user(client, factory, clean_db):
    headers, c = await _claimed(client, factory, clean_db)
    r = await client.patch(
        f"{C}/{c.id}/profile", json={"version": c.version, **PROFILE}, headers=headers
    )
    assert r.status_code == 200, r.text
    state = r.json()
    assert state["version"] == c.version + 1 and state["current_step"] == "2"
    async with clean_db.sessionmaker() as s:
        user = await s.get(User, c.user_id)
        row = await s.get(Client, c.id)
    assert user is not None and row is not None
    assert (user.name, user.phone, user.email) == (
        "Иванов Иван Иванович",
        "+79161234567",
        "Ivanov@example.com",
    )
    assert (row.name, row.phone, row.phone_digits) == (user.name, "+79161234567", "79161234567")
    assert row.address_text == "123456, г. Москва, Москва, ул. Тверская, д. 1, корп. 2, кв. 34"
    card = (await client.get(f"{C}/{c.id}", headers=headers)).json()
    assert card["profile"]["phone"] == "+79161234567"
    assert card["address"]["postal_code"] == "123456"
    listed = (await client.get(C, params={"tab": "mine"}, headers=headers)).json()["items"][0]
    assert listed["registration_address"] == row.address_text
    assert await actions(clean_db, c.id) == ["profile.updated"]


async def test_profile_rejects_bad_fields_with_their_location(client, factory, clean_db):
    headers, c = await _claimed(client, factory, clean_db)
    cases: list[tuple[dict[str, Any], list[str | int]]] = [
        ({"phone": "12345"}, ["body", "phone"]),
        ({"phone": "+1 202 555 0147"}, ["body", "phone"]),
        ({"email": "not-an-email"}, ["body", "email"]),
        ({"name": ""}, ["body", "name"]),
        ({"name": None}, ["body", "name"]),
        ({"address": {"postal_code": "12345"}}, ["body", "address", "postal_code"]),
        ({"address": {"house": "x" * 40}}, ["body", "address", "house"]),
    ]
    for patch, loc in cases:
        r = await client.patch(
            f"{C}/{c.id}/profile", json={"version": c.version, **patch}, headers=headers
        )
        assert r.status_code == 422, (patch, r.text)
        assert loc in [e["loc"] for e in r.json()["errors"]], (patch, r.json())
    after = await load_client(clean_db, c.id)
    assert after.version == c.version and after.name == c.name
    assert await actions(clean_db, c.id) == []


async def test_stale_version_is_409_and_writes_nothing(client, factory, clean_db):
    headers, c = await _claimed(client, factory, clean_db)
    r = await client.patch(
        f"{C}/{c.id}/profile", json={"version": c.version + 5, **PROFILE}, headers=headers
    )
    assert r.status_code == 409 and r.json()["code"] == "version_conflict"
    after = await load_client(clean_db, c.id)
    assert (after.version, after.name, after.address_text) == (c.version, c.name, None)
    async with clean_db.sessionmaker() as s:
        user = await s.get(User, c.user_id)
    assert user is not None and user.name == c.name


async def test_two_concurrent_saves_with_one_version(client, factory, clean_db):
    headers, c = await _claimed(client, factory, clean_db)
    names = ["Первый Вариант", "Второй Вариант"]
    results = await asyncio.gather(
        *(
            client.patch(
                f"{C}/{c.id}/profile",
                json={"version": c.version, "name": n},
                headers=headers,
            )
            for n in names
        )
    )
    codes = [r.status_code for r in results]
    assert sorted(codes) == [200, 409], [r.text for r in results]
    after = await load_client(clean_db, c.id)
    assert after.name == names[codes.index(200)]
    assert after.version == c.version + 1
    assert await actions(clean_db, c.id) == ["profile.updated"]


async def test_passport_encrypted_at_rest_and_every_access_logged(client, factory, clean_db):
    headers, c = await _claimed(client, factory, clean_db)
    r = await client.put(
        f"{C}/{c.id}/passport", json={"version": c.version, **PASSPORT}, headers=headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["current_step"] == "3"
    async with clean_db.sessionmaker() as s:
        # A raw dump of the table shows neither series nor number.
        dump = (await s.execute(text("SELECT t::text FROM users_passports t"))).scalar_one()
        row = (await s.scalars(select(Passport))).one()
    assert "739215" not in dump  # (a 4-digit series could occur in hex by chance)
    assert b"739215" not in row.series_enc + row.number_enc
    assert row.key_id == "k1"
    card = (await client.get(f"{C}/{c.id}", headers=headers)).json()
    assert card["passport"]["number"] == "739215" and card["passport"]["series"] == "4506"
    assert card["passport_on_file"] is True
    await client.get(f"{C}/{c.id}", headers=headers)
    assert await actions(clean_db, c.id) == ["passport.updated", "passport.read", "passport.read"]
    # Never in list responses.
    listed = await client.get(C, params={"tab": "mine", "q": c.name}, headers=headers)
    assert "739215" not in listed.text and "passport" not in listed.text
    async with clean_db.sessionmaker() as s:
        assert await verify_chain(s, c.id) == (True, None)
    # A manager who does not hold the client sees the card without the passport, unlogged.
    other = await login(client, await factory.manager())
    card = (await client.get(f"{C}/{c.id}", headers=other)).json()
    assert card["passport"] is None and card["passport_on_file"] is True
    assert card["can_edit"] is False
    assert "739215" not in str(card)
    assert (await actions(clean_db, c.id)).count("passport.read") == 2


async def test_passport_rules(client, factory, clean_db):
    headers, c = await _claimed(client, factory, clean_db)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"series": "45O6"}, "series"),
        ({"series": "450"}, "series"),
        ({"number": "12345"}, "number"),
        ({"department_code": "770001x"}, "department_code"),
        ({"issue_date": "2099-01-01"}, "issue_date"),
        ({"birth_date": "2099-01-01"}, "birth_date"),
        ({"birth_date": "1800-01-01"}, "birth_date"),
        # Issued before the 14th birthday.
        ({"birth_date": "2000-06-01", "issue_date": "2014-05-31"}, "issue_date"),
        ({"issue_date": "20-05-2010"}, "issue_date"),
        ({"issued_by": ""}, "issued_by"),
    ]
    for patch, field in cases:
        body = {"version": c.version, **PASSPORT, **patch}
        r = await client.put(f"{C}/{c.id}/passport", json=body, headers=headers)
        assert r.status_code == 422, (patch, r.text)
        assert ["body", field] in [e["loc"] for e in r.json()["errors"]], (patch, r.json())
    # The 14th birthday itself is fine; spaces in series are tolerated.
    birth = add_years(today_moscow(), -15)
    ok = {
        "version": c.version,
        **PASSPORT,
        "series": "45 06",
        "department_code": "770001",
        "birth_date": birth.isoformat(),
        "issue_date": add_years(birth, 14).isoformat(),
    }
    r = await client.put(f"{C}/{c.id}/passport", json=ok, headers=headers)
    assert r.status_code == 200, r.text
    card = (await client.get(f"{C}/{c.id}", headers=headers)).json()
    assert card["passport"]["series"] == "4506"
    assert card["passport"]["department_code"] == "770-001"


async def test_unclaimed_or_foreign_clients_cannot_be_changed(client, factory, clean_db):
    me = await factory.manager()
    headers = await login(client, me)
    free = await make_client(clean_db)
    r = await client.patch(
        f"{C}/{free.id}/profile", json={"version": free.version, "name": "X"}, headers=headers
    )
    assert r.status_code == 403 and r.json()["code"] == "client_not_claimed"
    admin = await login(client, await factory.manager(role="admin"))
    theirs = await make_client(clean_db, manager=me)
    r = await client.patch(
        f"{C}/{theirs.id}/profile",
        json={"version": theirs.version, "name": "Админ Правит"},
        headers=admin,
    )
    assert r.status_code == 200, r.text


async def test_signed_clients_are_frozen(client, factory, clean_db):
    me = await factory.manager()
    headers = await login(client, me)
    c = await make_client(clean_db, manager=me, status="signed")
    calls = [
        ("PATCH", f"{C}/{c.id}/profile", {"version": c.version, "name": "Новое Имя"}),
        ("PUT", f"{C}/{c.id}/passport", {"version": c.version, **PASSPORT}),
        (
            "POST",
            f"{C}/{c.id}/devices",
            {"kind": "tv", "brand": "LG", "model": "C3", "declared_value": "1"},
        ),
    ]
    for method, url, body in calls:
        r = await client.request(method, url, json=body, headers=headers)
        assert r.status_code == 409 and r.json()["code"] == "client_locked", (url, r.text)
    assert (await load_client(clean_db, c.id)).version == c.version
