"""Documents keep where each page starts and which pages were read by OCR (scanned records).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""
    op.add_column(
        "documents", sa.Column("page_offsets", sa.JSON(), nullable=True, comment="Character offset where each page starts.")
    )
    op.add_column(
        "documents", sa.Column("ocr_pages", sa.JSON(), nullable=True, comment="Pages (from 0) whose text was read by OCR.")
    )


def downgrade() -> None:
    """Revert."""
    op.drop_column("documents", "ocr_pages")
    op.drop_column("documents", "page_offsets")
