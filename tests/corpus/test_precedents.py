"""Precedents: for the draft of each shared letter's case, no precedent is the letter itself when its case number
excludes it, the summary line counts the other same-topic items, and without the exclusion the letter finds itself."""

from __future__ import annotations

from collections import Counter

import pytest

from openimr.corpus.evaluate import case_from_letter
from openimr.corpus.precedents import PRECEDENTS, attach_precedents, find_precedents, summary_line
from openimr.corpus.store import Corpus
from openimr.model import Decision, Determination, ItemDetermination
from openimr.review import review_case


@pytest.fixture(scope="module")
def drafts(shared_records: list[Determination]) -> list[tuple[Determination, Determination]]:
    """(letter, the engine's draft of the case the letter describes) for every letter with a case number."""
    return [(letter, review_case(case_from_letter(letter))) for letter in shared_records if letter.case_number]


def test_a_letter_never_is_its_own_precedent(
    shared_corpus: Corpus, shared_records: list[Determination], drafts: list[tuple[Determination, Determination]]
) -> None:
    by_topic: Counter[tuple[str | None, str | None]] = Counter()
    overturned: Counter[tuple[str | None, str | None]] = Counter()
    for record in shared_records:
        for item in record.items:
            by_topic[(item.topic, record.case_number)] += 1
            overturned[(item.topic, record.case_number)] += item.decision == Decision.OVERTURNED
    listed = 0
    for letter, draft in drafts:
        attached = attach_precedents(draft, shared_corpus)
        for item in attached.items:
            assert letter.case_number not in {p.case_number for p in item.precedents}
            assert len(item.precedents) <= PRECEDENTS
            listed += len(item.precedents)
            if item.topic:
                others = sum(n for (topic, case), n in by_topic.items() if topic == item.topic and case != letter.case_number)
                over = sum(n for (topic, case), n in overturned.items() if topic == item.topic and case != letter.case_number)
                assert item.precedent_summary == summary_line(others, over)
    assert listed > 3 * len(drafts)


def test_without_the_exclusion_a_letter_finds_itself(
    shared_corpus: Corpus, drafts: list[tuple[Determination, Determination]]
) -> None:
    found = total = 0
    for letter, draft in drafts:
        for item, theirs in zip(draft.items, letter.items, strict=True):
            precedents, _ = find_precedents(shared_corpus, item, exclude_key=None)
            total += 1
            found += any(p.case_number == letter.case_number and p.item == theirs.request for p in precedents)
    assert found >= 0.9 * total


def test_same_topic_first_then_others(shared_corpus: Corpus) -> None:
    item = ItemDetermination(request="Cyclobenzaprine 7.5mg #60", decision=Decision.UPHELD, topic="cyclobenzaprine")
    precedents, line = find_precedents(shared_corpus, item)
    assert len(precedents) == PRECEDENTS and line.endswith("% overturned")
    assert all("cyclobenzaprine" in p.item.lower() or "flexeril" in p.item.lower() for p in precedents[:3])
    assert all("[" in p.snippet for p in precedents)


def test_without_a_corpus_the_draft_is_unchanged(drafts: list[tuple[Determination, Determination]]) -> None:
    _, draft = drafts[0]
    assert attach_precedents(draft, None) is draft
    assert all(item.precedents == [] and item.precedent_summary is None for item in draft.items)
