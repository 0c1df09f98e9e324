"""What may happen to a client: claim, optimistic versioning, and the step-1 profile."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from privet_manager.activity import service as activity
from privet_manager.auth.models import Manager
from privet_manager.clients import validation
from privet_manager.clients.models import STEPS, Client, Passport
from privet_manager.clients.schemas import PassportIn, ProfileIn
from privet_manager.events.service import publish
from privet_manager.kit import crypto
from privet_manager.kit.errors import Conflict, Unprocessable
from privet_manager.legacy.models import User

MOSCOW = ZoneInfo("Europe/Moscow")


class VersionConflict(Conflict):
    code = "version_conflict"

    def __init__(self) -> None:
        super().__init__(
            "Данные клиента изменились, пока вы их редактировали. Обновите страницу и повторите",
            loc=("body", "version"),
        )


async def bump_version(session: AsyncSession, client: Client, expected_version: int) -> int:
    """Take the client's next version, or 409 if `expected_version` is stale.

    Call it first in every write to a client (in the request's transaction): the row stays
    locked until commit, so of two writers holding the same version exactly one gets
    through, and the other's whole transaction, already written parts included, is rolled back.
    Updates `client.version` and `client.updated_at` in place and returns the new version.
    """
    row = (
        await session.execute(
            update(Client)
            .where(Client.id == client.id, Client.version == expected_version)
            .values(version=Client.version + 1, updated_at=func.now())
            .returning(Client.version, Client.updated_at)
            .execution_options(synchronize_session=False)
        )
    ).first()
    if row is None:
        raise VersionConflict()
    set_committed_value(client, "version", row[0])
    set_committed_value(client, "updated_at", row[1])
    return int(row[0])


async def touch(session: AsyncSession, client: Client) -> int:
    """Increment the version without a check (writes that do not carry one)."""
    row = (
        await session.execute(
            update(Client)
            .where(Client.id == client.id)
            .values(version=Client.version + 1, updated_at=func.now())
            .returning(Client.version, Client.updated_at)
            .execution_options(synchronize_session=False)
        )
    ).one()
    set_committed_value(client, "version", row[0])
    set_committed_value(client, "updated_at", row[1])
    return int(row[0])


async def claim(
    session: AsyncSession, client: Client, manager: Manager, request: Request | None
) -> Manager | None:
    """Assign the client to `manager` atomically; returns the other holder if there is one.

    One UPDATE decides: of two managers claiming at once, the second waits on the row lock
    and then finds the client no longer free. Claiming one's own client again changes nothing.
    """
    if client.assigned_manager_id == manager.id:
        return None
    row = (
        await session.execute(
            update(Client)
            .where(Client.id == client.id, Client.assigned_manager_id.is_(None))
            .values(
                assigned_manager_id=manager.id,
                claimed_at=func.now(),
                status=func.coalesce(func.nullif(Client.status, "new"), "in_progress"),
                version=Client.version + 1,
                updated_at=func.now(),
            )
            .returning(Client.id)
            .execution_options(synchronize_session=False)
        )
    ).first()
    if row is None:
        holder = await holder_of(session, client.id)
        if holder is None or holder.id != manager.id:
            return holder or manager
        return None
    await session.refresh(client)
    await activity.record(
        session, client.id, "client.claimed", manager_id=manager.id, request=request
    )
    await publish(
        session,
        "client.claimed",
        client.id,
        manager_id=manager.id,
        status=client.status,
        version=client.version,
    )
    return None


async def holder_of(session: AsyncSession, client_id: int) -> Manager | None:
    return await session.scalar(
        select(Manager)
        .join(Client, Client.assigned_manager_id == Manager.id)
        .where(Client.id == client_id)
    )


# Once the client has signed, the data the contract was made of is frozen.
LOCKED_STATUSES = ("signed", "processed")


def ensure_editable(client: Client) -> None:
    """Steps 1-3 change the contract's data: refused once the contract is signed."""
    if client.status in LOCKED_STATUSES:
        raise Conflict("Договор уже подписан: данные клиента изменить нельзя", code="client_locked")


def advance_step(client: Client, done: str) -> None:
    """After step `done` is saved, resume at the next one (never move backwards)."""
    nxt = STEPS[min(STEPS.index(done) + 1, len(STEPS) - 1)]
    if STEPS.index(client.current_step) < STEPS.index(nxt):
        client.current_step = nxt


async def update_profile(
    session: AsyncSession, client: Client, body: ProfileIn, manager: Manager, request: Request
) -> None:
    """Step 1: the shared users row (its data only) and our copies, with the address."""
    ensure_editable(client)
    await bump_version(session, client, body.version)
    changes: dict[str, Any] = body.model_dump(
        exclude_unset=True, include={"name", "phone", "email"}
    )
    for field in ("name", "phone"):
        if field in changes and changes[field] is None:
            raise Unprocessable("Обязательное поле", loc=("body", field))
    if changes:
        await session.execute(
            update(User)
            .where(User.id == client.user_id)
            .values(**changes)
            .execution_options(synchronize_session=False)
        )
        for field, value in changes.items():
            setattr(client, field, value)
    fields = sorted(changes)
    if body.address is not None:
        a = body.address
        client.address_postal_code = a.postal_code
        client.address_region = a.region
        client.address_city = a.city
        client.address_street = a.street
        client.address_house = a.house
        client.address_building = a.building
        client.address_apartment = a.apartment
        client.address_text = a.text or validation.address_line(
            a.postal_code, a.region, a.city, a.street, a.house, a.building, a.apartment
        )
        fields.append("address")
    advance_step(client, "1")
    await session.flush()
    await record_change(session, client, "profile.updated", manager, request, {"fields": fields})


async def record_change(
    session: AsyncSession,
    client: Client,
    action: str,
    manager: Manager,
    request: Request | None,
    payload: dict[str, Any],
) -> None:
    """Log a change of the client in its activity chain and tell the live lists."""
    await activity.record(
        session, client.id, action, manager_id=manager.id, request=request, payload=payload
    )
    await publish(session, "client.updated", client.id, version=client.version)


def today_moscow() -> date:
    return datetime.now(UTC).astimezone(MOSCOW).date()


async def put_passport(
    session: AsyncSession, client: Client, body: PassportIn, manager: Manager, request: Request
) -> None:
    """Step 2: the passport, series and number encrypted (AES-GCM, key id kept)."""
    errors = validation.passport_date_errors(body.birth_date, body.issue_date, today_moscow())
    if errors:
        raise Unprocessable(
            errors[0][1], errors=[{"loc": ["body", f], "msg": m} for f, m in errors]
        )
    ensure_editable(client)
    await bump_version(session, client, body.version)
    series_enc, kid = crypto.encrypt(body.series)
    number_enc, kid2 = crypto.encrypt(body.number)
    assert kid == kid2
    values = {
        "series_enc": series_enc,
        "number_enc": number_enc,
        "key_id": kid,
        "issued_by": body.issued_by,
        "issue_date": body.issue_date,
        "department_code": body.department_code,
        "birth_date": body.birth_date,
        "birth_place": body.birth_place,
        "updated_by_manager_id": manager.id,
    }
    stmt = pg_insert(Passport).values(user_id=client.user_id, **values)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[Passport.user_id], set_={**values, "updated_at": func.now()}
        )
    )
    advance_step(client, "2")
    await session.flush()
    await record_change(session, client, "passport.updated", manager, request, {"key_id": kid})
