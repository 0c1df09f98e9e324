"""What may happen to a client: claim, optimistic versioning, and the step-1 profile."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.auth.models import Manager
from privet_manager.clients.models import Client
from privet_manager.kit.errors import Conflict


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
    client.version, client.updated_at = row[0], row[1]
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
    client.version, client.updated_at = row[0], row[1]
    return int(row[0])


async def claim(session: AsyncSession, client: Client, manager: Manager) -> bool:
    """Assign the client to `manager` atomically; False if another manager holds it.

    One UPDATE decides: of two managers claiming at once, the second waits on the row lock
    and then finds the client no longer free. Claiming one's own client again is a no-op.
    """
    row = (
        await session.execute(
            update(Client)
            .where(
                Client.id == client.id,
                or_(Client.assigned_manager_id.is_(None), Client.assigned_manager_id == manager.id),
            )
            .values(
                assigned_manager_id=manager.id,
                claimed_at=func.coalesce(Client.claimed_at, datetime.now(UTC)),
                status=func.coalesce(func.nullif(Client.status, "new"), "in_progress"),
                version=Client.version + 1,
                updated_at=func.now(),
            )
            .returning(Client)
            .execution_options(populate_existing=True, synchronize_session=False)
        )
    ).scalar_one_or_none()
    return row is not None


async def holder_of(session: AsyncSession, client_id: int) -> Manager | None:
    return await session.scalar(
        select(Manager)
        .join(Client, Client.assigned_manager_id == Manager.id)
        .where(Client.id == client_id)
    )
