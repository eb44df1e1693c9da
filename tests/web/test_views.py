"""The case page's pieces: records cut at the evidence spans, criteria grouped wherever the engine puts them."""

from __future__ import annotations

from openimr.web.views import Spans, criteria_groups, record_segments


def _criterion(criterion_id: str, *spans: tuple[int, int]) -> dict[str, object]:
    evidence = [{"document_id": "d1", "start": s, "end": e, "text": ""} for s, e in spans]
    return {"id": criterion_id, "text": f"Invented {criterion_id}.", "status": "met", "evidence": evidence}


def test_overlapping_spans_cut_the_record_and_each_start_has_an_element() -> None:
    segments, anchors = record_segments("abcdefghij", [("ev-1", 2, 6), ("ev-2", 4, 8), ("ev-3", 2, 3), ("ev-4", 30, 40)])
    assert "".join(text for text, _, _ in segments) == "abcdefghij"
    assert segments == [
        ("ab", "", None),
        ("c", "ev-1 ev-3", "ev-1"),
        ("d", "ev-1", None),
        ("ef", "ev-1 ev-2", "ev-2"),
        ("gh", "ev-2", None),
        ("ij", "", None),
    ]
    assert anchors == {"ev-1": "ev-1", "ev-3": "ev-1", "ev-2": "ev-2"}, "a span outside the text has no element"


def test_criteria_are_grouped_by_the_object_that_lists_them() -> None:
    item = {
        "request": "Sample",
        "criteria": [_criterion("a", (0, 3))],
        "indications": [{"name": "Invented indication", "criteria": [_criterion("b", (0, 3), (5, 9))]}],
    }
    spans = Spans()
    groups = criteria_groups(item, spans)
    assert [(g.label, [c.id for c in g.criteria]) for g in groups] == [(None, ["a"]), ("Invented indication", ["b"])]
    first, second = groups[0].criteria[0], groups[1].criteria[0]
    assert first.spans == "ev-1" and second.spans == "ev-1 ev-2"
    assert spans.in_document("d1") == [("ev-1", 0, 3), ("ev-2", 5, 9)]
