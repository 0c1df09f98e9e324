"""Tariffs, contracts, number counters, support threads, payments and invoices.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "manager_number_counters",
        sa.Column("series", sa.String(length=8), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("series", "year", name=op.f("pk_manager_number_counters")),
    )
    op.create_table(
        "manager_tariffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("base_price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("included_devices", sa.Integer(), nullable=False),
        sa.Column("extra_device_price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column(
            "kind_multipliers",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_tariffs")),
        sa.UniqueConstraint("code", name=op.f("uq_manager_tariffs_code")),
    )
    op.create_table(
        "manager_client_tariffs",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column("tariff_id", sa.Integer(), nullable=False),
        sa.Column("tariff_code", sa.String(length=32), nullable=False),
        sa.Column("tariff_name", sa.String(length=128), nullable=False),
        sa.Column("device_count", sa.Integer(), nullable=False),
        sa.Column("base", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("devices_part", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("total", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("already_paid", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("surcharge", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("breakdown", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("applied_by_manager_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["applied_by_manager_id"],
            ["manager_users.id"],
            name=op.f("fk_manager_client_tariffs_applied_by_manager_id_manager_users"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["manager_clients.id"],
            name=op.f("fk_manager_client_tariffs_client_id_manager_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tariff_id"],
            ["manager_tariffs.id"],
            name=op.f("fk_manager_client_tariffs_tariff_id_manager_tariffs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_client_tariffs")),
        sa.UniqueConstraint("client_id", name=op.f("uq_manager_client_tariffs_client_id")),
    )
    op.create_table(
        "manager_support_threads",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["manager_clients.id"],
            name=op.f("fk_manager_support_threads_client_id_manager_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["support_tickets.id"],
            name=op.f("fk_manager_support_threads_ticket_id_support_tickets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_support_threads")),
        sa.UniqueConstraint("client_id", name=op.f("uq_manager_support_threads_client_id")),
    )
    op.create_table(
        "manager_contracts",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("snapshot", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("surcharge", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("pdf_key", sa.String(length=512), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("generated_by_manager_id", sa.Integer(), nullable=True),
        sa.Column("pep_version", sa.String(length=32), nullable=False),
        sa.Column("pep_sha256", sa.String(length=64), nullable=False),
        sa.Column("pep_agreed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("otp_hmac", sa.String(length=64), nullable=True),
        sa.Column("otp_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("otp_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("otp_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("otp_failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("otp_window_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("otp_window_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("support_ticket_id", sa.BigInteger(), nullable=True),
        sa.Column("support_message_id", sa.BigInteger(), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_by_manager_id", sa.Integer(), nullable=True),
        sa.Column("signer_ip", sa.String(length=64), nullable=True),
        sa.Column("signer_user_agent", sa.String(length=512), nullable=True),
        sa.Column("photo_hashes", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("signed_pdf_key", sa.String(length=512), nullable=True),
        sa.Column("signed_pdf_sha256", sa.String(length=64), nullable=True),
        sa.Column("signature_hmac", sa.String(length=64), nullable=True),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["manager_clients.id"],
            name=op.f("fk_manager_contracts_client_id_manager_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["generated_by_manager_id"],
            ["manager_users.id"],
            name=op.f("fk_manager_contracts_generated_by_manager_id_manager_users"),
        ),
        sa.ForeignKeyConstraint(
            ["signed_by_manager_id"],
            ["manager_users.id"],
            name=op.f("fk_manager_contracts_signed_by_manager_id_manager_users"),
        ),
        sa.ForeignKeyConstraint(
            ["support_message_id"],
            ["support_messages.id"],
            name=op.f("fk_manager_contracts_support_message_id_support_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["support_ticket_id"],
            ["support_tickets.id"],
            name=op.f("fk_manager_contracts_support_ticket_id_support_tickets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_contracts")),
        sa.UniqueConstraint("number", name=op.f("uq_manager_contracts_number")),
    )
    op.create_index(
        "ix_manager_contracts_client_id_id", "manager_contracts", ["client_id", "id"], unique=False
    )
    op.create_index(
        "uq_manager_contracts_client_id_live",
        "manager_contracts",
        ["client_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('awaiting_signature', 'signed')"),
    )
    op.create_table(
        "manager_invoices",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("contract_id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("support_message_id", sa.BigInteger(), nullable=True),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["manager_clients.id"],
            name=op.f("fk_manager_invoices_client_id_manager_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["manager_contracts.id"],
            name=op.f("fk_manager_invoices_contract_id_manager_contracts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["manager_users.id"],
            name=op.f("fk_manager_invoices_manager_id_manager_users"),
        ),
        sa.ForeignKeyConstraint(
            ["support_message_id"],
            ["support_messages.id"],
            name=op.f("fk_manager_invoices_support_message_id_support_messages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_invoices")),
        sa.UniqueConstraint("contract_id", name=op.f("uq_manager_invoices_contract_id")),
        sa.UniqueConstraint("number", name=op.f("uq_manager_invoices_number")),
    )
    op.create_index(
        op.f("ix_manager_invoices_client_id"), "manager_invoices", ["client_id"], unique=False
    )
    op.create_table(
        "manager_payments",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("contract_id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=255), server_default="", nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["manager_clients.id"],
            name=op.f("fk_manager_payments_client_id_manager_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["manager_contracts.id"],
            name=op.f("fk_manager_payments_contract_id_manager_contracts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["manager_users.id"],
            name=op.f("fk_manager_payments_manager_id_manager_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_payments")),
        sa.UniqueConstraint("contract_id", name=op.f("uq_manager_payments_contract_id")),
    )
    op.create_index(
        op.f("ix_manager_payments_client_id"), "manager_payments", ["client_id"], unique=False
    )
    op.create_table(
        "manager_support_messages",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=False),
        sa.Column("support_message_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("contract_id", sa.BigInteger(), nullable=True),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["manager_contracts.id"],
            name=op.f("fk_manager_support_messages_contract_id_manager_contracts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["manager_users.id"],
            name=op.f("fk_manager_support_messages_manager_id_manager_users"),
        ),
        sa.ForeignKeyConstraint(
            ["support_message_id"],
            ["support_messages.id"],
            name=op.f("fk_manager_support_messages_support_message_id_support_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["manager_support_threads.id"],
            name=op.f("fk_manager_support_messages_thread_id_manager_support_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_support_messages")),
        sa.UniqueConstraint(
            "support_message_id", name=op.f("uq_manager_support_messages_support_message_id")
        ),
    )
    op.create_index(
        op.f("ix_manager_support_messages_thread_id"),
        "manager_support_messages",
        ["thread_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_manager_support_messages_thread_id"), table_name="manager_support_messages"
    )
    op.drop_table("manager_support_messages")
    op.drop_index(op.f("ix_manager_payments_client_id"), table_name="manager_payments")
    op.drop_table("manager_payments")
    op.drop_index(op.f("ix_manager_invoices_client_id"), table_name="manager_invoices")
    op.drop_table("manager_invoices")
    op.drop_index("uq_manager_contracts_client_id_live", table_name="manager_contracts")
    op.drop_index("ix_manager_contracts_client_id_id", table_name="manager_contracts")
    op.drop_table("manager_contracts")
    op.drop_table("manager_support_threads")
    op.drop_table("manager_client_tariffs")
    op.drop_table("manager_tariffs")
    op.drop_table("manager_number_counters")
