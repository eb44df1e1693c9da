"""The reviewer's edits beyond decision and rationale: the Clinical Case Summary (with its version), each item's
guideline line and criterion overrides, kept in the item revisions too.

Item versions now count revisions (0 before the draft, 1 for the engine's, +1 per edit); existing rows keep theirs.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply (plain ADD COLUMN: a batch copy of item_revisions would drop its append-only triggers on SQLite)."""
    op.add_column("cases", sa.Column("summary", sa.Text(), nullable=True))
    op.add_column("cases", sa.Column("summary_version", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("items", sa.Column("guideline", sa.Text(), nullable=True))
    op.add_column("items", sa.Column("criteria_overrides", sa.JSON(), nullable=True))
    op.add_column("item_revisions", sa.Column("guideline", sa.Text(), nullable=True))
    op.add_column("item_revisions", sa.Column("criteria_overrides", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Revert."""
    for table, column in (
        ("item_revisions", "criteria_overrides"),
        ("item_revisions", "guideline"),
        ("items", "criteria_overrides"),
        ("items", "guideline"),
        ("cases", "summary_version"),
        ("cases", "summary"),
    ):
        op.drop_column(table, column)
