"""The data the fuzzer works on: managers and the tariff catalogue once per module, and for
every operation a fresh client, taken through the wizard over HTTP as far as that operation
needs (a contract to confirm, a signed one to pay for), so that every id in a path points at
something real and the operation does its real work instead of answering 404 or 409."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
from privet_manager.auth.models import Manager
from privet_manager.clients.models import Client
from privet_manager.kit import db as kit_db
from privet_manager.legacy.models import Device, SupportMessage, SupportTicket, User
from privet_manager.settings import get_settings
from privet_manager.tariffs.models import Tariff
from privet_manager.tariffs.service import seed_default_tariffs

from bench.wizard import Wizard, app_token
from tests.conftest import quick_hash


@dataclass
class World:
    manager_email: str
    admin_email: str
    throwaway_email: str
    victim_id: int
    tariff_code: str  # a tariff of its own for the admin endpoints to change


async def build(db: kit_db.Database) -> World:
    tag = uuid.uuid4().hex[:6]
    pw = quick_hash()
    async with db.sessionmaker() as s, s.begin():
        managers = [
            Manager(email=f"fuzz-{role}-{tag}@privet.test", name=name, password_hash=pw,
                    role="admin" if role == "admin" else "manager")
            for role, name in (("manager", "Фаззер"), ("admin", "Админ"),
                               ("throwaway", "Одноразовый"), ("victim", "Жертва"))
        ]  # fmt: skip
        s.add_all(managers)
        await seed_default_tariffs(s)
        tariff = Tariff(
            code=f"fuzz-{tag}", name="Фазз", base_price=Decimal("990.00"), included_devices=2,
            extra_device_price=Decimal("290.00"), kind_multipliers={},
        )  # fmt: skip
        s.add(tariff)
        await s.flush()
        return World(
            tariff_code=tariff.code,
            manager_email=managers[0].email,
            admin_email=managers[1].email,
            throwaway_email=managers[2].email,
            victim_id=managers[3].id,
        )


# How far the operation's client is taken through the wizard before fuzzing it.
CLAIMED, READY, AWAITING, SIGNED = range(4)


def level_for(path: str) -> int:
    if path.endswith(("/payment/confirm", "/billing/notify")):
        return SIGNED
    if "/contract" in path:
        return AWAITING
    if path.endswith("/tariff/apply"):
        return READY
    return CLAIMED


@dataclass
class Scene:
    ids: dict[str, Any] = field(default_factory=dict)
    app_headers: dict[str, str] = field(default_factory=dict)


async def scene(
    db: kit_db.Database, base_url: str, headers: dict[str, str], world: World, level: int
) -> Scene:
    """A new client held by the fuzzing manager, with a device, a photo and a support ticket,
    taken to `level`."""
    async with db.sessionmaker() as s, s.begin():
        user = User(name="Иванов Иван Иванович", phone="+79161234567", email="ivanov@example.ru")
        s.add(user)
        await s.flush()
        shared = Device(user_id=user.id, kind="phone", brand="Apple", model="iPhone 13")
        ticket = SupportTicket(user_id=user.id, subject="Оформление подписки")
        s.add_all([shared, ticket])
        await s.flush()
        s.add(SupportMessage(ticket_id=ticket.id, author_type="client", body="Здравствуйте"))
        client = Client(user_id=user.id, name=user.name, phone=user.phone, email=user.email)
        s.add(client)
        await s.flush()
        cid, uid, ticket_id, shared_id = client.id, user.id, ticket.id, shared.id
    secret = get_settings().jwt_secret
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        w = Wizard(http, headers, secret, random.Random(cid))
        version = await w.claim(cid)
        version = await w.profile(cid, version)
        version = await w.passport(cid, version)
        device_id, version = await w.device(cid, version)
        photo = await w.confirm_photo(cid, device_id, await w.upload(cid, device_id))
        if level >= READY:
            surcharge = await w.apply_tariff(cid, "basic")
        if level >= AWAITING:
            await w.generate(cid)
        if level >= SIGNED:
            await w.confirm(cid, await w.read_code(uid))
    ids = {
        "client_id": cid,
        "device_id": device_id,
        "photo_id": photo["id"],
        "manager_id": world.victim_id,
        "ticket_id": ticket_id,
        "source_device_id": shared_id,
        "code": world.tariff_code,
    }
    if level >= READY:
        ids["surcharge"] = surcharge
    return Scene(ids=ids, app_headers={"Authorization": f"Bearer {app_token(secret, uid)}"})
