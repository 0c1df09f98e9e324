"""Tariff versions keep the period.

`manager_tariff_versions.period_months`: the subscription term is a term of a version like
the prices (a version written before this migration gets its tariff's current period: the
only value the database ever held for it).

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("manager_tariff_versions", sa.Column("period_months", sa.Integer()))
    op.execute(
        "UPDATE manager_tariff_versions v SET period_months = t.period_months "
        "FROM manager_tariffs t WHERE t.id = v.tariff_id"
    )
    op.alter_column("manager_tariff_versions", "period_months", nullable=False)


def downgrade() -> None:
    op.drop_column("manager_tariff_versions", "period_months")
