"""Search: each gold item is found by its request with its decision; filters narrow; snippets mark the matched words.
Run against a corpus of the shared letters on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.conftest import gold_letters

from openimr.corpus.filters import Filters
from openimr.corpus.index import HIGHLIGHT
from openimr.corpus.search import search
from openimr.corpus.store import Corpus
from openimr.errors import OpenIMRError
from openimr.model import Decision


def test_every_gold_item_is_found_by_its_request_with_its_decision(shared_corpus: Corpus) -> None:
    checked = 0
    for letter in gold_letters():
        if not letter.get("case_number"):
            continue
        for item in letter["items"]:
            phrase = item["item"].replace('"', " ")
            result = search(shared_corpus, f'"{phrase}"', limit=100)
            found = {(h.case_number, h.decision.value) for h in result.hits}
            assert (letter["case_number"], item["decision"]) in found, item["item"]
            checked += 1
    assert checked >= 215


def test_a_search_ranks_the_request_that_says_it_first(shared_corpus: Corpus) -> None:
    result = search(shared_corpus, "lumbar MRI", limit=10)
    assert result.hits and not result.more and result.ranked >= len(result.hits)
    top = result.hits[0]
    assert "lumbar" in top.item.lower() and "mri" in top.item.lower()
    scores = [h.score for h in result.hits]
    assert scores == sorted(scores, reverse=True)
    assert HIGHLIGHT[0] in top.snippet and HIGHLIGHT[1] in top.snippet


def test_filters_narrow(shared_corpus: Corpus) -> None:
    everything = search(shared_corpus, "therapy", limit=200)
    overturned = search(shared_corpus, "therapy", Filters(decision=Decision.OVERTURNED), limit=200)
    assert 0 < overturned.ranked < everything.ranked
    assert {h.decision for h in overturned.hits} == {Decision.OVERTURNED}
    assert len(overturned.hits) == sum(h.decision == Decision.OVERTURNED for h in everything.hits)

    january = Filters(start=dt.date(2017, 1, 1), end=dt.date(2017, 1, 31))
    dated = search(shared_corpus, "therapy", january, limit=200)
    assert 0 < dated.ranked < everything.ranked
    assert all(h.date and dt.date(2017, 1, 1) <= h.date <= dt.date(2017, 1, 31) for h in dated.hits)

    topic = search(shared_corpus, "therapy", Filters(topic="physical_therapy"), limit=200)
    assert topic.hits and {h.topic for h in topic.hits} == {"physical_therapy"}
    category = search(shared_corpus, "therapy", Filters(category="chiropractic"), limit=200)
    assert category.hits and {h.category for h in category.hits} == {"chiropractic"}

    specialty = search(shared_corpus, "therapy", Filters(specialty="family practice"), limit=200)
    assert 0 < specialty.ranked < everything.ranked


def test_exclusion_and_alternatives(shared_corpus: Corpus) -> None:
    either = search(shared_corpus, "acupuncture OR chiropractic", limit=200)
    one = search(shared_corpus, "acupuncture", limit=200)
    other = search(shared_corpus, "chiropractic", limit=200)
    assert max(one.ranked, other.ranked) < either.ranked <= one.ranked + other.ranked
    without = search(shared_corpus, "acupuncture -chiropractic", limit=200)
    assert without.ranked < one.ranked


def test_bad_queries_are_one_line_errors(shared_corpus: Corpus) -> None:
    with pytest.raises(OpenIMRError, match="nothing to search for"):
        search(shared_corpus, "the of and")
    with pytest.raises(OpenIMRError, match="nothing to search for"):
        search(shared_corpus, "-acupuncture")
    with pytest.raises(OpenIMRError, match="date range is empty"):
        Filters(start=dt.date(2017, 2, 1), end=dt.date(2017, 1, 1))
    assert search(shared_corpus, 'x-ray "10/325" #60 (quoted) NOT: AND*').hits is not None
