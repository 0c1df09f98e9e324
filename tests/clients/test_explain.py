"""At scale, every list and search query uses an index on manager_clients.

Seeds PM_EXPLAIN_ROWS clients (100,000 by default, the figure the product is sized for) with
INSERT ... SELECT generate_series, ANALYZEs, and checks the planner's choice for each tab,
each kind of search, a later page, and the sync of new users. Set PM_EXPLAIN_OUT to a file
to keep the plans as text.

The search indexes are built after the load, from their own definitions, as a restore from a
dump builds them: row by row into GIN indexes with `fastupdate = off` the load takes ~40 s,
in bulk ~4 s.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from privet_manager.clients.repository import items_select, list_query, number_suffix_pattern
from privet_manager.clients.schemas import Tab
from privet_manager.clients.sync import _INSERT_NEWER, BATCH
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.conftest import Factory

ROWS = int(os.environ.get("PM_EXPLAIN_ROWS", "100000"))

SEED = """
INSERT INTO users (id, name, phone, email)
SELECT g,
       (ARRAY['Иванов', 'Петрова', 'Смирнов', 'Кузнецова', 'Попов', 'Соколова'])[1 + g % 6]
         || ' ' || (ARRAY['Иван', 'Мария', 'Пётр', 'Анна', 'Олег'])[1 + g % 5] || ' ' || g,
       CASE WHEN g % 3 = 0 THEN '8 (9' || lpad((g % 100)::text, 2, '0') || ') '
                 || lpad((g % 1000)::text, 3, '0') || '-' || lpad((g % 97)::text, 2, '0')
                 || '-' || lpad((g % 89)::text, 2, '0')
            ELSE '+79' || lpad(g::text, 9, '0') END,
       'user' || g || '@' || (ARRAY['mail.ru', 'yandex.ru', 'gmail.com'])[1 + g % 3]
FROM generate_series(1, :n) g;

INSERT INTO manager_clients (user_id, name, phone, email, status, current_step,
                             assigned_manager_id, address_text)
SELECT u.id, u.name, u.phone, u.email,
       CASE WHEN u.id % 10 < 4 THEN 'new'
            WHEN u.id % 10 < 6 THEN 'in_progress'
            WHEN u.id % 10 = 6 THEN 'awaiting_signature'
            WHEN u.id % 10 = 7 THEN 'signed'
            ELSE 'processed' END,
       '1',
       CASE WHEN u.id % 10 < 4 THEN NULL
            ELSE (SELECT min(id) FROM manager_users) + (u.id / 10) % :m END,
       'г. Москва, ул. Тверская, д. ' || u.id
FROM users u;

INSERT INTO manager_contracts (client_id, number, status, snapshot, surcharge, pdf_key,
                               pdf_sha256, pep_version, pep_sha256, pep_agreed_at)
SELECT c.id, 'PM-2026-' || lpad(c.id::text, 6, '0'),
       CASE WHEN c.status = 'awaiting_signature' THEN 'awaiting_signature' ELSE 'signed' END,
       '{}', 0, 'k', repeat('0', 64), '1', repeat('0', 64), now()
FROM manager_clients c WHERE c.status IN ('awaiting_signature', 'signed', 'processed');
"""

# The seeded tables' indexes that back no constraint (the keys stay, maintained row by row).
LOADED_INDEXES = """
SELECT c.relname, pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid IN ('users'::regclass, 'manager_clients'::regclass,
                    'manager_contracts'::regclass)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
"""


def nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    out = [plan]
    for child in plan.get("Plans", []):
        out += nodes(child)
    return out


async def explain(conn: AsyncConnection, stmt: Any) -> tuple[list[dict[str, Any]], str]:
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    sql = str(compiled)
    params = compiled.params
    raw = await conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + sql, params)
    plan = raw.scalar_one()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    # PM_EXPLAIN_ANALYZE=1 runs the queries too, for timings in the kept text.
    analyze = "EXPLAIN (ANALYZE, BUFFERS) " if os.environ.get("PM_EXPLAIN_ANALYZE") else "EXPLAIN "
    textual = await conn.exec_driver_sql(analyze + sql, params)
    return nodes(plan[0]["Plan"]), "\n".join(r[0] for r in textual)


@pytest.mark.timeout(900)  # seeds 20,000+ rows and builds indexes: minutes on a busy machine
async def test_every_list_and_search_query_uses_an_index(factory: Factory, clean_db) -> None:
    managers = [await factory.manager() for _ in range(20)]
    me = managers[0].id
    async with clean_db.engine.begin() as conn:
        indexes = (await conn.execute(text(LOADED_INDEXES))).all()
        for name, _ in indexes:
            await conn.execute(text(f'DROP INDEX "{name}"'))
        for statement in SEED.split(";\n"):
            if statement.strip():
                await conn.execute(text(statement), {"n": ROWS, "m": len(managers)})
        # The analytics revision's triggers are deferred to the commit, and PostgreSQL builds
        # no index on a table with trigger events pending: fire them now.
        await conn.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
        for _, definition in indexes:
            await conn.execute(text(definition))
        await conn.execute(text("ANALYZE users"))
        await conn.execute(text("ANALYZE manager_clients"))
        await conn.execute(text("ANALYZE manager_users"))
        await conn.execute(text("ANALYZE manager_contracts"))

    cases: dict[str, Any] = {}
    for tab in (Tab.new, Tab.in_progress, Tab.mine, Tab.processed):
        cases[f"tab={tab}"] = list_query(tab, me, None, 30, None)
        cases[f"tab={tab}, page 20"] = list_query(tab, me, None, 30, ROWS // 2)
    for q in ("Смирнов", "иван", "ольга смир", "Смирнов5", "user1234@", "gmail",
              "8 (916) 123-45-67", "+7916", "916123"):  # fmt: skip
        cases[f"tab=new q={q}"] = list_query(Tab.new, me, q, 30, None)
        cases[f"tab=in_progress q={q}"] = list_query(Tab.in_progress, me, q, 30, None)
    cases["tab=mine q=Петрова"] = list_query(Tab.mine, me, "Петрова", 30, None)
    cases["tab=processed q=+79000001"] = list_query(Tab.processed, me, "+79000001", 30, None)
    # «ё» folded; contract numbers; every tab at once.
    for q in ("Пётр", "пётр иван", "Пётр 5", "PM-2026-012345", "Смирнов", "+7916"):
        cases[f"no tab q={q}"] = list_query(None, me, q, 30, None)
    cases["tab=new q=Пётр"] = list_query(Tab.new, me, "Пётр", 30, None)
    for q in ("012345", "916123"):
        suffix = number_suffix_pattern(q)
        cases[f"tab=processed q={q} (contract suffix)"] = list_query(
            Tab.processed, me, suffix, 30, None, "number_suffix"
        )
        cases[f"no tab q={q} (contract suffix)"] = list_query(
            None, me, suffix, 30, None, "number_suffix"
        )

    # A name search's second statement: the items of the page's ids.
    cases["page items by id"] = items_select(list(range(ROWS // 2, ROWS // 2 - 30, -1)))

    report: list[str] = []
    async with clean_db.engine.connect() as conn:
        for name, stmt in cases.items():
            plan_nodes, textual = await explain(conn, stmt)
            report.append(f"-- {name}\n{textual}\n")
            on_clients = [n for n in plan_nodes if n.get("Relation Name") == "manager_clients"]
            kinds = {n["Node Type"] for n in on_clients}
            index_names = {n.get("Index Name") for n in plan_nodes if n.get("Index Name")}
            assert "Seq Scan" not in kinds, f"{name}:\n{textual}"
            assert kinds & {"Index Scan", "Index Only Scan", "Bitmap Heap Scan"}, (
                f"{name}:\n{textual}"
            )
            assert any(
                str(i).startswith(("ix_manager_clients", "pk_manager_clients")) for i in index_names
            ), f"{name}:\n{textual}"
        os.environ.pop("PM_EXPLAIN_ANALYZE", None)  # never run the INSERT itself
        plan_nodes, textual = await explain(conn, _INSERT_NEWER.bindparams(limit=BATCH))
        report.append(f"-- sync of new users\n{textual}\n")
        seq = [n for n in plan_nodes if n["Node Type"] == "Seq Scan"]
        assert not seq, textual
    out = os.environ.get("PM_EXPLAIN_OUT")
    if out:
        Path(out).write_text(f"{ROWS} clients\n\n" + "\n".join(report))
