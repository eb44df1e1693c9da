"""Drafting off the request path: the job table, and one draft per case.

A case left in review without a draft and without a drafting error (its drafting was cut short) gets a queued job.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("worker", sa.String(length=200), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "case_id", name="uq_jobs_kind_case"),
    )
    op.create_index("ix_jobs_state", "jobs", ["state"])
    op.drop_index("ix_drafts_case_id", "drafts")
    op.create_index("ix_drafts_case_id", "drafts", ["case_id"], unique=True)
    op.execute(
        "INSERT INTO jobs (kind, case_id, state, attempts, run_after, requested_by, created_at, updated_at) "
        "SELECT 'draft', c.id, 'queued', 0, c.updated_at, 'migration 0003', c.updated_at, c.updated_at FROM cases c "
        "WHERE c.state = 'in_review' AND c.drafting_error IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM drafts d WHERE d.case_id = c.id)"
    )


def downgrade() -> None:
    """Revert."""
    op.drop_index("ix_drafts_case_id", "drafts")
    op.create_index("ix_drafts_case_id", "drafts", ["case_id"], unique=False)
    op.drop_index("ix_jobs_state", "jobs")
    op.drop_table("jobs")
