"""Who may sign: a passport still valid (replaced at 20 and 45, 90 days' grace), issued after
the birth date, the series as printed; and an adult on the day the contract is generated."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from privet_manager.clients.models import Passport
from privet_manager.clients.validation import add_years
from privet_manager.kit.clock import today_moscow
from sqlalchemy import update

from tests.clients.factories import PASSPORT, make_client
from tests.conftest import login
from tests.contracts.helpers import apply_tariff, generate, ready_client

C = "/api/manager/clients"


def passport(birth: date, issue: date, **kw: str) -> dict[str, str]:
    return {**PASSPORT, "birth_date": birth.isoformat(), "issue_date": issue.isoformat(), **kw}


async def put(client, factory, clean_db, body):
    me = await factory.manager()
    headers = await login(client, me)
    c = await make_client(clean_db, manager=me)
    r = await client.put(
        f"{C}/{c.id}/passport", json={"version": c.version, **body}, headers=headers
    )
    return r, c, headers


@pytest.mark.parametrize("age", [20, 45])
async def test_a_passport_not_replaced_is_refused_after_the_grace(client, factory, clean_db, age):
    today = today_moscow()
    birthday = today - timedelta(days=91)  # the 20th / 45th birthday, 91 days ago
    birth = add_years(birthday, -age)
    r, _, _ = await put(client, factory, clean_db, passport(birth, add_years(birth, age - 1)))
    assert r.status_code == 422, r.text
    (error,) = r.json()["errors"]
    assert error["loc"] == ["body", "issue_date"]
    assert error["msg"].startswith(f"Паспорт недействителен: в {age} лет его нужно было заменить")


@pytest.mark.parametrize("age", [20, 45])
async def test_within_ninety_days_of_the_birthday_it_is_still_valid(client, factory, clean_db, age):
    birthday = today_moscow() - timedelta(days=90)
    birth = add_years(birthday, -age)
    r, _, _ = await put(client, factory, clean_db, passport(birth, add_years(birth, age - 1)))
    assert r.status_code == 200, r.text


async def test_a_replaced_passport_is_valid(client, factory, clean_db):
    birth = add_years(today_moscow(), -50)
    r, _, _ = await put(client, factory, clean_db, passport(birth, add_years(birth, 45)))
    assert r.status_code == 200, r.text


async def test_an_issue_date_before_the_birth_date_has_its_own_message(client, factory, clean_db):
    r, _, _ = await put(client, factory, clean_db, passport(date(1990, 3, 14), date(1989, 1, 1)))
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"loc": ["body", "issue_date"], "msg": "Дата выдачи не может быть раньше даты рождения"}
    ]


async def test_the_series_as_printed(client, factory, clean_db):
    r, c, headers = await put(client, factory, clean_db, {**PASSPORT, "series": "45 10"})
    assert r.status_code == 200, r.text
    card = (await client.get(f"{C}/{c.id}", headers=headers)).json()
    assert card["passport"]["series"] == "4510"


async def test_a_minor_cannot_sign(client, factory, clean_db, session) -> None:
    manager = await factory.manager()
    headers = await login(client, manager)
    ready = await ready_client(clean_db, manager)
    # 18 tomorrow: still a minor today.
    birth = add_years(today_moscow() + timedelta(days=1), -18)
    await session.execute(
        update(Passport)
        .where(Passport.user_id == ready.user_id)
        .values(birth_date=birth, issue_date=add_years(birth, 14))
    )
    await session.commit()
    await apply_tariff(client, headers, ready.client_id)
    r = await generate(client, headers, ready.client_id)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "client_underage"
    assert body["errors"][0]["loc"] == ["passport", "birth_date"]
    assert "18 лет" in body["errors"][0]["msg"]
