"""Consolidation: a case merged into another about the same UR decision points at it.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("consolidated_into", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_cases_consolidated_into", "cases", ["consolidated_into"], ["id"])


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("cases") as batch:
        batch.drop_constraint("fk_cases_consolidated_into", type_="foreignkey")
        batch.drop_column("consolidated_into")
