"""Keep each client's activity-chain head in a table of its own.

The head (the newest entry's seq and hash) lived on the `manager_clients` row, so every
logged action, passport reads included, rewrote the client row, and the activity log could
not be read or written without the clients table. Now `manager_activity_heads` holds it:
one short row per client with a chain, rewritten in place (fillfactor 70 keeps room for HOT
updates), and the client row changes only when the client does.

The copy and the drop run in one transaction. Stop the API before upgrading (its old version
still writes the head to the client row): the migration is quick, a few seconds per
million clients with a chain.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "manager_activity_heads",
        sa.Column(
            "client_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "manager_clients.id",
                ondelete="CASCADE",
                name=op.f("fk_manager_activity_heads_client_id_manager_clients"),
            ),
            nullable=False,
        ),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_manager_activity_heads")),
        postgresql_with={"fillfactor": 70},
    )
    op.execute(
        """
        INSERT INTO manager_activity_heads (client_id, seq, hash)
        SELECT id, activity_seq, activity_hash FROM manager_clients
        WHERE activity_seq > 0 AND activity_hash IS NOT NULL
        """
    )
    op.drop_column("manager_clients", "activity_hash")
    op.drop_column("manager_clients", "activity_seq")


def downgrade() -> None:
    op.add_column(
        "manager_clients",
        sa.Column("activity_seq", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column("manager_clients", sa.Column("activity_hash", sa.String(length=64)))
    op.execute(
        """
        UPDATE manager_clients c SET activity_seq = h.seq, activity_hash = h.hash
        FROM manager_activity_heads h WHERE h.client_id = c.id
        """
    )
    op.drop_table("manager_activity_heads")
