"""`privet-manager rotate-passport-key`: re-encrypt passports under the current key id.

No downtime: every reader decrypts with the key id stored on the row, so while the old key is
still listed in PASSPORT_ENCRYPTION_KEY rows under either key read fine. Rows are taken in
batches with `FOR UPDATE SKIP LOCKED`, each batch its own short transaction, so a manager
saving a passport at the same moment is neither blocked for long nor overwritten. Rows locked
by someone else are left for the next run (reported as `remaining`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from privet_manager.clients.models import Passport
from privet_manager.kit import crypto


@dataclass(frozen=True)
class RotationResult:
    key_id: str
    rotated: int
    batches: int
    remaining: int


async def _rotate_batch(session: AsyncSession, current: str, batch_size: int) -> int:
    rows = (
        await session.execute(
            select(Passport.id, Passport.series_enc, Passport.number_enc, Passport.key_id)
            .where(Passport.key_id != current)
            .order_by(Passport.id)
            .limit(batch_size)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for row in rows:
        series, _ = crypto.encrypt(crypto.decrypt(row.series_enc, row.key_id))
        number, kid = crypto.encrypt(crypto.decrypt(row.number_enc, row.key_id))
        await session.execute(
            update(Passport)
            .where(Passport.id == row.id, Passport.key_id == row.key_id)
            # Not a change of the passport: keep updated_at as it was.
            .values(
                series_enc=series, number_enc=number, key_id=kid, updated_at=Passport.updated_at
            )
        )
    return len(rows)


async def count_outdated(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """Passports per key id that is not the current one."""
    current = crypto.current_key_id()
    async with sessionmaker() as session:
        rows = (
            await session.execute(
                select(Passport.key_id, func.count())
                .where(Passport.key_id != current)
                .group_by(Passport.key_id)
            )
        ).all()
    return {kid: n for kid, n in rows}


async def rotate_passport_key(
    sessionmaker: async_sessionmaker[AsyncSession], batch_size: int = 500
) -> RotationResult:
    """Re-encrypt every passport whose key id is not the current one, batch by batch.

    Raises crypto.CryptoError (that batch rolled back, earlier batches kept) when a row's key
    is no longer configured: put the old key back into PASSPORT_ENCRYPTION_KEY and run again.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    current = crypto.current_key_id()
    rotated = batches = 0
    while True:
        async with sessionmaker() as session, session.begin():
            n = await _rotate_batch(session, current, batch_size)
        if n == 0:
            break
        rotated += n
        batches += 1
    remaining = sum((await count_outdated(sessionmaker)).values())
    return RotationResult(key_id=current, rotated=rotated, batches=batches, remaining=remaining)
