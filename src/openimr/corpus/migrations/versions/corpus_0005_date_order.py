"""PostgreSQL: the item texts stored in search-key order (newest decision first), each row with its key.

A search probes the GIN index month by month, intersecting the query's words with a month's tag. With the rows in the
order they were added (any date), a month's ~16,000 items of a million letters lie all over the table, so the GIN scan
steps through nearly every page of each word's posting tree to intersect them: a probe costs about the posting lists'
length, whatever it matches. With the rows in key order a month's items are one run of row addresses, and the scan
skips the rest of each posting tree; a probe then also reads the heap pages of one month, not of the whole table.

`corpus_item_texts.search_key` repeats `corpus_items.search_key` (the order to keep; `PostgresIndex.optimize` restores
it with CLUSTER after loads that leave the table out of order). The table is rewritten once, ordered, instead of keyed
in place and clustered (two rewrites): its GIN index is built again afterwards. SQLite: nothing to do (its FTS5 tables
are keyed by the search key already).

Revision ID: corpus_0005
Revises: corpus_0004
"""

from __future__ import annotations

from alembic import op

revision = "corpus_0005"
down_revision = "corpus_0004"
branch_labels = None
depends_on = None

GIN = "CREATE INDEX ix_corpus_item_texts_tsv ON corpus_item_texts USING gin (tsv) WITH (gin_pending_list_limit = 65536)"
"""The GIN index of the vectors, as `corpus_0001` made it."""


def upgrade() -> None:
    """Apply."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("SET LOCAL maintenance_work_mem = '512MB'")
    op.execute("SET LOCAL work_mem = '256MB'")
    op.execute("DROP INDEX ix_corpus_item_texts_tsv")
    op.execute("ALTER TABLE corpus_item_texts RENAME TO corpus_item_texts_unordered")
    op.execute("ALTER INDEX corpus_item_texts_pkey RENAME TO corpus_item_texts_unordered_pkey")
    op.execute(
        "CREATE TABLE corpus_item_texts (LIKE corpus_item_texts_unordered "
        "INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMPRESSION INCLUDING COMMENTS)"
    )
    op.execute("ALTER TABLE corpus_item_texts ADD COLUMN search_key bigint")
    op.execute(
        "INSERT INTO corpus_item_texts SELECT t.*, i.search_key FROM corpus_item_texts_unordered AS t "
        "JOIN corpus_items AS i ON i.id = t.id ORDER BY i.search_key"
    )
    op.execute("DROP TABLE corpus_item_texts_unordered")
    op.execute(
        "ALTER TABLE corpus_item_texts ALTER COLUMN search_key SET NOT NULL, ADD PRIMARY KEY (id), "
        "ADD CONSTRAINT corpus_item_texts_id_fkey FOREIGN KEY (id) REFERENCES corpus_items (id)"
    )
    op.execute("COMMENT ON COLUMN corpus_item_texts.search_key IS 'corpus_items.search_key: the order the rows are kept in.'")
    op.execute("CREATE INDEX ix_corpus_item_texts_search_key ON corpus_item_texts (search_key)")
    op.execute("ALTER TABLE corpus_item_texts CLUSTER ON ix_corpus_item_texts_search_key")
    op.execute(GIN)
    op.execute("ANALYZE corpus_item_texts")


def downgrade() -> None:
    """Revert (the rows stay in key order)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_corpus_item_texts_search_key")
    op.execute("ALTER TABLE corpus_item_texts DROP COLUMN search_key")
