"""Managers, login sessions, refresh tokens, rate limits, idempotency keys.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "manager_rate_limits",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_manager_rate_limits")),
    )
    op.create_table(
        "manager_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("password_hash", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), server_default="manager", nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column(
            "password_changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_users")),
    )
    op.create_index(
        "uq_manager_users_email_lower",
        "manager_users",
        [sa.literal_column("lower(email)")],
        unique=True,
    )
    op.create_table(
        "manager_auth_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=64), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=512), nullable=True),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["manager_users.id"],
            name=op.f("fk_manager_auth_sessions_manager_id_manager_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_auth_sessions")),
    )
    op.create_index(
        op.f("ix_manager_auth_sessions_manager_id"),
        "manager_auth_sessions",
        ["manager_id"],
        unique=False,
    )
    op.create_table(
        "manager_idempotency_keys",
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("scope", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["manager_users.id"],
            name=op.f("fk_manager_idempotency_keys_manager_id_manager_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("manager_id", "key", name=op.f("pk_manager_idempotency_keys")),
    )
    op.create_table(
        "manager_refresh_tokens",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column(
            "issued_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["manager_auth_sessions.id"],
            name=op.f("fk_manager_refresh_tokens_session_id_manager_auth_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_manager_refresh_tokens")),
    )
    op.create_index(
        op.f("ix_manager_refresh_tokens_session_id"),
        "manager_refresh_tokens",
        ["session_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("manager_refresh_tokens")
    op.drop_table("manager_idempotency_keys")
    op.drop_table("manager_auth_sessions")
    op.drop_table("manager_users")
    op.drop_table("manager_rate_limits")
