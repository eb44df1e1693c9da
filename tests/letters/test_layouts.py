"""Each layout reads synthetic letters written the way its real renderings are; bad text raises only `OpenIMRError`."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openimr.errors import OpenIMRError
from openimr.letters import parse_letter, parse_letter_text, render_letter
from openimr.model import Decision

SAMPLES = Path(__file__).parent / "samples"

# A synthetic 2016-17 letter as PDF text extraction gives it: wrapped lines keep a trailing space (or end in a word),
# a label wraps across a page break, a decision word sits on the next line, a modified request spans lines.
PDF_TEXT = (
    "Case Number: CM16-0000001\n"
    "Date Assigned: 12/01/2016 Date of Injury: 10/02/2016\n"
    "Decision Date: 12/30/2016 UR Denial Date: 11/03/2016\n"
    "Priority: Standard Application \nReceived: \n11/20/2016\n"
    "HOW THE IMR FINAL DETERMINATION WAS MADE\n"
    "MAXIMUS Federal Services sent the complete case file to an expert reviewer. He/she has no \n"
    "affiliation with the employer.\n"
    "The Expert Reviewer has the following credentials:\n"
    "State(s) of Licensure: California, Nevada\n"
    "Certification(s)/Specialty: Internal Medicine, Public Health & \nGeneral Preventive Medicine\n"
    "CLINICAL CASE SUMMARY\n"
    "The expert reviewer developed the following clinical case summary based on a review of the \n"
    "case file, including all medical records:\n"
    "The sample worker is an adult with an invented strain. Notes dated 10-30-\n2016 describe pain.\n"
    "A second paragraph of the invented summary.\n"
    "IMR ISSUES, DECISIONS AND RATIONALES\n"
    "The Final Determination was based on decisions for the disputed items/services set forth below:\n"
    "Sample gel 1% #1: Upheld\n"
    "Claims Administrator guideline: The Claims Administrator did not cite any medical evidence \nfor its decision.\n"
    "MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016, \nSection(s): Topical analgesics.\n"
    "Decision rationale: The invented rationale. The request is not medically necessary.\n"
    "Sample therapy six visits for the lower \nback: \nOverturned\n"
    "Claims Administrator guideline: Decision based on MTUS Low Back Complaints 2004.\n"
    "MAXIMUS guideline: Decision based on MTUS Low Back Complaints 2004, Section(s): Physical Methods.\n"
    "Decision rationale: The request is medically necessary.\n"
    "Sample rest 12 visits was the original request. Sample rest 6 visits was authorized by the\n"
    "Claims Administrator. The remaining IMR eligible portion of the original request, Sample rest 6 \n"
    "visits is: Upheld\n"
    "Claims Administrator guideline: The Claims Administrator did not cite any medical evidence for its decision.\n"
    "MAXIMUS guideline: The Expert Reviewer did not cite any medical evidence for its decision.\n"
    "Decision rationale: The request is not medically necessary."
)


def _plain(text: str) -> str:
    """The same letter the way the 2013-15 text renderings wrap it: a space ends every line but a hyphenated one, and
    blank lines sit between lines."""
    return "".join(f"{line.rstrip()}{'' if line.endswith('-') else ' '}\n\n" for line in text.split("\n"))


def _check_synthetic(text: str) -> None:
    d = parse_letter_text(text, source="synthetic")
    assert d.case_number == "CM16-0000001"
    assert (d.date_assigned, d.application_received) == (dt.date(2016, 12, 1), dt.date(2016, 11, 20))
    assert d.reviewer.licensure == ["California", "Nevada"]
    assert d.reviewer.specialties == ["Internal Medicine", "Public Health & General Preventive Medicine"]
    assert d.summary.startswith("The sample worker") and "10-30-2016" in d.summary
    assert [(i.request, i.decision) for i in d.items] == [
        ("Sample gel 1% #1", Decision.UPHELD),
        ("Sample therapy six visits for the lower back", Decision.OVERTURNED),
        (
            "Sample rest 12 visits was the original request. Sample rest 6 visits was authorized by the Claims "
            "Administrator. The remaining IMR eligible portion of the original request, Sample rest 6 visits",
            Decision.UPHELD,
        ),
    ]
    first, _, modified = d.items
    assert first.claims_administrator_guideline == "The Claims Administrator did not cite any medical evidence for its decision."
    assert first.citations[0].sections == ["Topical analgesics"]
    assert first.rationale == "The invented rationale. The request is not medically necessary."
    assert (modified.original_request, modified.authorized, modified.disputed) == (
        "Sample rest 12 visits",
        "Sample rest 6 visits",
        "Sample rest 6 visits",
    )
    assert modified.citations == []


def test_pdf_text_layout() -> None:
    _check_synthetic(PDF_TEXT)
    assert parse_letter_text(PDF_TEXT).layout == "dwc_2016"
    assert parse_letter_text(PDF_TEXT).summary.count("\n\n") == 1


def test_plain_text_layout_with_stray_blank_lines() -> None:
    _check_synthetic(_plain(PDF_TEXT))
    assert parse_letter_text(_plain(PDF_TEXT)).layout == "plain_text"


def test_markdown_layout() -> None:
    text = (
        "| | | | |\n|---|---|---|---|\n"
        "| <b>Case Number:</b> | CM14-0000002 | | |\n"
        "| <b>Date Assigned:</b> | 07/01/2014 | <b>Date of Injury:</b> | 01/02/2011 |\n"
        "| <b>Priority:</b> | Expedited | <b>Application Received:</b> | 06/09/2014 |\n\n"
        "### HOW THE IMR FINAL DETERMINATION WAS MADE\n\nThe expert reviewer is Board Certified in Physical Medicine and "
        "Rehabilitation and Pain Management and is licensed to practice in California.\n\n"
        "### CLINICAL CASE SUMMARY\n\nAn invented summary line one\nthat continues here.\n\n"
        "### IMR ISSUES, DECISIONS AND RATIONALES\n\n"
        "**Sample tablet 5 mg qty #30:** Upheld\n\n**Claims Administrator guideline:** None cited.\n\n"
        "**MAXIMUS guideline:** Decision based on MTUS Chronic Pain Treatment Guidelines Baclofen  \nPage(s): 64.\n\n"
        "**Decision rationale:** An invented rationale.\n"
    )
    d = parse_letter_text(text)
    assert d.layout == "markdown" and d.case_number == "CM14-0000002" and d.priority is not None
    assert d.priority.value == "Expedited" and d.decision_date is None
    assert d.reviewer.specialties == ["Physical Medicine and Rehabilitation", "Pain Management"]
    assert d.summary == "An invented summary line one that continues here."
    assert d.items[0].request == "Sample tablet 5 mg qty #30"
    assert d.items[0].maximus_guideline == "Decision based on MTUS Chronic Pain Treatment Guidelines Baclofen Page(s): 64."
    assert d.items[0].citations[0].pages == "64"


def test_notice_2013_layout() -> None:
    d = parse_letter(SAMPLES / "notice_2013.txt")
    assert d.layout == "notice_2013" and d.case_number == "CM13-0000001"
    assert (d.decision_date, d.date_of_injury) == (dt.date(2013, 9, 26), dt.date(2012, 1, 15))
    assert (d.application_received, d.ur_denial_date, d.notice_of_assignment_date) == (
        dt.date(2013, 8, 12),
        dt.date(2013, 8, 1),
        dt.date(2013, 8, 20),
    )
    assert d.reviewer.licensure == ["California", "Nevada"]
    assert d.reviewer.specialties == ["Physical Medicine and Rehabilitation", "Pain Management"]
    assert d.summary.startswith("Disclaimer:") and "invented injury" in d.summary
    assert [(i.request, i.decision) for i in d.items] == [
        ("Examplamine 10mg #60", Decision.UPHELD),
        ("Sample therapy 2 times a week for 3 weeks", Decision.OVERTURNED),
    ]
    first = d.items[0]
    assert first.claims_administrator_guideline is not None and first.claims_administrator_guideline.startswith("The Claims")
    assert (first.citations[0].guideline, first.citations[0].sections, first.citations[0].pages) == (
        "Chronic Pain Medical Treatment",
        ["Muscle Relaxants (for pain)"],
        "63-66",
    )
    assert first.rationale.endswith("not medically necessary and appropriate.")


def test_notice_2013_without_items_is_an_error() -> None:
    text = (SAMPLES / "notice_2013.txt").read_text(encoding="utf-8")
    with pytest.raises(OpenIMRError, match="missing its items"):
        parse_letter_text(text.split("1) Regarding")[0], source="cut.txt")


@pytest.mark.parametrize(
    ("cut", "problem"),
    [
        ("CLINICAL CASE SUMMARY", "missing its 'CLINICAL CASE SUMMARY' part"),
        ("HOW THE IMR FINAL DETERMINATION WAS MADE", "missing its 'HOW THE IMR FINAL DETERMINATION WAS MADE' part"),
        ("IMR ISSUES, DECISIONS AND RATIONALES", "missing its 'IMR ISSUES, DECISIONS AND RATIONALES' part"),
        ("Claims Administrator guideline:", "no disputed item with a decision"),
        ("Decision rationale:", "lacks its guideline or rationale fields"),
    ],
)
def test_letter_missing_a_section(cut: str, problem: str) -> None:
    with pytest.raises(OpenIMRError, match=problem) as caught:
        parse_letter_text(PDF_TEXT.replace(cut, "Something else:"), source="synthetic.pdf")
    assert str(caught.value).startswith("synthetic.pdf: ")


@pytest.mark.parametrize("text", ["Dear claimant, your invoice is attached.", "# Notes\n\nNothing here.\n", " \n\n"])
def test_not_a_letter(text: str) -> None:
    with pytest.raises(OpenIMRError, match=r"not a Final Determination Letter|empty letter"):
        parse_letter_text(text, source="other.txt")


_LETTER_WORDS = st.sampled_from(
    [
        "Case Number:",
        "CM16-0000001",
        "12/01/2016",
        "Priority:",
        "Standard",
        "HOW THE IMR FINAL DETERMINATION WAS MADE",
        "CLINICAL CASE SUMMARY",
        "IMR ISSUES, DECISIONS AND RATIONALES",
        ": Upheld",
        ": Overturned",
        " is: ",
        "Claims Administrator guideline:",
        "MAXIMUS guideline:",
        "Decision rationale:",
        "Decision based on MTUS",
        "Non-MTUS Citation",
        "Section(s):",
        "Page(s):",
        "was the original request.",
        "State(s) of Licensure:",
        "Certification(s)/Specialty:",
        "Board Certified in",
        "Notice of Independent Medical Review Determination",
        "1) Regarding the request for",
        "Rationale for the Decision:",
        "Medical Qualifications of the Expert Reviewer:",
        "Case Summary:",
        "| **x** |",
        "###",
        "**",
        "<html>",
        "\n",
        "\n\n",
        " ",
        ".",
        ",",
        "(",
        ")",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_LETTER_WORDS, st.text(max_size=12)), max_size=60).map("".join))
def test_no_text_raises_anything_but_openimr_error(text: str) -> None:
    try:
        parse_letter_text(text, source="fuzz")
    except OpenIMRError as error:
        assert "\n" not in str(error)


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_arbitrary_unicode_raises_only_openimr_error(text: str) -> None:
    with contextlib.suppress(OpenIMRError):
        parse_letter_text(text)


def test_bad_files_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "memo.txt"
    path.write_text("An unrelated memo.\n", encoding="utf-8")
    with pytest.raises(OpenIMRError, match=f"^{path}: not a Final Determination Letter"):
        parse_letter(path)


@pytest.mark.parametrize("fmt", ["md", "txt", "html"])
def test_notice_2013_renders_in_the_2014_layout(fmt: str) -> None:
    d = parse_letter(SAMPLES / "notice_2013.txt")
    again = parse_letter_text(render_letter(d, fmt).decode("utf-8"))
    # The 2014+ layout has no line for the date of the Notice of Assignment: that one field is not carried.
    assert again.notice_of_assignment_date is None
    expected = d.model_copy(update={"layout": again.layout, "source": None, "notice_of_assignment_date": None})
    assert again == expected
