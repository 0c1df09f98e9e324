"""The seal made after the signing transaction (issue 14, confirm's 60 ms target): the sealed
copy under a key of its own, and which signed contracts still wait for it.

`signed_pdf_key`/`signed_pdf_sha256` keep the copy the evidence HMAC covers: for contracts
signed from now on, the original plus the evidence page, unsealed. The seal is made right
after the commit and stored as `sealed_pdf_key` with `sealed_pdf_sha256`; that copy begins
with the signed copy byte for byte. `seal_pending` is true from the signing until the sealed
copy is recorded (contracts signed before this migration were sealed synchronously, their
`signed_pdf_*` is the sealed copy, and stay false). Adding nullable columns and a column with
a constant default rewrites no rows; the partial index covers only the few pending rows.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("manager_contracts", sa.Column("sealed_pdf_key", sa.String(512)))
    op.add_column("manager_contracts", sa.Column("sealed_pdf_sha256", sa.String(64)))
    op.add_column(
        "manager_contracts",
        sa.Column("seal_pending", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    # What the sweeps look for: signed contracts whose seal is still to be made (few rows).
    op.create_index(
        "ix_manager_contracts_seal_pending",
        "manager_contracts",
        ["id"],
        postgresql_where=sa.text("seal_pending"),
    )


def downgrade() -> None:
    op.drop_index("ix_manager_contracts_seal_pending", table_name="manager_contracts")
    op.drop_column("manager_contracts", "seal_pending")
    op.drop_column("manager_contracts", "sealed_pdf_sha256")
    op.drop_column("manager_contracts", "sealed_pdf_key")
