"""Rendering writes the 2014+ layout, escapes case text, and words modified requests the way letters do."""

from __future__ import annotations

import datetime as dt

import pytest

from openimr.errors import OpenIMRError
from openimr.letters import parse_letter_text, render_letter
from openimr.letters.render import item_label
from openimr.model import Decision, Determination, ItemDetermination, Precedent, Reviewer


def _determination(**item: object) -> Determination:
    fields: dict[str, object] = {"request": "Sample cream 5% #1", "decision": Decision.UPHELD, "rationale": "Invented."}
    fields.update(item)
    return Determination(
        case_number="CM16-0000009",
        decision_date=dt.date(2016, 12, 21),
        reviewer=Reviewer(licensure=["California"], specialties=["Internal Medicine"]),
        summary="First invented paragraph.\n\nSecond invented paragraph.",
        items=[ItemDetermination.model_validate(fields)],
    )


def test_html_escapes_everything_from_the_case() -> None:
    hostile = '<script>alert("x")</script> & <b>bold</b>'
    d = _determination(request=f"Sample {hostile}", rationale=hostile)
    d = d.model_copy(update={"summary": hostile, "reviewer": Reviewer(licensure=[hostile], specialties=[hostile])})
    html = render_letter(d, "html").decode("utf-8")
    assert "<script>" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    again = parse_letter_text(html)
    assert again.summary == hostile and again.items[0].request == f"Sample {hostile}"


def test_markdown_escapes_its_own_markup() -> None:
    tricky = "Sample **bold** | pipe <b>tag</b> # hash \\ backslash"
    d = _determination(request=tricky, rationale=tricky)
    md = render_letter(d, "md").decode("utf-8")
    assert "**bold**" not in md
    again = parse_letter_text(md)
    assert again.items[0].request == tricky and again.items[0].rationale == tricky


def test_modified_request_wording_from_parts() -> None:
    d = _determination(
        request="Sample therapy 12 visits",
        original_request="Sample therapy 12 visits",
        authorized="Sample therapy 6 visits",
        disputed="Sample therapy 6 visits",
    )
    label = item_label(d.items[0])
    assert label == (
        "Sample therapy 12 visits was the original request. Sample therapy 6 visits was authorized by the Claims "
        "Administrator. The remaining IMR eligible portion of the original request, Sample therapy 6 visits"
    )
    for fmt in ("md", "txt", "html"):
        again = parse_letter_text(render_letter(d, fmt).decode("utf-8")).items[0]
        assert again.request == label and f"{label} is:" in render_letter(d, fmt).decode("utf-8").replace("**", "")
        assert (again.original_request, again.authorized, again.disputed) == (
            "Sample therapy 12 visits",
            "Sample therapy 6 visits",
            "Sample therapy 6 visits",
        )


def test_modified_request_left_eligible_wording() -> None:
    d = _determination(
        request="Sample chair", original_request="Sample chair", authorized="a sample chair for 1 month", disputed="Sample chair"
    )
    assert item_label(d.items[0]) == (
        "Sample chair was the original request. The Claims Administrator authorized a sample chair for 1 month, leaving "
        "the original request IMR eligible. The original request, Sample chair"
    )


def test_reviewer_with_subspecialty_uses_the_sentence() -> None:
    d = _determination().model_copy(
        update={
            "reviewer": Reviewer(
                licensure=["Texas", "Ohio"],
                specialties=["Physical Medicine and Rehabilitation"],
                subspecialty="Sample Subspecialty",
            )
        }
    )
    text = render_letter(d, "txt").decode("utf-8")
    assert "Board Certified in Physical Medicine and Rehabilitation, has a subspecialty in Sample Subspecialty" in text
    assert parse_letter_text(text).reviewer == d.reviewer


def test_empty_header_fields_stay_empty() -> None:
    d = _determination().model_copy(update={"case_number": None, "decision_date": None})
    for fmt in ("md", "txt", "html"):
        again = parse_letter_text(render_letter(d, fmt).decode("utf-8"))
        assert again.case_number is None and again.decision_date is None and again.priority is None


def test_pdf_is_a_pdf() -> None:
    pdf = render_letter(_determination(), "pdf")
    assert pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-64:]


def test_unknown_format() -> None:
    with pytest.raises(OpenIMRError, match="unknown letter format 'docx'"):
        render_letter(_determination(), "docx")


def _with_precedents() -> Determination:
    precedent = Precedent(
        case_number="CM16-0000001",
        date=dt.date(2016, 11, 2),
        item="Sample cream 10% #2",
        decision=Decision.OVERTURNED,
        snippet="…the invented [cream] was <b>tolerated</b>…",
        score=1.5,
    )
    d = _determination()
    item = d.items[0].model_copy(update={"precedents": [precedent], "precedent_summary": "3 similar past items: 33% overturned"})
    return d.model_copy(update={"items": [item]})


@pytest.mark.parametrize("fmt", ["md", "txt", "html"])
def test_precedents_follow_the_letter_and_reading_back_stops_before_them(fmt: str) -> None:
    d = _with_precedents()
    text = render_letter(d, fmt).decode("utf-8")
    assert text.index("IMR ISSUES, DECISIONS AND RATIONALES") < text.index("SIMILAR PAST DETERMINATIONS")
    assert "3 similar past items: 33% overturned" in text and "CM16-0000001" in text and "11/02/2016" in text
    again = parse_letter_text(text)
    assert again.items[0].rationale == d.items[0].rationale and again.items[0].precedents == []
    assert "CM16" not in again.items[0].rationale


def test_precedent_snippets_in_html_mark_matches_and_escape_the_rest() -> None:
    html = render_letter(_with_precedents(), "html").decode("utf-8")
    assert "<mark>cream</mark>" in html and "&lt;b&gt;tolerated&lt;/b&gt;" in html and "<b>tolerated" not in html


def test_a_draft_without_precedents_has_no_precedents_part() -> None:
    for fmt in ("md", "txt", "html"):
        assert "SIMILAR PAST DETERMINATIONS" not in render_letter(_determination(), fmt).decode("utf-8")
