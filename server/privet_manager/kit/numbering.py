"""Document numbers sequential per year: `PM-2026-000123`, `INV-2026-000001`.

One counter row per (series, year), bumped with INSERT ... ON CONFLICT DO UPDATE ... RETURNING
inside the caller's transaction: concurrent callers queue on the row lock, so no two get the
same number, and a rolled-back request gives its number back (no gaps).
"""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from privet_manager.kit.db import Base


class NumberCounter(Base):
    """Per-year sequence of document numbers (`PM` contracts, `INV` invoices)."""

    __tablename__ = "manager_number_counters"

    series: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, nullable=False)


async def next_number(session: AsyncSession, series: str, year: int) -> str:
    ins = insert(NumberCounter).values(series=series, year=year, value=1)
    stmt = ins.on_conflict_do_update(
        index_elements=[NumberCounter.series, NumberCounter.year],
        set_={"value": NumberCounter.value + 1},
    ).returning(NumberCounter.value)
    value = (await session.execute(stmt)).scalar_one()
    return f"{series}-{year}-{value:06d}"
