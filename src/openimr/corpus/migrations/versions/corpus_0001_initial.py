"""Initial corpus: letters, items (narrow, for statistics), item texts, specialties, guidelines, and the full-text index.

SQLite: the FTS5 tables are one per decision year (`corpus_fts_<year>`, created by the first letter of that year,
listed in `corpus_fts_shards`) over the view `corpus_search_text`. PostgreSQL: `corpus_item_texts.tsv` under a GIN index.

Revision ID: corpus_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "corpus_0001"
down_revision = None
branch_labels = None
depends_on = None

SEARCH_VIEW = """
CREATE VIEW corpus_search_text AS
SELECT i.search_key AS search_key, t.request AS request, t.rationale AS rationale, l.summary AS summary, t.tags AS tags
FROM corpus_items AS i JOIN corpus_item_texts AS t ON t.id = i.id JOIN corpus_letters AS l ON l.id = i.letter_id
"""


def upgrade() -> None:
    """Apply."""
    op.create_table(
        "corpus_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False, comment="Case number, or a digest for a letter without one."),
        sa.Column("case_number", sa.String(length=40), nullable=True),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.Column("date_of_injury", sa.Date(), nullable=True),
        sa.Column("ur_denial_date", sa.Date(), nullable=True),
        sa.Column("application_received", sa.Date(), nullable=True),
        sa.Column("date_assigned", sa.Date(), nullable=True),
        sa.Column("priority", sa.String(length=20), nullable=True),
        sa.Column("layout", sa.String(length=40), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("reviewer", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column(
            "knowledge_version",
            sa.String(length=100),
            nullable=True,
            comment="Knowledge base that classified the items' topics.",
        ),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_corpus_letters_case_number", "corpus_letters", ["case_number"])
    op.create_table(
        "corpus_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("letter_id", sa.Integer(), sa.ForeignKey("corpus_letters.id"), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("search_key", sa.BigInteger(), nullable=False),
        sa.Column("overturned", sa.SmallInteger(), nullable=False, comment="1 Overturned, 0 Upheld."),
        sa.Column("topic", sa.String(length=100), nullable=True),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.Column("year", sa.SmallInteger(), nullable=True),
        sa.Column("month", sa.String(length=7), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("search_key"),
    )
    op.create_index("ix_corpus_items_letter_id", "corpus_items", ["letter_id"])
    # Covering indexes: statistics group items by these without reading the table.
    for column in ("year", "month", "topic", "category"):
        op.create_index(f"ix_corpus_items_{column}", "corpus_items", [column, "overturned"])
    op.create_table(
        "corpus_item_texts",
        sa.Column("id", sa.Integer(), sa.ForeignKey("corpus_items.id"), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("original_request", sa.Text(), nullable=True),
        sa.Column("authorized", sa.Text(), nullable=True),
        sa.Column("disputed", sa.Text(), nullable=True),
        sa.Column("claims_administrator_guideline", sa.Text(), nullable=True),
        sa.Column("maximus_guideline", sa.Text(), nullable=True),
        sa.Column("tags", sa.Text(), nullable=False, comment="Filter tags of the full-text index (see openimr.corpus.index)."),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "corpus_letter_specialties",
        sa.Column("letter_id", sa.Integer(), sa.ForeignKey("corpus_letters.id"), nullable=False),
        sa.Column("specialty", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("letter_id", "specialty"),
    )
    op.create_table(
        "corpus_item_guidelines",
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("corpus_items.id"), nullable=False),
        sa.Column("guideline", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("item_id", "guideline"),
    )
    op.create_table(
        "corpus_fts_shards",
        sa.Column("shard", sa.Integer(), autoincrement=False, nullable=False, comment="Decision year; 0 for undated letters."),
        sa.PrimaryKeyConstraint("shard"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("corpus_item_texts", sa.Column("tsv", postgresql.TSVECTOR(), nullable=False))
        op.execute(
            "CREATE INDEX ix_corpus_item_texts_tsv ON corpus_item_texts USING gin (tsv) WITH (gin_pending_list_limit = 65536)"
        )
    else:
        op.execute(SEARCH_VIEW)


def downgrade() -> None:
    """Revert."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        shards = [row[0] for row in bind.execute(sa.text("SELECT shard FROM corpus_fts_shards"))]
        for shard in shards:
            op.execute(f"DROP TABLE IF EXISTS corpus_fts_{shard}")
        op.execute("DROP VIEW IF EXISTS corpus_search_text")
    for table in (
        "corpus_fts_shards",
        "corpus_item_guidelines",
        "corpus_letter_specialties",
        "corpus_item_texts",
        "corpus_items",
        "corpus_letters",
    ):
        op.drop_table(table)
