"""Arranging a client ready for step 5, and reading the code as the client's app would."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from privet_manager.auth.models import Manager
from privet_manager.clients.models import Client, Passport
from privet_manager.contracts import sealing
from privet_manager.devices.models import DevicePhoto, ManagerDevice
from privet_manager.kit import crypto
from privet_manager.kit.db import Database
from privet_manager.kit.security import create_jwt, sha256_hex
from privet_manager.kit.storage import get_storage
from privet_manager.legacy.models import SupportMessage, SupportTicket, User
from privet_manager.settings import get_settings
from privet_manager.tariffs.service import seed_default_tariffs

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200 + b"\xff\xd9"
CODE_RE = re.compile(r"код подтверждения: (\d{6})")
API = "/api/manager"


@dataclass
class Ready:
    client_id: int
    user_id: int
    name: str
    ticket_id: int | None


async def ready_client(
    db: Database,
    manager: Manager,
    *,
    name: str = "Иванова Мария Петровна",
    devices: tuple[str, ...] = ("phone", "laptop"),
    with_ticket: bool = True,
    photo: bool = True,
) -> Ready:
    """A claimed client with profile, passport and devices (steps 1-3), arranged in the DB."""
    async with db.sessionmaker() as s, s.begin():
        await seed_default_tariffs(s)
        user = User(name=name, phone="+79161234567", email="maria@example.ru")
        s.add(user)
        await s.flush()
        ticket_id = None
        if with_ticket:
            ticket = SupportTicket(user_id=user.id, subject="Вопрос", status="open")
            s.add(ticket)
            await s.flush()
            s.add(SupportMessage(ticket_id=ticket.id, author_type="client", body="Здравствуйте"))
            ticket_id = ticket.id
        client = Client(
            user_id=user.id,
            status="in_progress",
            current_step="4",
            assigned_manager_id=manager.id,
            claimed_at=datetime.now(UTC),
            name=name,
            phone="+79161234567",
            email="maria@example.ru",
            address_text="125009, г. Москва, ул. Тверская, д. 7, кв. 12",
            address_city="Москва",
            address_street="ул. Тверская",
            address_house="7",
        )
        s.add(client)
        series, kid = crypto.encrypt("4517")
        number, _ = crypto.encrypt("918273")
        s.add(
            Passport(
                user_id=user.id,
                series_enc=series,
                number_enc=number,
                key_id=kid,
                issued_by="ГУ МВД России по г. Москве",
                issue_date=date(2015, 5, 20),
                department_code="770-001",
                birth_date=date(1990, 3, 14),
                birth_place="г. Москва",
            )
        )
        await s.flush()
        for i, kind in enumerate(devices):
            device = ManagerDevice(
                client_id=client.id,
                kind=kind,
                brand="Apple" if kind == "phone" else "Lenovo",
                model=f"Модель {i + 1}",
                serial_number=f"SN-{i + 1}",
                declared_value=Decimal("45000.00"),
            )
            s.add(device)
            await s.flush()
            if photo:
                # A real object in the store: generation hashes what is stored.
                data = JPEG + f"photo-{device.id}".encode()
                key = f"clients/{client.id}/devices/{device.id}/{device.id:032x}.jpg"
                await get_storage().put(key, data, "image/jpeg")
                s.add(
                    DevicePhoto(
                        device_id=device.id,
                        object_key=key,
                        content_type="image/jpeg",
                        size=len(data),
                        sha256=sha256_hex(data),
                    )
                )
        return Ready(client_id=client.id, user_id=user.id, name=name, ticket_id=ticket_id)


async def apply_tariff(
    client: httpx.AsyncClient, headers: dict[str, str], client_id: int, tariff: str = "basic"
) -> None:
    r = await client.post(
        f"{API}/clients/{client_id}/tariff/apply", json={"tariff_code": tariff}, headers=headers
    )
    assert r.status_code == 200, r.text


async def generate(
    client: httpx.AsyncClient, headers: dict[str, str], client_id: int
) -> httpx.Response:
    return await client.post(
        f"{API}/clients/{client_id}/contract/generate", json={"pep_agreed": True}, headers=headers
    )


async def apply_and_generate(
    client: httpx.AsyncClient, headers: dict[str, str], client_id: int, tariff: str = "basic"
) -> dict[str, Any]:
    await apply_tariff(client, headers, client_id, tariff)
    r = await generate(client, headers, client_id)
    assert r.status_code == 201, r.text
    contract: dict[str, Any] = r.json()["contract"]
    return contract


def app_token(user_id: int, *, ttl: timedelta = timedelta(minutes=5), **claims: Any) -> str:
    token, _ = create_jwt(
        get_settings().jwt_secret,
        subject=str(user_id),
        token_type="app",
        ttl=ttl,
        **claims,
    )
    return token


async def support_messages(client: httpx.AsyncClient, user_id: int) -> list[dict[str, Any]]:
    """Every message of the user's tickets, read through the client-side bridge."""
    headers = {"Authorization": f"Bearer {app_token(user_id)}"}
    r = await client.get("/api/support/tickets", headers=headers)
    assert r.status_code == 200, r.text
    messages: list[dict[str, Any]] = []
    for ticket in r.json()["items"]:
        m = await client.get(f"/api/support/tickets/{ticket['id']}/messages", headers=headers)
        assert m.status_code == 200, m.text
        messages += m.json()["items"]
    return sorted(messages, key=lambda m: m["id"])


async def read_code(client: httpx.AsyncClient, user_id: int) -> str:
    """The latest code the client received in the support chat."""
    for message in reversed(await support_messages(client, user_id)):
        found = CODE_RE.search(message["body"])
        if found:
            return found.group(1)
    raise AssertionError("no code in the support chat")


async def sign(client: httpx.AsyncClient, headers: dict[str, str], ready: Ready) -> None:
    """The client reads the code out of the support chat and the manager enters it; the seal,
    made in the background once the signing commits, is waited for."""
    code = await read_code(client, ready.user_id)
    r = await client.post(
        f"{API}/clients/{ready.client_id}/contract/confirm", json={"code": code}, headers=headers
    )
    assert r.status_code == 200, r.text
    await settle_seals()


async def settle_seals() -> None:
    """Wait for this process's background seals (the first one starts the worker process:
    imports take long under load)."""
    await asyncio.wait_for(sealing.settle(), timeout=180)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"
