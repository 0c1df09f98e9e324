"""The signed copy's PAdES seal (issue 14): whether it is sealed and timestamped, and the
copy a later document timestamp made.

`sealed`: the signed copy carries the organisation's seal (contracts signed before this
change do not: false). `timestamped`: the seal has a TSA timestamp, or a document timestamp
was added later (`privet-manager add-timestamps`), whose copy is kept under
`timestamped_pdf_key` with its hash; the evidence keeps covering `signed_pdf_sha256`, the
copy as sealed at signing, which is the later copy's exact byte prefix (docs/SECURITY.md).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "manager_contracts",
        sa.Column("sealed", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "manager_contracts",
        sa.Column("timestamped", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("manager_contracts", sa.Column("timestamped_pdf_key", sa.String(512)))
    op.add_column("manager_contracts", sa.Column("timestamped_pdf_sha256", sa.String(64)))
    # What add-timestamps looks for: sealed, signed, not yet timestamped (few rows).
    op.create_index(
        "ix_manager_contracts_untimestamped",
        "manager_contracts",
        ["id"],
        postgresql_where=sa.text("sealed AND NOT timestamped AND status = 'signed'"),
    )


def downgrade() -> None:
    op.drop_index("ix_manager_contracts_untimestamped", table_name="manager_contracts")
    op.drop_column("manager_contracts", "timestamped_pdf_sha256")
    op.drop_column("manager_contracts", "timestamped_pdf_key")
    op.drop_column("manager_contracts", "timestamped")
    op.drop_column("manager_contracts", "sealed")
