"""The funnel's facts, kept by PostgreSQL.

`manager_funnel_facts` (analytics/models.py FunnelFact): every event the funnel and the
per-manager figures count, with the length of the interval it ends and the Moscow day of
the client's previous event of its kind. `manager_funnel_refresh(client ids)` rebuilds the
facts of those clients from their activity entries and contracts; statement triggers on
both tables call it for the clients a statement touched (one call for a whole COPY), so
the facts follow every writer, the app's, the seeder's and the tests', in whatever order
they write. Filled here for the existing rows.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

PROCESSED = "('client.processed', 'payment.confirmed', 'invoice.sent')"
STEPS = (
    "(1, 'client.claimed', 'profile.updated'), (2, 'profile.updated', 'passport.updated'), "
    "(3, 'passport.updated', 'tariff.applied'), (4, 'tariff.applied', 'contract.signed')"
)
# The interval's start for each kind is what the figures measured before (migration 0009's
# queries): the latest start by the chain's order among those at or before the event.
REFRESH = f"""
CREATE FUNCTION manager_funnel_refresh(ids bigint[]) RETURNS void LANGUAGE sql AS $$
DELETE FROM manager_funnel_facts WHERE client_id = ANY(ids);
INSERT INTO manager_funnel_facts
    (client_id, kind, ord, manager_id, at, day, seconds, prev_day, prev_mine_day)
SELECT client_id, kind, ord, manager_id, at, (at AT TIME ZONE 'Europe/Moscow')::date,
    extract(epoch FROM at - since)::float8,
    (lag(at) OVER (PARTITION BY client_id, kind ORDER BY at, ord)
        AT TIME ZONE 'Europe/Moscow')::date,
    (lag(at) OVER (PARTITION BY client_id, kind, manager_id ORDER BY at, ord)
        AT TIME ZONE 'Europe/Moscow')::date
FROM (
    SELECT a.client_id, 'claimed' AS kind, a.seq::bigint AS ord, a.manager_id,
        a.created_at AS at, c.created_at AS since
    FROM manager_activity_log a JOIN manager_clients c ON c.id = a.client_id
    WHERE a.client_id = ANY(ids) AND a.action = 'client.claimed'
    UNION ALL
    SELECT k.client_id, 'generated', k.id, k.generated_by_manager_id, k.created_at,
        (SELECT a.created_at FROM manager_activity_log a
         WHERE a.client_id = k.client_id AND a.action = 'client.claimed'
           AND a.created_at <= k.created_at
         ORDER BY a.seq DESC LIMIT 1)
    FROM manager_contracts k WHERE k.client_id = ANY(ids)
    UNION ALL
    SELECT k.client_id, 'signed', k.id, k.signed_by_manager_id, k.signed_at, k.created_at
    FROM manager_contracts k WHERE k.client_id = ANY(ids) AND k.signed_at IS NOT NULL
    UNION ALL
    SELECT a.client_id, 'processed', a.seq, a.manager_id, a.created_at,
        (SELECT max(k.signed_at) FROM manager_contracts k
         WHERE k.client_id = a.client_id AND k.signed_at <= a.created_at)
    FROM manager_activity_log a WHERE a.client_id = ANY(ids) AND a.action IN {PROCESSED}
    UNION ALL
    SELECT a.client_id, 'step' || s.n, a.seq, a.manager_id, a.created_at,
        (SELECT b.created_at FROM manager_activity_log b
         WHERE b.client_id = a.client_id AND b.action = s.start
           AND b.created_at <= a.created_at
         ORDER BY b.seq DESC LIMIT 1)
    FROM manager_activity_log a JOIN (VALUES {STEPS}) AS s (n, start, finish)
        ON a.action = s.finish
    WHERE a.client_id = ANY(ids)
) AS events
$$;

CREATE FUNCTION manager_funnel_refresh_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM manager_funnel_refresh(ARRAY(SELECT DISTINCT client_id FROM new_rows));
    RETURN NULL;
END $$;

CREATE FUNCTION manager_funnel_refresh_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM manager_funnel_refresh(ARRAY(SELECT DISTINCT client_id FROM old_rows));
    RETURN NULL;
END $$;

-- A contract's update matters only when what a fact takes from it changed (its status and
-- code attempts change far more often).
CREATE FUNCTION manager_funnel_refresh_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM manager_funnel_refresh(ARRAY(
        SELECT DISTINCT n.client_id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE (n.client_id, n.created_at, n.signed_at, n.generated_by_manager_id,
               n.signed_by_manager_id)
          IS DISTINCT FROM (o.client_id, o.created_at, o.signed_at, o.generated_by_manager_id,
               o.signed_by_manager_id)
        UNION SELECT o.client_id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE o.client_id <> n.client_id));
    RETURN NULL;
END $$;
"""
TRIGGERS = (
    ("manager_activity_log", "INSERT", "NEW TABLE AS new_rows", "inserted"),
    ("manager_activity_log", "DELETE", "OLD TABLE AS old_rows", "deleted"),
    ("manager_contracts", "INSERT", "NEW TABLE AS new_rows", "inserted"),
    ("manager_contracts", "DELETE", "OLD TABLE AS old_rows", "deleted"),
    ("manager_contracts", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows", "updated"),
)

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "manager_funnel_facts",
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("ord", sa.BigInteger(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("seconds", sa.Double(), nullable=True),
        sa.Column("prev_day", sa.Date(), nullable=True),
        sa.Column("prev_mine_day", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["manager_clients.id"],
            name=op.f("fk_manager_funnel_facts_client_id_manager_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", "kind", "ord", name=op.f("pk_manager_funnel_facts")),
    )
    op.execute(REFRESH)
    for table, event, referencing, fn in TRIGGERS:
        op.execute(
            f"CREATE TRIGGER manager_funnel_{event.lower()} AFTER {event} ON {table} "
            f"REFERENCING {referencing} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION manager_funnel_refresh_{fn}()"
        )
    op.execute("SELECT manager_funnel_refresh(ARRAY(SELECT id FROM manager_clients))")
    op.create_index(
        "ix_manager_funnel_facts_kind_day",
        "manager_funnel_facts",
        ["kind", "day"],
        postgresql_include=["manager_id", "seconds", "prev_day", "prev_mine_day"],
    )
    op.create_index(
        "ix_manager_funnel_facts_kind_manager_day",
        "manager_funnel_facts",
        ["kind", "manager_id", "day"],
        postgresql_include=["seconds", "prev_mine_day"],
    )


def downgrade() -> None:
    for table, event, _, _ in TRIGGERS:
        op.execute(f"DROP TRIGGER manager_funnel_{event.lower()} ON {table}")
    for fn in ("inserted", "deleted", "updated"):
        op.execute(f"DROP FUNCTION manager_funnel_refresh_{fn}()")
    op.execute("DROP FUNCTION manager_funnel_refresh(bigint[])")
    op.drop_table("manager_funnel_facts")
