"""PostgreSQL: the full-text vectors and the long texts compressed with LZ4 instead of pglz, where the server has it.

A search ranks its window by reading 2,000 `tsv` values, each a TOASTed value of a few kilobytes, and an ingest
compresses every one it writes: LZ4 does both at a fraction of pglz's CPU. Values already stored stay as they are
(PostgreSQL reads either). SQLite: nothing to do.

Revision ID: corpus_0002
Revises: corpus_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "corpus_0002"
down_revision = "corpus_0001"
branch_labels = None
depends_on = None

COLUMNS = {"corpus_item_texts": ("tsv", "request", "rationale"), "corpus_letters": ("summary",)}


def _set(method: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    supported = bind.execute(
        sa.text("SELECT :method = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"),
        {"method": method},
    ).scalar()
    if not supported:
        return
    for table, columns in COLUMNS.items():
        for column in columns:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION {method}")


def upgrade() -> None:
    """Apply."""
    _set("lz4")


def downgrade() -> None:
    """Revert."""
    _set("pglz")
