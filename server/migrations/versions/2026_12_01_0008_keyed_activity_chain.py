"""Keyed activity chain and evidence format 2.

- `manager_activity_log.hash_version`: 1 for every entry there is (plain SHA-256), 2 (an
  HMAC under the chain's key) for what the API writes from now on. No server default: each
  writer says which rule its hash follows.
- `manager_activity_heads.legacy_seq` / `legacy_seal`: for each chain there is, its head's
  seq and an HMAC (the chain's key) over client id, that seq and that entry's hash. The
  unkeyed entries up to it are then bound by the key too; a chain without a seal accepts no
  unkeyed entry. The seals are computed here, in Python, with the settings the API uses:
  run this migration with the same ACTIVITY_CHAIN_SECRET (or, when that is empty,
  CONTRACT_SIGNATURE_SECRET) as the API, online (`alembic upgrade --sql` cannot compute them:
  the offline script only says so).
- `manager_contracts.evidence_version` (1 for the contracts signed so far), and the client's
  chain head at signing (`activity_head_seq`, `activity_head_hash`) that evidence 2 covers.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "manager_activity_log",
        sa.Column("hash_version", sa.SmallInteger(), server_default="1", nullable=False),
    )
    op.alter_column("manager_activity_log", "hash_version", server_default=None)
    op.add_column("manager_activity_heads", sa.Column("legacy_seq", sa.Integer()))
    op.add_column("manager_activity_heads", sa.Column("legacy_seal", sa.String(length=64)))
    op.add_column("manager_contracts", sa.Column("evidence_version", sa.SmallInteger()))
    op.add_column("manager_contracts", sa.Column("activity_head_seq", sa.Integer()))
    op.add_column("manager_contracts", sa.Column("activity_head_hash", sa.String(length=64)))
    op.execute("UPDATE manager_contracts SET evidence_version = 1 WHERE signature_hmac IS NOT NULL")
    _seal_existing_chains()


def _seal_existing_chains() -> None:
    if op.get_context().as_sql:
        op.execute("-- 0008: the legacy seals are computed by the online upgrade only")
        return
    from privet_manager.activity.service import legacy_seal

    bind = op.get_bind()
    heads = bind.execute(sa.text("SELECT client_id, seq, hash FROM manager_activity_heads"))
    seals = [
        {"client_id": cid, "seq": seq, "seal": legacy_seal(cid, seq, hash_)}
        for cid, seq, hash_ in heads
    ]
    if seals:
        bind.execute(
            sa.text(
                "UPDATE manager_activity_heads SET legacy_seq = :seq, legacy_seal = :seal"
                " WHERE client_id = :client_id"
            ),
            seals,
        )


def downgrade() -> None:
    # Entries written under version 2 do not verify under the old code's rule.
    op.drop_column("manager_contracts", "activity_head_hash")
    op.drop_column("manager_contracts", "activity_head_seq")
    op.drop_column("manager_contracts", "evidence_version")
    op.drop_column("manager_activity_heads", "legacy_seal")
    op.drop_column("manager_activity_heads", "legacy_seq")
    op.drop_column("manager_activity_log", "hash_version")
