"""Demo data for a first start: an admin, a manager, tariffs and 30 clients."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.auth import service as auth_service
from privet_manager.auth.models import Role
from privet_manager.clients.backfill import backfill_clients
from privet_manager.legacy.models import SupportMessage, SupportTicket, User
from privet_manager.tariffs.service import seed_default_tariffs

DEMO_ADMIN = ("admin@privet.demo", "Анна Админова", "Privet-Admin-2026")
DEMO_MANAGER = ("manager@privet.demo", "Михаил Мастеров", "Privet-Master-2026")

FIRST = ["Иван", "Пётр", "Алексей", "Дмитрий", "Сергей", "Андрей", "Михаил", "Николай"]
FIRST_F = ["Анна", "Мария", "Елена", "Ольга", "Татьяна", "Наталья", "Ирина", "Светлана"]
LAST = ["Иванов", "Петров", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев", "Козлов"]
MIDDLE = ["Иванович", "Петрович", "Сергеевич", "Андреевич", "Николаевич", "Алексеевич"]
STREETS = ["ул. Тверская", "ул. Арбат", "Ленинский пр-т", "ул. Профсоюзная", "ул. Садовая"]


@dataclass
class DemoResult:
    created: bool
    logins: list[tuple[str, str, str]]  # (role, email, password)


def russian_name(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"{rng.choice(LAST)} {rng.choice(FIRST)} {rng.choice(MIDDLE)}"
    middle = rng.choice(MIDDLE).replace("ич", "на")
    return f"{rng.choice(LAST)}а {rng.choice(FIRST_F)} {middle}"


async def seed_demo(session: AsyncSession, clients: int = 30, seed: int = 2026) -> DemoResult:
    """Idempotent: managers are created once; clients are added only to an empty database."""
    logins = [
        ("admin", DEMO_ADMIN[0], DEMO_ADMIN[2]),
        ("manager", DEMO_MANAGER[0], DEMO_MANAGER[2]),
    ]
    created = False
    for role, (email, name, password) in (("admin", DEMO_ADMIN), ("manager", DEMO_MANAGER)):
        if await auth_service.get_by_email(session, email) is None:
            await auth_service.create_manager(
                session, email=email, name=name, password=password, role=Role(role)
            )
            created = True
    await seed_default_tariffs(session)
    if not await session.scalar(select(func.count()).select_from(User)):
        rng = random.Random(seed)
        for i in range(clients):
            user = User(
                name=russian_name(rng),
                phone=f"+7916{rng.randrange(10**7):07d}",
                email=f"client{i + 1}@example.ru",
            )
            session.add(user)
            await session.flush()
            ticket = SupportTicket(user_id=user.id, subject="Оформление подписки")
            session.add(ticket)
            await session.flush()
            session.add(
                SupportMessage(
                    ticket_id=ticket.id,
                    author_type="client",
                    body="Здравствуйте! Хочу оформить обслуживание техники.",
                )
            )
        await session.flush()
        created = True
    await backfill_clients(session)
    return DemoResult(created=created, logins=logins)
