"""Rendering writes the 2014+ layout, escapes case text, and words modified requests the way letters do."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from pathlib import Path

import pytest

from openimr.documents import read_document
from openimr.errors import OpenIMRError
from openimr.letters import parse_letter, parse_letter_text, render_letter
from openimr.letters.layouts.html import html_paragraphs
from openimr.letters.render import item_label
from openimr.model import (
    Addressee,
    Decision,
    Determination,
    ItemDetermination,
    Letter,
    Organization,
    Precedent,
    Reviewer,
    Signature,
)


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


def _letter(signed: bool) -> Letter:
    determination = _determination(rationale="An invented rationale. " * 150 + "The request is not medically necessary.")
    return Letter(
        organization=Organization(
            name="Sample Review Services",
            short_name="SRS",
            address=["1 Invented Way", "Sampletown, CA 90000"],
            signatory="Medical Director",
        ),
        addressees=[
            Addressee(role="Injured Worker", name="Pat Sample", address=["2 Example Road", "Sampletown, CA 90001"]),
            Addressee(role="Employer", name="Sample Freight"),
        ],
        claim_number="CLM-0001",
        employee="Pat Sample",
        signature=Signature(signed_on=dt.date(2016, 12, 21)) if signed else None,
        determination=determination,
    )


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    return read_document(path).text


def test_a_letter_has_letterhead_addressees_identifiers_signature_and_appeal_rights() -> None:
    letter = _letter(signed=True)
    for fmt in ("md", "txt", "html"):
        rendered = render_letter(letter, fmt).decode("utf-8")
        if fmt == "html":
            rendered = "\n".join(html_paragraphs(rendered))
        text = " ".join(rendered.replace("**", "").replace("\\", "").split())
        for expected in (
            "Sample Review Services",
            "1 Invented Way",
            "Pat Sample",
            "2 Example Road",
            "Sample Freight",
            "Claim Number: CLM-0001",
            "Sample Review Services sent the complete case file",
            "SRS guideline:",
            "SIGNATURE OF THE EXPERT REVIEWER",
            "Electronically signed by the Expert Reviewer on 12/21/2016.",
            "Board Certified in Internal Medicine; licensed to practice in California.",
            "For Sample Review Services, Medical Director.",
            "RIGHT TO APPEAL",
            "Labor Code section 4610.6(h)",
            "procured by fraud",
        ):
            assert expected in text, (fmt, expected)
        assert "DRAFT" not in text, fmt
        assert "MAXIMUS" not in text, "the organization is the configured one"
        again = parse_letter_text(render_letter(letter, fmt).decode("utf-8"))
        assert again.model_copy(update={"layout": None}) == letter.determination, fmt


def test_a_pdf_letter_numbers_its_pages_and_reads_back(tmp_path: Path) -> None:
    letter = _letter(signed=True)
    text = _pdf_text(render_letter(letter, "pdf"), tmp_path)
    pages = re.findall(r"Case Number: CM16-0000009 Page (\d+) of (\d+)", text)
    assert len(pages) >= 2 and [int(n) for n, _ in pages] == list(range(1, len(pages) + 1))
    assert {int(total) for _, total in pages} == {len(pages)}
    again = parse_letter(tmp_path / "letter.pdf")
    assert again.items[0].rationale == letter.determination.items[0].rationale, "page footers are not part of the text"
    assert again.summary == letter.determination.summary


def test_an_unsigned_letter_is_marked_draft_on_every_page(tmp_path: Path) -> None:
    text = _pdf_text(render_letter(_letter(signed=False), "pdf"), tmp_path)
    document = read_document(tmp_path / "letter.pdf")
    starts = [*document.page_offsets, len(text)]
    assert len(document.page_offsets) >= 2
    assert all("DRAFT" in text[a:b] for a, b in itertools.pairwise(starts))
    assert "Not signed: this letter is a DRAFT" in " ".join(text.split())
    assert "DRAFT - NOT SIGNED" in render_letter(_letter(signed=False), "txt").decode("utf-8")


@pytest.mark.parametrize("label", ["MAXIMUS", "IMRO", "Acme-Review"])
def test_the_organization_guideline_line_reads_back_under_any_one_word_label(label: str) -> None:
    d = _determination(maximus_guideline="Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Opioids.")
    text = render_letter(d, "txt", Organization(short_name=label)).decode("utf-8")
    assert f"\n{label} guideline: Decision based on" in text
    assert parse_letter_text(text).items[0].maximus_guideline == d.items[0].maximus_guideline


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
def test_precedents_follow_the_draft_and_reading_back_stops_before_them(fmt: str) -> None:
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


@pytest.mark.parametrize("signed", [False, True])
def test_a_signed_letter_never_carries_precedents(signed: bool) -> None:
    letter = _letter(signed).model_copy(update={"determination": _with_precedents()})
    for fmt in ("md", "txt", "html"):
        text = render_letter(letter, fmt).decode("utf-8")
        assert ("SIMILAR PAST DETERMINATIONS" in text) is not signed
        assert parse_letter_text(text).items[0].rationale == "Invented."
