"""What the seeder and its extras share: the record of what was made, and COPY."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import psycopg


@dataclass(slots=True)
class Seeded:
    """What the seeder made; the extras and the benchmarks read it."""

    clients: int
    statuses: list[str] = field(default_factory=list)  # index = client id - 1
    steps: list[str] = field(default_factory=list)
    managers: list[int | None] = field(default_factory=list)
    devices_by_user: list[list[int]] = field(default_factory=list)
    manager_devices: dict[int, list[int]] = field(default_factory=dict)  # client → device ids
    tickets: dict[int, int] = field(default_factory=dict)  # user → ticket id
    timings: dict[str, float] = field(default_factory=dict)


def _esc(value: Any) -> str:
    if value is None:
        return r"\N"
    s = value.isoformat() if isinstance(value, datetime | date) else str(value)
    if "\\" in s or "\t" in s or "\n" in s or "\r" in s:
        s = s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return s


def copy_rows(
    cur: psycopg.Cursor, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """COPY rows in the text format, written in large chunks."""
    n = 0
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        buf: list[str] = []
        for row in rows:
            buf.append("\t".join(map(_esc, row)))
            n += 1
            if len(buf) >= 20000:
                copy.write("\n".join(buf) + "\n")
                buf.clear()
        if buf:
            copy.write("\n".join(buf) + "\n")
    return n
