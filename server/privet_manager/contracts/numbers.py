"""Document numbers sequential per year: `PM-2026-000123`, `INV-2026-000001`.

One counter row per (series, year), bumped with INSERT ... ON CONFLICT DO UPDATE ... RETURNING
inside the caller's transaction: concurrent callers queue on the row lock, so no two get the
same number, and a rolled-back request gives its number back (no gaps).
"""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.contracts.models import NumberCounter


async def next_number(session: AsyncSession, series: str, year: int) -> str:
    ins = insert(NumberCounter).values(series=series, year=year, value=1)
    stmt = ins.on_conflict_do_update(
        index_elements=[NumberCounter.series, NumberCounter.year],
        set_={"value": NumberCounter.value + 1},
    ).returning(NumberCounter.value)
    value = (await session.execute(stmt)).scalar_one()
    return f"{series}-{year}-{value:06d}"
