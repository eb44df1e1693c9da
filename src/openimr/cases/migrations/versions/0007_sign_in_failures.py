"""Failed sign-ins counted in the database, per client address and window, so every server process shares the limit.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""
    op.create_table(
        "sign_in_failures",
        sa.Column("client", sa.String(length=100), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("client"),
    )
    op.create_index("ix_sign_in_failures_window_start", "sign_in_failures", ["window_start"])


def downgrade() -> None:
    """Revert."""
    op.drop_index("ix_sign_in_failures_window_start", "sign_in_failures")
    op.drop_table("sign_in_failures")
