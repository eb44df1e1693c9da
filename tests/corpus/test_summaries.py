"""A word only in a letter's summary finds each of its items, filters narrow them to the items that pass, and a
replaced letter's old summary is found no more. On SQLite and PostgreSQL; synthetic letters only."""

from __future__ import annotations

import datetime as dt

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
