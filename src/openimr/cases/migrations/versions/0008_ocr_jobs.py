"""A scanned upload is stored at once and read by OCR in a job: documents keep where their OCR stands.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""
    op.add_column(
        "documents",
        sa.Column(
            "ocr_state", sa.String(length=20), nullable=True, comment="OcrState of a scanned upload; none: nothing for OCR."
        ),
    )


def downgrade() -> None:
    """Revert."""
    op.drop_column("documents", "ocr_state")
