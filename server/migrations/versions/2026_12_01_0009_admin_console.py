"""The senior manager's console: the admin audit log, and indexes for the analytics.

- `manager_admin_audit`: every admin action (manager created, disabled, role or password
  changed, tariff changed, client reassigned), append-only.
- Tariff versions: `manager_tariffs.version`, `manager_tariff_versions` (each version's
  terms; the existing tariffs get their version 1), `manager_client_tariffs.tariff_version`
  (the version a fixed calculation was made with; NULL for those fixed before).
- `ix_manager_activity_log_action_created_at`: the funnel counts events of a few kinds in a
  period (claimed, processed, OTP failures); without it each figure reads the whole log.
  It carries `client_id` and `manager_id`, so those figures are index-only scans.
- `ix_manager_clients_created_at`: the funnel's first stage (clients that arrived in the
  period). `created_at` never changes, so client updates stay HOT (migration 0006).
- `ix_manager_contracts_created_at`, `ix_manager_contracts_signed_at`: contracts generated
  and signed in a period.
- Search: the name's two indexes (trigrams, words) are rebuilt on the name with «ё» read as
  «е» (`translate(name, 'Ёё', 'Ее')`), so «Пётр» and «Петр» find each other; a trigram index
  on `manager_contracts.number` finds a client by its contract's number or last digits.
  Rebuilding reads the table once per index (seconds per 100,000 clients, under a lock that
  blocks writes to manager_clients meanwhile).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Migrations keep their own copy of the expressions (clients.models.FOLDED_NAME_SQL).
FOLDED_NAME_SQL = "translate(name::text, 'Ёё'::text, 'Ее'::text)"
OLD_NAME_WORDS_SQL = "to_tsvector('simple'::regconfig, name::text)"
NAME_WORDS_SQL = f"to_tsvector('simple'::regconfig, {FOLDED_NAME_SQL})"
GIN = {"fastupdate": "off"}


def _name_indexes(trigram_expr: str, words_expr: str) -> None:
    op.drop_index("ix_manager_clients_name_trgm", table_name="manager_clients")
    op.drop_index("ix_manager_clients_name_words", table_name="manager_clients")
    op.create_index(
        "ix_manager_clients_name_trgm",
        "manager_clients",
        [sa.text(f"{trigram_expr} gin_trgm_ops")],
        postgresql_using="gin",
        postgresql_with=GIN,
    )
    op.create_index(
        "ix_manager_clients_name_words",
        "manager_clients",
        [sa.text(words_expr)],
        postgresql_using="gin",
        postgresql_with=GIN,
    )


def upgrade() -> None:
    op.create_table(
        "manager_admin_audit",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("admin_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=512), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["admin_id"],
            ["manager_users.id"],
            name=op.f("fk_manager_admin_audit_admin_id_manager_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_admin_audit")),
    )
    op.add_column(
        "manager_tariffs",
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
    )
    op.add_column(
        "manager_client_tariffs", sa.Column("tariff_version", sa.Integer(), nullable=True)
    )
    op.create_table(
        "manager_tariff_versions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tariff_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("base_price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("included_devices", sa.Integer(), nullable=False),
        sa.Column("extra_device_price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("kind_multipliers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_by_manager_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["tariff_id"],
            ["manager_tariffs.id"],
            name=op.f("fk_manager_tariff_versions_tariff_id_manager_tariffs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_manager_id"],
            ["manager_users.id"],
            name=op.f("fk_manager_tariff_versions_created_by_manager_id_manager_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_tariff_versions")),
        sa.UniqueConstraint(
            "tariff_id", "version", name=op.f("uq_manager_tariff_versions_tariff_id")
        ),
    )
    op.execute(
        """
        INSERT INTO manager_tariff_versions (tariff_id, version, name, description, base_price,
            included_devices, extra_device_price, kind_multipliers, is_active, created_at)
        SELECT id, 1, name, description, base_price, included_devices, extra_device_price,
            kind_multipliers, is_active, created_at FROM manager_tariffs
        """
    )
    op.create_index(
        "ix_manager_activity_log_action_created_at",
        "manager_activity_log",
        ["action", "created_at"],
        postgresql_include=["client_id", "manager_id"],
    )
    op.create_index("ix_manager_clients_created_at", "manager_clients", ["created_at"])
    op.create_index("ix_manager_contracts_created_at", "manager_contracts", ["created_at"])
    op.create_index("ix_manager_contracts_signed_at", "manager_contracts", ["signed_at"])
    _name_indexes(f"({FOLDED_NAME_SQL})", NAME_WORDS_SQL)
    op.create_index(
        "ix_manager_contracts_number_trgm",
        "manager_contracts",
        ["number"],
        postgresql_using="gin",
        postgresql_ops={"number": "gin_trgm_ops"},
        postgresql_with=GIN,
    )


def downgrade() -> None:
    op.drop_index("ix_manager_contracts_number_trgm", table_name="manager_contracts")
    _name_indexes("name", OLD_NAME_WORDS_SQL)
    op.drop_index("ix_manager_contracts_signed_at", table_name="manager_contracts")
    op.drop_index("ix_manager_contracts_created_at", table_name="manager_contracts")
    op.drop_index("ix_manager_clients_created_at", table_name="manager_clients")
    op.drop_index("ix_manager_activity_log_action_created_at", table_name="manager_activity_log")
    op.drop_table("manager_admin_audit")
    op.drop_table("manager_tariff_versions")
    op.drop_column("manager_client_tariffs", "tariff_version")
    op.drop_column("manager_tariffs", "version")
