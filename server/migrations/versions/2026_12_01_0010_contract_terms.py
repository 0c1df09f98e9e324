"""What a complete contract needs: a device's condition at intake, a tariff's period.

`manager_devices.condition` (ok | damaged | dead, «исправно / есть повреждения / не
включается») with a free-text `condition_note`; existing devices read as `ok`.
`manager_tariffs.period_months`: the subscription term the contract states (12 by default).
Both are additions with defaults: no rewrite of existing rows beyond the default.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "manager_devices",
        sa.Column("condition", sa.String(32), nullable=False, server_default="ok"),
    )
    op.add_column("manager_devices", sa.Column("condition_note", sa.Text(), nullable=True))
    op.add_column(
        "manager_tariffs",
        sa.Column("period_months", sa.Integer(), nullable=False, server_default="12"),
    )


def downgrade() -> None:
    op.drop_column("manager_tariffs", "period_months")
    op.drop_column("manager_devices", "condition_note")
    op.drop_column("manager_devices", "condition")
