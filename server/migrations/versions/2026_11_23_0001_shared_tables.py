"""Tables shared with Привет Супер, created only where absent.

In production these tables belong to Привет Супер and already exist: they are neither
altered nor dropped. The tables this migration creates are listed in
`privet_manager_owned_tables`, and only those are dropped on downgrade.

Revision ID: 0001
Revises: None
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWNED = "privet_manager_owned_tables"


def _exists(name: str) -> bool:
    return sa.inspect(op.get_bind()).has_table(name)


def _own(name: str) -> None:
    op.execute(sa.text(f"INSERT INTO {OWNED} (name) VALUES (:n)").bindparams(n=name))


def upgrade() -> None:
    op.execute(f"CREATE TABLE IF NOT EXISTS {OWNED} (name text PRIMARY KEY)")
    if not _exists("users"):
        op.create_table(
            "users",
            sa.Column("id", sa.BigInteger(), nullable=False),
            sa.Column("phone", sa.String(length=32), nullable=True),
            sa.Column("email", sa.String(length=255), nullable=True),
            sa.Column("name", sa.String(length=255), nullable=True),
            sa.Column(
                "created_at",
                sa.DateTime(timezone=True),
                server_default=sa.text("now()"),
                nullable=False,
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        )
        _own("users")
    if not _exists("devices"):
        op.create_table(
            "devices",
            sa.Column("id", sa.BigInteger(), nullable=False),
            sa.Column("user_id", sa.BigInteger(), nullable=False),
            sa.Column("kind", sa.String(length=64), nullable=True),
            sa.Column("brand", sa.String(length=128), nullable=True),
            sa.Column("model", sa.String(length=128), nullable=True),
            sa.Column("serial_number", sa.String(length=128), nullable=True),
            sa.Column(
                "created_at",
                sa.DateTime(timezone=True),
                server_default=sa.text("now()"),
                nullable=False,
            ),
            sa.ForeignKeyConstraint(
                ["user_id"], ["users.id"], name=op.f("fk_devices_user_id_users")
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
        )
        op.create_index(op.f("ix_devices_user_id"), "devices", ["user_id"], unique=False)
        _own("devices")
    if not _exists("support_tickets"):
        op.create_table(
            "support_tickets",
            sa.Column("id", sa.BigInteger(), nullable=False),
            sa.Column("user_id", sa.BigInteger(), nullable=False),
            sa.Column("subject", sa.String(length=255), nullable=True),
            sa.Column("status", sa.String(length=32), server_default="open", nullable=False),
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
                ["user_id"], ["users.id"], name=op.f("fk_support_tickets_user_id_users")
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_support_tickets")),
        )
        op.create_index(
            op.f("ix_support_tickets_user_id"), "support_tickets", ["user_id"], unique=False
        )
        _own("support_tickets")
    if not _exists("support_messages"):
        op.create_table(
            "support_messages",
            sa.Column("id", sa.BigInteger(), nullable=False),
            sa.Column("ticket_id", sa.BigInteger(), nullable=False),
            sa.Column(
                "author_type", sa.String(length=32), server_default="support", nullable=False
            ),
            sa.Column("body", sa.Text(), nullable=False),
            sa.Column(
                "created_at",
                sa.DateTime(timezone=True),
                server_default=sa.text("now()"),
                nullable=False,
            ),
            sa.ForeignKeyConstraint(
                ["ticket_id"],
                ["support_tickets.id"],
                name=op.f("fk_support_messages_ticket_id_support_tickets"),
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_support_messages")),
        )
        op.create_index(
            op.f("ix_support_messages_ticket_id"), "support_messages", ["ticket_id"], unique=False
        )
        _own("support_messages")


def downgrade() -> None:
    bind = op.get_bind()
    owned = set(bind.execute(sa.text(f"SELECT name FROM {OWNED}")).scalars())
    for name in ("support_messages", "support_tickets", "devices", "users"):
        if name in owned:
            op.drop_table(name)
    op.execute(f"DROP TABLE {OWNED}")
