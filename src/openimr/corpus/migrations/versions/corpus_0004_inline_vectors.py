"""PostgreSQL: each item's full-text vector stored in its row (compressed), not out of line in the TOAST table.

A vector is ~2.5 kB compressed, over the ~2 kB at which PostgreSQL moves a value out of line: a search then read each
of the 2,000 vectors it ranks (and each one a phrase query rechecks) through the TOAST table's index and its chunks,
most of a search's time. With storage MAIN the vector stays in the row; the request and rationale still move out
first. Vectors already stored stay where they are until their item is written again. SQLite: nothing to do.

Revision ID: corpus_0004
Revises: corpus_0003
"""

from __future__ import annotations

from alembic import op

revision = "corpus_0004"
down_revision = "corpus_0003"
branch_labels = None
depends_on = None


def _storage(mode: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE corpus_item_texts ALTER COLUMN tsv SET STORAGE {mode}")


def upgrade() -> None:
    """Apply."""
    _storage("MAIN")


def downgrade() -> None:
    """Revert."""
    _storage("EXTENDED")
