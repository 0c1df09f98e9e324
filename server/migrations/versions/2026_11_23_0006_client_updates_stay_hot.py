"""Keep the client row's frequent updates off its search indexes.

Every activity entry moves the chain's head on the client row (and every step bumps its
version): with pages filled to 100 % those updates could not stay on the page (no HOT
update), so each added an entry to every index of the table, the four GIN search indexes
included, where it waited in the index's pending list; each search then scanned the pending
list (the phone search's 95th percentile went from 19 to 160 ms after 9,000 passport reads
at 100,000 clients). Now:

- `fillfactor = 80`: new pages keep a fifth free, so updates that change no indexed column
  stay on their page and touch no index. Pages written before keep their fill until rewritten
  (`VACUUM FULL manager_clients` in a quiet hour: it locks the table while it runs).
- `fastupdate = off` on the GIN indexes: an entry goes straight into the index (a slower
  write, rare for names and phones), and searches never scan a pending list.

Both are storage parameters: no rewrite, brief locks (SHARE UPDATE EXCLUSIVE on the table,
one per index).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GIN_INDEXES = (
    "ix_manager_clients_name_trgm",
    "ix_manager_clients_email_trgm",
    "ix_manager_clients_phone_digits_trgm",
    "ix_manager_clients_name_words",
)


def upgrade() -> None:
    op.execute("ALTER TABLE manager_clients SET (fillfactor = 80)")
    for index in GIN_INDEXES:
        op.execute(f"ALTER INDEX {index} SET (fastupdate = off)")


def downgrade() -> None:
    for index in GIN_INDEXES:
        op.execute(f"ALTER INDEX {index} RESET (fastupdate)")
    op.execute("ALTER TABLE manager_clients RESET (fillfactor)")
