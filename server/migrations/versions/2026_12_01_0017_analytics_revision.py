"""The analytics revision: one counter the database moves with every change of a figure.

`manager_analytics_revision` holds one row. Deferred constraint triggers on every table the
figures read (analytics/queries.py: the funnel's facts, the clients' arrival, the OTP entries
of the activity log, payments, invoices, the managers' names and flags) add one to it at the
writing transaction's commit, once per transaction however many rows it wrote (a
transaction-local setting remembers the bump), so the counter row is locked only for the
commit itself, not for the writer's whole transaction. The API caches each answer under the
revision it read before computing it (analytics/cache.py): equal revision, equal figures.

`manager_funnel_refresh` (migration 0013) now leaves a client's facts that did not change
untouched instead of deleting and inserting them all: an activity entry the figures do not
count (a card read, a device added) rewrites no fact, so it neither bumps the revision nor
leaves dead rows behind.

Two indexes let the funnel read a period's payments and invoices from the index alone (it read
the whole tables), built concurrently: writers do not wait.

The table is not in the models' metadata on purpose: nothing but these triggers writes it,
and a cleanup emptying every model table must not take its row (a revision read again after
such a cleanup would name other data).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

# migration 0013's statement, unchanged: the facts a client's rows give
PROCESSED = "('client.processed', 'payment.confirmed', 'invoice.sent')"
STEPS = (
    "(1, 'client.claimed', 'profile.updated'), (2, 'profile.updated', 'passport.updated'), "
    "(3, 'passport.updated', 'tariff.applied'), (4, 'tariff.applied', 'contract.signed')"
)
FRESH = f"""
SELECT client_id, kind, ord, manager_id, at, (at AT TIME ZONE 'Europe/Moscow')::date AS day,
    extract(epoch FROM at - since)::float8 AS seconds,
    (lag(at) OVER (PARTITION BY client_id, kind ORDER BY at, ord)
        AT TIME ZONE 'Europe/Moscow')::date AS prev_day,
    (lag(at) OVER (PARTITION BY client_id, kind, manager_id ORDER BY at, ord)
        AT TIME ZONE 'Europe/Moscow')::date AS prev_mine_day
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
"""
COLUMNS = "client_id, kind, ord, manager_id, at, day, seconds, prev_day, prev_mine_day"
VALUES = ("manager_id", "at", "day", "seconds", "prev_day", "prev_mine_day")
OLD_VALUES = ", ".join(f"f.{c}" for c in VALUES)
NEW_VALUES = ", ".join(f"EXCLUDED.{c}" for c in VALUES)
# The facts that are no longer there go, new ones come, changed ones are updated, the others
# stay as they are (the deleted and the inserted keys are disjoint: one statement is safe).
REFRESH_0017 = f"""
CREATE OR REPLACE FUNCTION manager_funnel_refresh(ids bigint[]) RETURNS void LANGUAGE sql AS $$
WITH fresh AS MATERIALIZED ({FRESH}),
gone AS (
    DELETE FROM manager_funnel_facts f WHERE f.client_id = ANY(ids) AND NOT EXISTS (
        SELECT FROM fresh n WHERE (n.client_id, n.kind, n.ord) = (f.client_id, f.kind, f.ord))
)
INSERT INTO manager_funnel_facts AS f ({COLUMNS})
SELECT {COLUMNS} FROM fresh
ON CONFLICT (client_id, kind, ord) DO UPDATE SET ({", ".join(VALUES)}) = ({NEW_VALUES})
WHERE ({OLD_VALUES}) IS DISTINCT FROM ({NEW_VALUES})
$$;
"""
REFRESH_0013 = f"""
CREATE OR REPLACE FUNCTION manager_funnel_refresh(ids bigint[]) RETURNS void LANGUAGE sql AS $$
DELETE FROM manager_funnel_facts WHERE client_id = ANY(ids);
INSERT INTO manager_funnel_facts ({COLUMNS})
SELECT {COLUMNS} FROM ({FRESH}) AS fresh
$$;
"""

BUMP = """
CREATE FUNCTION manager_analytics_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Once per transaction: the deferred triggers of its other rows find the mark.
    IF current_setting('privet.analytics_bumped', true) IS DISTINCT FROM
            txid_current()::text THEN
        UPDATE manager_analytics_revision SET revision = revision + 1 WHERE id = 1;
        PERFORM set_config('privet.analytics_bumped', txid_current()::text, true);
    END IF;
    RETURN NULL;
END $$;
"""
OTP = "('contract.otp_failed', 'contract.otp_locked')"


def _changed(columns: str) -> str:
    cols = [c.strip() for c in columns.split(",")]
    old = ", ".join(f"OLD.{c}" for c in cols)
    new = ", ".join(f"NEW.{c}" for c in cols)
    return f"({old}) IS DISTINCT FROM ({new})"


# (table, trigger suffix, events, WHEN condition or None): what each statement of the figures
# reads, and only the changes that can move a figure (a client's status or a manager's last
# login changes far more often and moves none).
TRIGGERS = (
    ("manager_funnel_facts", "write", "INSERT OR UPDATE OR DELETE", None),
    ("manager_clients", "arrive", "INSERT OR DELETE", None),
    ("manager_clients", "update", "UPDATE", "OLD.created_at IS DISTINCT FROM NEW.created_at"),
    ("manager_activity_log", "insert", "INSERT", f"NEW.action IN {OTP}"),
    ("manager_activity_log", "delete", "DELETE", f"OLD.action IN {OTP}"),
    ("manager_activity_log", "update", "UPDATE", f"OLD.action IN {OTP} OR NEW.action IN {OTP}"),
    ("manager_payments", "write", "INSERT OR DELETE", None),
    (
        "manager_payments",
        "update",
        "UPDATE",
        _changed("contract_id, amount, method, manager_id, created_at"),
    ),
    ("manager_invoices", "write", "INSERT OR DELETE", None),
    (
        "manager_invoices",
        "update",
        "UPDATE",
        _changed("contract_id, amount, due_date, manager_id, created_at"),
    ),
    ("manager_users", "write", "INSERT OR DELETE", None),
    ("manager_users", "update", "UPDATE", _changed("name, is_active")),
)
TRUNCATED = sorted({table for table, _, _, _ in TRIGGERS})
# (index, table, included columns): analytics/models.py declares the same
INDEXES = (
    ("ix_manager_payments_created_at", "manager_payments", ["manager_id", "method", "amount"]),
    (
        "ix_manager_invoices_created_at",
        "manager_invoices",
        ["manager_id", "contract_id", "amount", "due_date"],
    ),
)

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "CREATE TABLE manager_analytics_revision ("
        "id smallint PRIMARY KEY CHECK (id = 1), revision bigint NOT NULL)"
    )
    # Counted from the clock's milliseconds: a table made again (a downgrade and an upgrade)
    # never names a state with a number a running process has already seen.
    op.execute(
        "INSERT INTO manager_analytics_revision "
        "VALUES (1, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)"
    )
    op.execute(BUMP)
    for table, suffix, events, when in TRIGGERS:
        op.execute(
            f"CREATE CONSTRAINT TRIGGER manager_analytics_{suffix} AFTER {events} ON {table} "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            + (f"WHEN ({when}) " if when else "")
            + "EXECUTE FUNCTION manager_analytics_bump()"
        )
    for table in TRUNCATED:  # constraint triggers cannot follow a TRUNCATE
        op.execute(
            f"CREATE TRIGGER manager_analytics_truncate AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION manager_analytics_bump()"
        )
    op.execute(REFRESH_0017)
    with op.get_context().autocommit_block():
        for name, table, include in INDEXES:
            op.create_index(
                name,
                table,
                ["created_at"],
                postgresql_include=include,
                postgresql_concurrently=True,
                if_not_exists=True,
            )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        for name, table, _ in INDEXES:
            op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)
    op.execute(REFRESH_0013)
    for table in TRUNCATED:
        op.execute(f"DROP TRIGGER manager_analytics_truncate ON {table}")
    for table, suffix, _, _ in TRIGGERS:
        op.execute(f"DROP TRIGGER manager_analytics_{suffix} ON {table}")
    op.execute("DROP FUNCTION manager_analytics_bump()")
    op.execute("DROP TABLE manager_analytics_revision")
