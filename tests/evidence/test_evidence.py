"""The evidence's lookups that read the record around a fact (synthetic records)."""

from __future__ import annotations

import datetime as dt

from openimr.evidence import gather_evidence
from openimr.model import Case, CaseDates, DisputedItem, Document, Fact, Patient, Span


def _case(*texts: str) -> Case:
    return Case(
        dates=CaseDates(injury=dt.date(2015, 3, 2), ur_decision=dt.date(2016, 6, 1)),
        patient=Patient(age=45),
        documents=[Document(id=f"note{index}", text=text) for index, text in enumerate(texts)],
        disputed_items=[DisputedItem(request="Naproxen 550mg #60")],
    )


def test_each_span_of_a_fact_comes_with_the_sentence_it_lies_in() -> None:
    first = "Low back pain since the fall. She takes naproxen 550 mg twice a day with some relief."
    second = "Plan: refill naproxen. Return in four weeks."
    evidence = gather_evidence(_case(first, second))
    naproxen = [fact for fact in evidence.of_kind("medication") if fact.name == "naproxen"]
    placed = [where for fact in naproxen for where in evidence.sentences_of(fact)]
    assert [where.sentence.text for where in placed] == [
        "She takes naproxen 550 mg twice a day with some relief.",
        "Plan: refill naproxen.",
    ]
    assert [where.from_span for where in placed] == ["naproxen 550 mg twice a day with some relief.", "naproxen."]
    assert [where.span.document_id for where in placed] == ["note0", "note1"]


def test_a_fact_with_several_spans_has_a_sentence_for_each() -> None:
    text = "Naproxen was started in May. The naproxen helps her walk."
    evidence = gather_evidence(_case(text))
    spans = [Span(document_id="note0", start=start, end=start + 8, text="naproxen") for start in (0, text.index("naproxen "))]
    fact = Fact(kind="medication", name="naproxen", spans=spans)
    assert [where.sentence.text for where in evidence.sentences_of(fact)] == [
        "Naproxen was started in May.",
        "The naproxen helps her walk.",
    ]


def test_a_span_outside_the_case_documents_has_no_sentence() -> None:
    evidence = gather_evidence(_case("She takes naproxen daily."))
    fact = Fact(kind="medication", name="naproxen", spans=[Span(document_id="elsewhere", start=0, end=8, text="naproxen")])
    assert evidence.sentences_of(fact) == []


def _osteoarthritis(evidence_text: str) -> list[set[str]]:
    """The sides the record places each osteoarthritis fact on."""
    evidence = gather_evidence(_case(evidence_text))
    return [evidence.sides_of(fact) for fact in evidence.mentions(["osteoarthritis"])]


def test_a_fact_lies_on_the_side_its_clause_names() -> None:
    assert _osteoarthritis("Osteoarthritis of the right knee; the left knee is normal.") == [{"right"}]


def test_a_fact_whose_clause_names_no_side_lies_on_the_sides_its_sentence_names() -> None:
    assert _osteoarthritis("XR L knee 9/2015: medial osteoarthritis with osteophytes.") == [{"left"}]


def test_a_fact_in_a_sentence_naming_no_side_lies_on_none() -> None:
    assert _osteoarthritis("Knee osteoarthritis on standing films.") == [set()]
