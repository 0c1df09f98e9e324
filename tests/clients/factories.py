"""Arranging users and clients directly in the database (shared by the domain tests)."""

from __future__ import annotations

import itertools
from typing import Any

from privet_manager.auth.models import Manager
from privet_manager.clients.models import Client
from privet_manager.kit.db import Database
from privet_manager.legacy.models import User

_n = itertools.count(1)


async def make_user(db: Database, **kw: Any) -> User:
    n = next(_n)
    async with db.sessionmaker() as s, s.begin():
        user = User(
            name=kw.pop("name", f"Клиент Тестовый {n}"),
            phone=kw.pop("phone", f"+7916{n:07d}"),
            email=kw.pop("email", f"client{n}@example.test"),
            **kw,
        )
        s.add(user)
    return user


async def make_client(
    db: Database,
    manager: Manager | None = None,
    status: str | None = None,
    **user_kw: Any,
) -> Client:
    """A user and its manager_clients row; assigned (in progress) when `manager` is given."""
    user = await make_user(db, **user_kw)
    async with db.sessionmaker() as s, s.begin():
        client = Client(
            user_id=user.id,
            name=user.name,
            phone=user.phone,
            email=user.email,
            status=status or ("in_progress" if manager else "new"),
            current_step="1",
            assigned_manager_id=manager.id if manager else None,
        )
        s.add(client)
    async with db.sessionmaker() as s:
        loaded = await s.get(Client, client.id)
        assert loaded is not None
        return loaded


async def load_client(db: Database, client_id: int) -> Client:
    async with db.sessionmaker() as s:
        client = await s.get(Client, client_id)
        assert client is not None
        return client


PASSPORT: dict[str, Any] = {
    "series": "4506",
    "number": "739215",
    "issued_by": "ОВД Пресненского района г. Москвы",
    "issue_date": "2010-05-20",
    "department_code": "770-001",
    "birth_date": "1990-03-15",
    "birth_place": "г. Москва",
}

PROFILE: dict[str, Any] = {
    "name": "Иванов Иван Иванович",
    "phone": "8 (916) 123-45-67",
    "email": "Ivanov@Example.com",
    "address": {
        "postal_code": "123456",
        "region": "г. Москва",
        "city": "Москва",
        "street": "ул. Тверская",
        "house": "1",
        "building": "2",
        "apartment": "34",
    },
}
