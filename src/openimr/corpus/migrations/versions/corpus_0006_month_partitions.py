"""PostgreSQL: the item texts partitioned by decision month, each partition under its own GIN index.

A search probes the newest months first, a few at a time. In one table a probe of several months intersected the
query's words with an OR of their month tags in one GIN index: the scan then steps through every item of those months
(their tags, the rarest entries, drive it), and a bitmap scan reads all of a probe's matches before its first row,
whatever its limit. With a partition a month (`store.month_keys`: a month is one run of search keys), a probe names
its months by a range of keys: the planner reads only their partitions, each GIN index holds only its month's posting
lists (the rarest word or filter tag of that month drives the scan), and the partitions are read newest first, one
after the other, until the probe's limit. The rows stay in key order within each partition (`PostgresIndex.optimize`),
so a probe reads the same rows in the same order as from the one table in key order.

The primary key is (id, search_key): a partitioned table's unique constraints include its partition key. SQLite:
nothing to do.

Revision ID: corpus_0006
Revises: corpus_0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from openimr.corpus.records import UNDATED
from openimr.corpus.store import create_partition

revision = "corpus_0006"
down_revision = "corpus_0005"
branch_labels = None
depends_on = None

GIN = "CREATE INDEX ix_corpus_item_texts_tsv ON corpus_item_texts USING gin (tsv) WITH (gin_pending_list_limit = 65536)"
"""The GIN index of the vectors, as `corpus_0001` made it (on the partitioned table: one on each partition)."""
KEYS = "CREATE INDEX ix_corpus_item_texts_search_key ON corpus_item_texts (search_key)"
"""The index of the keys the rows are kept in order of, as `corpus_0005` made it."""


def _rewrite(partitioned: bool) -> None:
    """Write the item texts again, in key order, into a table partitioned by month or into one table."""
    op.execute("SET LOCAL maintenance_work_mem = '512MB'")
    op.execute("SET LOCAL work_mem = '256MB'")
    op.execute("DROP INDEX ix_corpus_item_texts_tsv")
    op.execute("ALTER TABLE corpus_item_texts RENAME TO corpus_item_texts_before")
    op.execute("ALTER INDEX corpus_item_texts_pkey RENAME TO corpus_item_texts_before_pkey")
    # Kept for the copy: rows nearly in key order are read in that order through it, not sorted.
    op.execute("ALTER INDEX ix_corpus_item_texts_search_key RENAME TO corpus_item_texts_before_search_key")
    op.execute(
        "CREATE TABLE corpus_item_texts (LIKE corpus_item_texts_before "
        "INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMPRESSION INCLUDING COMMENTS)"
        + (" PARTITION BY RANGE (search_key)" if partitioned else "")
    )
    if partitioned:
        months = sa.text("SELECT DISTINCT coalesce(month, :undated) FROM corpus_items")
        for (month,) in op.get_bind().execute(months, {"undated": UNDATED}).all():
            op.execute(create_partition(month))
    op.execute("INSERT INTO corpus_item_texts SELECT * FROM corpus_item_texts_before ORDER BY search_key")
    op.execute("DROP TABLE corpus_item_texts_before")
    op.execute(
        f"ALTER TABLE corpus_item_texts ADD PRIMARY KEY ({'id, search_key' if partitioned else 'id'}), "
        "ADD CONSTRAINT corpus_item_texts_id_fkey FOREIGN KEY (id) REFERENCES corpus_items (id)"
    )
    op.execute(KEYS)
    if not partitioned:
        op.execute("ALTER TABLE corpus_item_texts CLUSTER ON ix_corpus_item_texts_search_key")
    op.execute(GIN)
    op.execute("ANALYZE corpus_item_texts")


def upgrade() -> None:
    """Apply."""
    if op.get_bind().dialect.name == "postgresql":
        _rewrite(partitioned=True)


def downgrade() -> None:
    """Revert: one table again, in key order."""
    if op.get_bind().dialect.name == "postgresql":
        _rewrite(partitioned=False)
