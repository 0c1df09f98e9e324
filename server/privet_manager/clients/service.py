"""What may happen to a client: claim, optimistic versioning, step 1 (profile and address)
and step 2 (passport)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from privet_manager.activity import service as activity
from privet_manager.auth.actor import Actor
from privet_manager.auth.models import Manager
from privet_manager.clients import validation
from privet_manager.clients.errors import (
    AlreadyClaimed,
    ClientLocked,
    RequiredField,
    VersionConflict,
)
from privet_manager.clients.models import (
    LOCKED_STATUSES,
    STEPS,
    Client,
    ClientStatus,
    Passport,
    WizardStep,
)
from privet_manager.clients.schemas import PassportIn, ProfileIn
from privet_manager.contracts import repository as contracts
from privet_manager.contracts.models import VoidReason
from privet_manager.events.service import publish
from privet_manager.kit import crypto
from privet_manager.kit.clock import today_moscow
from privet_manager.kit.errors import Unprocessable
from privet_manager.kit.metrics import business_counter, count_on_commit
from privet_manager.legacy.models import User


async def _next_version(session: AsyncSession, client: Client, expected: int | None) -> int | None:
    """One UPDATE that locks the client row and takes the next version (only from `expected`
    when given); updates `client` in place. None when `expected` is stale."""
    condition = [Client.id == client.id]
    if expected is not None:
        condition.append(Client.version == expected)
    row = (
        await session.execute(
            update(Client)
            .where(*condition)
            .values(version=Client.version + 1, updated_at=func.now())
            .returning(Client.version, Client.updated_at)
            .execution_options(synchronize_session=False)
        )
    ).first()
    if row is None:
        return None
    set_committed_value(client, "version", row[0])
    set_committed_value(client, "updated_at", row[1])
    return int(row[0])


async def bump_version(session: AsyncSession, client: Client, expected_version: int) -> int:
    """Take the client's next version, or 409 if `expected_version` is stale.

    Call it first in every write to a client (in the request's transaction): the row stays
    locked until commit, so of two writers holding the same version exactly one gets
    through, and the other's whole transaction, already written parts included, is rolled back.
    Updates `client.version` and `client.updated_at` in place and returns the new version.
    """
    version = await _next_version(session, client, expected_version)
    if version is None:
        raise VersionConflict()
    return version


async def touch(session: AsyncSession, client: Client) -> int:
    """Increment the version without a check (writes that do not carry one); locks the row."""
    version = await _next_version(session, client, None)
    assert version is not None, "the client row is gone"
    return version


CLIENTS_CLAIMED = business_counter("clients_claimed", "Clients claimed by a manager")


async def claim(session: AsyncSession, client: Client, actor: Actor) -> None:
    """Assign the client to the actor atomically; 409 naming another holder.

    One UPDATE decides: of two managers claiming at once, the second waits on the row lock
    and then finds the client no longer free. Claiming one's own client again changes nothing.
    """
    manager = actor.manager
    if client.assigned_manager_id == manager.id:
        return
    row = (
        await session.execute(
            update(Client)
            .where(Client.id == client.id, Client.assigned_manager_id.is_(None))
            .values(
                assigned_manager_id=manager.id,
                claimed_at=func.now(),
                status=func.coalesce(
                    func.nullif(Client.status, ClientStatus.new.value),
                    ClientStatus.in_progress.value,
                ),
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
            holder = holder or manager
            raise AlreadyClaimed(holder.id, holder.name)
        return
    await session.refresh(client)
    await activity.record(session, client.id, "client.claimed", actor)
    count_on_commit(session, CLIENTS_CLAIMED)
    await publish(
        session,
        "client.claimed",
        client.id,
        manager_id=manager.id,
        status=client.status,
        version=client.version,
    )


async def holder_of(session: AsyncSession, client_id: int) -> Manager | None:
    return await session.scalar(
        select(Manager)
        .join(Client, Client.assigned_manager_id == Manager.id)
        .where(Client.id == client_id)
    )


def ensure_editable(client: Client) -> None:
    """Steps 1-3 change the contract's data: refused once the contract is signed."""
    if client.status in LOCKED_STATUSES:
        raise ClientLocked()


def advance_step(client: Client, done: WizardStep) -> None:
    """After step `done` is saved, resume at the next one (never move backwards)."""
    nxt = STEPS[min(STEPS.index(done) + 1, len(STEPS) - 1)]
    if STEPS.index(WizardStep(client.current_step)) < STEPS.index(nxt):
        client.current_step = nxt


async def update_profile(
    session: AsyncSession, client: Client, body: ProfileIn, actor: Actor
) -> None:
    """Step 1: the shared users row (its data only) and our copies, with the address."""
    ensure_editable(client)
    await bump_version(session, client, body.version)
    changes: dict[str, Any] = body.model_dump(
        exclude_unset=True, include={"name", "phone", "email"}
    )
    for field in ("name", "phone"):
        if field in changes and changes[field] is None:
            raise RequiredField(field)
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
    advance_step(client, WizardStep.profile)
    await session.flush()
    await record_change(session, client, "profile.updated", actor, {"fields": fields})


async def contract_data_changed(session: AsyncSession, client: Client) -> bool:
    """The one place where a change to what a contract states (profile, address, passport,
    devices, photos, tariff) voids the client's unsigned contract: its code dies with it,
    and confirming that code answers `contract_data_changed`. True if one was voided."""
    voided = await contracts.void_live(session, client.id, VoidReason.data_changed)
    if voided and client.status == ClientStatus.awaiting_signature:
        client.status = ClientStatus.in_progress
    return voided


async def record_change(
    session: AsyncSession, client: Client, action: str, actor: Actor, payload: dict[str, Any]
) -> None:
    """A change of what the contract states: void the unsigned contract, log the change in
    the client's activity chain and tell the live lists."""
    await contract_data_changed(session, client)
    await session.flush()
    await activity.record(session, client.id, action, actor, payload)
    await publish(
        session, "client.updated", client.id, status=client.status, version=client.version
    )


async def put_passport(
    session: AsyncSession, client: Client, body: PassportIn, actor: Actor
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
        "updated_by_manager_id": actor.manager_id,
    }
    stmt = pg_insert(Passport).values(user_id=client.user_id, **values)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[Passport.user_id], set_={**values, "updated_at": func.now()}
        )
    )
    advance_step(client, WizardStep.passport)
    await session.flush()
    await record_change(session, client, "passport.updated", actor, {"key_id": kid})
