"""Search keys ascending from the newest item (`store.search_key`): a search walks FTS5's posting lists forwards.

The key was the decision date and the item id themselves, newest the highest, so a search walked each year table's
posting lists backwards (`ORDER BY rowid DESC`), which costs FTS5 about twice the CPU of a forward walk. The key now
counts both back from fixed bounds: the same order, reversed. Stored keys are rewritten (through negative values, so
the unique index never sees two items on one key) and, on SQLite, each year table's index is written again from its items.

Revision ID: corpus_0003
Revises: corpus_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "corpus_0003"
down_revision = "corpus_0002"
branch_labels = None
depends_on = None

DAYS = 1 << 22
IDS = 1 << 31
"""`store.DAYS` and `store.IDS` as this revision defines them."""


def _reversed(k: str) -> str:
    """SQL of the key in the other order, from the SQL `k` of a key: the date's day number (high 32 bits) and the item
    id (bits 1-31) each counted back from its bound, the decision bit kept. Its own inverse."""
    return f"((({DAYS} - ({k} >> 32)) << 32) | (({IDS - 1} - (({k} & 4294967295) >> 1)) << 1) | ({k} & 1))"


def _rekey() -> None:
    """Rewrite every key in the other order: first k to -1 - k (all negative, all distinct), then from there."""
    op.execute("UPDATE corpus_items SET search_key = -1 - search_key")
    op.execute(f"UPDATE corpus_items SET search_key = {_reversed('(-1 - search_key)')}")
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    # Each year table indexed again from its own items (FTS5's 'rebuild' would read every item of the view into each).
    for (shard,) in bind.execute(sa.text("SELECT shard FROM corpus_fts_shards")).all():
        table = f"corpus_fts_{int(shard)}"
        op.execute(f"INSERT INTO {table} ({table}) VALUES ('delete-all')")
        op.execute(
            f"INSERT INTO {table} (rowid, request, rationale, summary, tags) "
            "SELECT v.search_key, v.request, v.rationale, v.summary, v.tags FROM corpus_search_text AS v "
            f"JOIN corpus_items AS i ON i.search_key = v.search_key WHERE coalesce(i.year, 0) = {int(shard)} "
            "ORDER BY v.search_key"
        )


def upgrade() -> None:
    """Apply."""
    _rekey()


def downgrade() -> None:
    """Revert."""
    _rekey()
