"""Statistics: counts by year and by specialty equal counts made here from the gold files; Wilson intervals match
their textbook values; the groupings cover every item."""

from __future__ import annotations

from collections import Counter

import pytest
from tests.conftest import gold_date, gold_letters

from openimr.corpus.filters import Filters
from openimr.corpus.records import UNDATED, specialty_label
from openimr.corpus.stats import GROUPINGS, corpus_stats, wilson
from openimr.corpus.store import Corpus


def _gold_counts(key_of: str) -> tuple[Counter[str], Counter[str]]:
    totals: Counter[str] = Counter()
    overturned: Counter[str] = Counter()
    for letter in gold_letters():
        if key_of == "year":
            date = gold_date(letter.get("decision_date"))
            keys = [str(date.year) if date else UNDATED]
        else:
            keys = list(dict.fromkeys(" ".join(s.replace("&", " and ").split()) for s in letter["reviewer_specialty"]))
        for item in letter["items"]:
            for key in keys:
                totals[key] += 1
                overturned[key] += item["decision"] == "Overturned"
    return totals, overturned


@pytest.mark.parametrize("by", ["year", "specialty"])
def test_counts_equal_the_gold_files(shared_corpus: Corpus, by: str) -> None:
    table = corpus_stats(shared_corpus, by)  # type: ignore[arg-type]
    totals, overturned = _gold_counts(by)
    assert {g.group: g.items for g in table.groups} == dict(totals)
    assert {g.group: g.overturned for g in table.groups} == dict(overturned)
    all_items = sum(len(letter["items"]) for letter in gold_letters())
    all_overturned = sum(item["decision"] == "Overturned" for letter in gold_letters() for item in letter["items"])
    assert (table.items, table.overturned) == (all_items, all_overturned)
    for group in table.groups:
        assert group.ci_low <= group.rate <= group.ci_high
        assert group.rate == pytest.approx(group.overturned / group.items)


@pytest.mark.parametrize("by", GROUPINGS)
def test_every_grouping_covers_every_item(shared_corpus: Corpus, by: str) -> None:
    table = corpus_stats(shared_corpus, by)  # type: ignore[arg-type]
    grouped = sum(g.items for g in table.groups)
    if by in ("specialty", "guideline"):
        assert grouped >= table.items
    else:
        assert grouped == table.items
    if table.time:
        dated = [g.group for g in table.groups if g.group != UNDATED]
        assert dated == sorted(dated)
    else:
        assert [g.items for g in table.groups] == sorted((g.items for g in table.groups), reverse=True)


def test_filters_narrow_statistics(shared_corpus: Corpus) -> None:
    family = corpus_stats(shared_corpus, "year", Filters(specialty="Family Practice"))
    totals, _ = _gold_counts("specialty")
    assert family.items == totals[specialty_label("Family Practice")]
    topic = corpus_stats(shared_corpus, "topic", Filters(topic="physical_therapy"))
    assert [g.group for g in topic.groups] == ["physical_therapy"]


def test_wilson_interval_textbook_values() -> None:
    assert wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson(0, 1) == pytest.approx((0.0, 0.7935), abs=1e-4)
    assert wilson(20, 227) == pytest.approx((0.0578, 0.1322), abs=1e-4)
    assert wilson(0, 0) == (0.0, 1.0)
