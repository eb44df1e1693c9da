"""Bulk loads: a load into an empty corpus (whose PostgreSQL GIN index is built at the end) leaves the index whole and
searchable, also when the load stops half-way; a word only in a letter's summary finds each of its items, and filters
narrow them. On SQLite and PostgreSQL; synthetic letters only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from openimr.corpus.filters import Filters
from openimr.corpus.ingest import add_records
from openimr.corpus.search import search
from openimr.corpus.store import Corpus
from openimr.model import Decision, Determination, ItemDetermination

SUMMARY = "Synthetic summary: the worker reports qzvarnish pain after a fall at work."


def _letter(n: int, summary: str = SUMMARY) -> Determination:
    return Determination(
        case_number=f"CM20-{n:07d}",
        decision_date=dt.date(2020, 5, 1) + dt.timedelta(days=n % 300),
        summary=summary,
        items=[
            ItemDetermination(
                request="Physical therapy, 6 sessions",
                decision=Decision.OVERTURNED,
                rationale="Synthetic rationale: a course of therapy is supported with plumbix progress.",
                topic="physical_therapy",
                category="physical_medicine",
            ),
            ItemDetermination(
                request="MRI of the lumbar spine",
                decision=Decision.UPHELD,
                rationale="Synthetic rationale: no red flags are documented.",
                topic="mri_lumbar",
                category="imaging",
            ),
        ],
    )


def _found(corpus: Corpus, query: str, filters: Filters | None = None) -> set[tuple[str | None, str]]:
    return {(hit.case_number, hit.item) for hit in search(corpus, query, filters, limit=200).hits}


def _gin_index(corpus: Corpus) -> int | None:
    """The object id of the items' GIN index, None when there is none."""
    with corpus.engine.connect() as connection:
        return connection.scalar(text("SELECT to_regclass('ix_corpus_item_texts_tsv')::oid"))


def test_a_word_only_in_the_summary_finds_every_item_of_its_letter(database_url: str) -> None:
    corpus = Corpus.open(database_url)
    add_records(corpus, [_letter(1), _letter(2, summary="Synthetic summary: a quiet fall.")])
    first = {("CM20-0000001", "Physical therapy, 6 sessions"), ("CM20-0000001", "MRI of the lumbar spine")}
    assert _found(corpus, "qzvarnish") == first
    assert "[qzvarnish]" in search(corpus, "qzvarnish").hits[0].snippet
    assert _found(corpus, "qzvarnish", Filters(decision=Decision.UPHELD)) == {("CM20-0000001", "MRI of the lumbar spine")}
    assert _found(corpus, "qzvarnish", Filters(topic="physical_therapy")) == {("CM20-0000001", "Physical therapy, 6 sessions")}
    assert _found(corpus, "qzvarnish", Filters(category="imaging", decision=Decision.OVERTURNED)) == set()
    assert _found(corpus, "qzvarnish", Filters(exclude_key="CM20-0000001")) == set()
    assert _found(corpus, "plumbix", Filters(decision=Decision.OVERTURNED)) == {
        ("CM20-0000001", "Physical therapy, 6 sessions"),
        ("CM20-0000002", "Physical therapy, 6 sessions"),
    }
    add_records(corpus, [_letter(1, summary="Synthetic summary: rewritten.")])
    assert _found(corpus, "qzvarnish") == set() and len(_found(corpus, "rewritten")) == 2
    corpus.close()


def test_a_bulk_load_that_stops_half_way_leaves_a_whole_index(database_url: str) -> None:
    corpus = Corpus.open(database_url)

    def letters() -> Iterator[Determination]:
        yield from (_letter(n) for n in range(1, 31))
        raise RuntimeError("the source of letters failed")

    with pytest.raises(RuntimeError, match="source of letters"):
        add_records(corpus, letters(), batch=10)
    assert corpus.counts() == (30, 60)
    assert len(_found(corpus, "qzvarnish", Filters(decision=Decision.UPHELD))) == 30
    if corpus.dialect == "postgresql":
        built = _gin_index(corpus)
        assert built is not None
        add_records(corpus, [_letter(31)])  # into a corpus with letters: the index stays as it is
        assert _gin_index(corpus) == built and len(_found(corpus, "plumbix")) == 31
    corpus.close()
