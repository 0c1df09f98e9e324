"""SQLAlchemy statements run straight on psycopg, for the hottest read paths.

SQLAlchemy's session and result layers cost more CPU per statement than PostgreSQL spends on
an indexed lookup (bench/README.md, round 4). The lists and the card define their statements with
SQLAlchemy (one definition, the models' own columns), compile them once to psycopg's SQL, and
run them on a `ReadConnectionDep` connection (kit/db.py), several in one round trip where they
are independent (`run_pipelined`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from sqlalchemy import BindParameter, Select, inspect
from sqlalchemy.dialects.postgresql.psycopg import PGDialectAsync_psycopg
from sqlalchemy.sql import visitors

_DIALECT = PGDialectAsync_psycopg()


def driver_sql(statement: Any, *params: str) -> str:
    """A SQLAlchemy statement as the SQL string psycopg takes: `%(name)s` placeholders for the
    bound parameters named in `params`, every other bound value (a LIMIT, a constant) written
    into the SQL. Compile once, at import or first use, not per request."""

    def prepare(bind: BindParameter[Any]) -> None:  # on the traversal's copy
        if bind.key in params:
            bind.required = False  # a placeholder: its value comes with each execution
        else:
            bind.literal_execute = True

    prepared = visitors.cloned_traverse(statement, {}, {"bindparam": prepare})
    return str(prepared.compile(dialect=_DIALECT, compile_kwargs={"render_postcompile": True}))


class RawSelect:
    """A select of ORM entities and plain columns, compiled once for psycopg, and how to turn
    its rows back into what it selects: a model instance per entity, attached to no session
    and meant to be read (None where an outer join found nothing), the value itself per
    column."""

    def __init__(
        self, statement: Select[*tuple[Any, ...]], *params: str, prepare: bool | None = None
    ) -> None:
        self.sql = driver_sql(statement, *params)
        # psycopg's `prepare`: None lets it prepare a statement run often; False plans every
        # execution for its own values (a search, whose best plan depends on the term).
        self.prepare = prepare
        # Per selected item: (the model's class manager, attribute names in column order,
        # position of the primary key among them), or None for a plain column.
        self._shape: list[tuple[Any, list[str], int] | None] = []
        width = 0
        for item in statement.column_descriptions:
            entity = item.get("entity")  # none for a lightweight table's column
            if entity is not None and item["expr"] is entity:
                mapper = inspect(entity).mapper
                keys = [mapper.get_property_by_column(c).key for c in mapper.columns]
                pk = keys.index(mapper.get_property_by_column(mapper.primary_key[0]).key)
                self._shape.append((mapper.class_manager, keys, pk))
                width += len(keys)
            else:
                self._shape.append(None)
                width += 1
        if width != len(statement.selected_columns):
            raise ValueError("RawSelect: an entity's columns are not all selected")
        # Only plain columns: psycopg's rows are already what the select gives.
        self.plain = all(shape is None for shape in self._shape)

    def hydrate_all(self, rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        return list(rows) if self.plain else [self.hydrate(r) for r in rows]

    def hydrate(self, row: Sequence[Any]) -> tuple[Any, ...]:
        out: list[Any] = []
        i = 0
        for shape in self._shape:
            if shape is None:
                out.append(row[i])
                i += 1
                continue
            manager, keys, pk = shape
            values = row[i : i + len(keys)]
            i += len(keys)
            if values[pk] is None:  # a NULL primary key: the outer join found no row
                out.append(None)
                continue
            # As SQLAlchemy's own loading does: an instance without running the constructor's
            # attribute events (an order of magnitude cheaper: bench/README.md, round 4), its
            # columns set.
            instance = manager.new_instance()
            instance.__dict__.update(zip(keys, values, strict=True))
            out.append(instance)
        return tuple(out)

    async def fetch(
        self, conn: psycopg.AsyncConnection[Any], params: dict[str, Any]
    ) -> list[tuple[Any, ...]]:
        rows = await (await conn.execute(self.sql, params, prepare=self.prepare)).fetchall()
        return self.hydrate_all(rows)


async def run_pipelined(
    conn: psycopg.AsyncConnection[Any], queries: Sequence[tuple[RawSelect, dict[str, Any]]]
) -> list[list[tuple[Any, ...]]]:
    """Independent selects sent together: one round trip for all of them."""
    cursors = [conn.cursor() for _ in queries]
    async with conn.pipeline():
        for cursor, (query, params) in zip(cursors, queries, strict=True):
            await cursor.execute(query.sql, params, prepare=query.prepare)
    results = []
    for cursor, (query, _) in zip(cursors, queries, strict=True):
        results.append(query.hydrate_all(await cursor.fetchall()))
        await cursor.close()
    return results
