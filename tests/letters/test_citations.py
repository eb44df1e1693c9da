"""Guideline lines of every shape letters use become normalised citations."""

from __future__ import annotations

from typing import Any

import pytest

from openimr.letters.citations import citation_keys, parse_guideline_line, split_sections
from openimr.model import Citation


def _c(
    mtus: bool,
    source: str,
    guideline: str = "",
    edition: str | None = None,
    sections: list[str] | None = None,
    pages: str | None = None,
) -> dict[str, Any]:
    return {
        "mtus": mtus,
        "source": source,
        "guideline": guideline,
        "edition": edition,
        "sections": sections or [],
        "pages": pages,
    }


def _shape(citations: list[Citation]) -> list[dict[str, Any]]:
    return [c.model_dump(exclude={"text"}) for c in citations]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "Decision based on MTUS Chronic Pain Treatment Guidelines Baclofen Page(s): 64.",
            [_c(True, "MTUS", "Chronic Pain Medical Treatment", sections=["Baclofen"], pages="64")],
        ),
        (
            "Decision based on MTUS Chronic Pain Treatment Guidelines Page(s): 63-66.",
            [_c(True, "MTUS", "Chronic Pain Medical Treatment", pages="63-66")],
        ),
        (
            "Decision based on MTUS Chronic Pain Treatment Guidelines Opioids.",
            [_c(True, "MTUS", "Chronic Pain Medical Treatment", sections=["Opioids"])],
        ),
        (
            "Decision based on MTUS ACOEM Chapter 12 Low Back Complaints Page(s): 301.",
            [_c(True, "MTUS", "Low Back Complaints", pages="301")],
        ),
        (
            "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Muscle relaxants (for pain).",
            [_c(True, "MTUS", "Chronic Pain Medical Treatment", "2016", ["Muscle relaxants (for pain)"])],
        ),
        (
            "Decision based on MTUS Chronic Pain Medical Treatment 2016 Guidelines, Section(s): Compound drugs.",
            [_c(True, "MTUS", "Chronic Pain Medical Treatment", "2016", ["Compound drugs"])],
        ),
        (
            "Decision based on MTUS Low Back Complaints 2004, Section(s): Special Studies.",
            [_c(True, "MTUS", "Low Back Complaints", "2004", ["Special Studies"])],
        ),
        ("Decision based on MTUS Acupuncture Treatment 2007.", [_c(True, "MTUS", "Acupuncture Treatment", "2007")]),
        (
            "Decision based on MTUS General Approaches 2004, Section(s): Initial Approaches to Treatment, and Knee Complaints "
            "2004, Section(s): Initial Care, Summary.",
            [
                _c(True, "MTUS", "General Approaches", "2004", ["Initial Approaches to Treatment"]),
                _c(True, "MTUS", "Knee Complaints", "2004", ["Initial Care", "Summary"]),
            ],
        ),
        (
            "Decision based on MTUS Elbow Complaints 2007, Section(s): Diagnostic Criteria, and Forearm, Wrist, and Hand "
            "Complaints 2004, Section(s): Special Studies.",
            [
                _c(True, "MTUS", "Elbow Complaints", "2007", ["Diagnostic Criteria"]),
                _c(True, "MTUS", "Forearm, Wrist, and Hand Complaints", "2004", ["Special Studies"]),
            ],
        ),
        (
            "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): NSAIDs (non-steroidal anti-inflammatory "
            "drugs), NSAIDs, GI symptoms & cardiovascular risk, TENS, chronic pain (transcutaneous electrical nerve "
            "stimulation), Topical analgesics, compounded.",
            [
                _c(
                    True,
                    "MTUS",
                    "Chronic Pain Medical Treatment",
                    "2016",
                    [
                        "NSAIDs (non-steroidal anti-inflammatory drugs)",
                        "NSAIDs, GI symptoms & cardiovascular risk",
                        "TENS, chronic pain (transcutaneous electrical nerve stimulation)",
                        "Topical analgesics, compounded",
                    ],
                )
            ],
        ),
        (
            "Decision based on MTUS Opioid Treatment 2016, Section(s): 3.3 Opioids for Chronic Pain: Initiating Treatment.",
            [_c(True, "MTUS", "Opioid Treatment", "2016", ["3.3 Opioids for Chronic Pain: Initiating Treatment"])],
        ),
        (
            "The Expert Reviewer based their decision on recommendation(s) outside of the MTUS Guidelines. Decision based on "
            "Non-MTUS Citation Official Disability Guidelines (ODG) Low Back Chapter, X-Ray.",
            [_c(False, "ODG", "Low Back", sections=["X-Ray"])],
        ),
        (
            "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Knee and Leg (Durable medical "
            "equipment (DME)).",
            [_c(False, "ODG", "Knee and Leg", sections=["Durable medical equipment (DME)"])],
        ),
        (
            "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Pain Section/Lidoderm (lidocaine patch) "
            "Topic.",
            [_c(False, "ODG", "Pain", sections=["Lidoderm (lidocaine patch)"])],
        ),
        (
            "Decision based on Non-MTUS Citation ODG guidelines, Neck and Upper back, MRI.",
            [_c(False, "ODG", "Neck and Upper Back", sections=["MRI"])],
        ),
        (
            "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Low back, Manipulation; Neck and Upper "
            "back, Manipulation.",
            [
                _c(False, "ODG", "Low Back", sections=["Manipulation"]),
                _c(False, "ODG", "Neck and Upper Back", sections=["Manipulation"]),
            ],
        ),
        (
            "Decision based on Non-MTUS Citation Official Disability Guidelines, 2016, Web Version, Criteria for skilled "
            "nursing facility.",
            [_c(False, "ODG", edition="2016", sections=["Criteria for skilled nursing facility"])],
        ),
        (
            "Decision based on MTUS Chronic Pain Treatment Guidelines Opioids Page(s): 74-80. Decision based on Non-MTUS "
            "Citation Other Medical Treatment Guideline or Medical Evidence: Title 8, California Code of Regulations, "
            "section 9792.20",
            [
                _c(True, "MTUS", "Chronic Pain Medical Treatment", sections=["Opioids"], pages="74-80"),
                _c(
                    False,
                    "Other Medical Treatment Guideline or Medical Evidence",
                    "Title 8, California Code of Regulations, section 9792.20",
                ),
            ],
        ),
        (
            "Decision based on Non-MTUS Citation A Sample Textbook of Hand Surgery, 6th ed, Chapter 17.",
            [_c(False, "A Sample Textbook of Hand Surgery, 6th ed, Chapter 17")],
        ),
        ("The Expert Reviewer did not cite any medical evidence for its decision.", []),
        ("", []),
    ],
)
def test_guideline_line_shapes(line: str, expected: list[dict[str, Any]]) -> None:
    assert _shape(parse_guideline_line(line)) == expected


def test_both_eras_name_the_same_part() -> None:
    old = parse_guideline_line(
        "Decision based on MTUS Chronic Pain Treatment Guidelines Muscle relaxants (for pain) Page(s): 63-66."
    )
    new = parse_guideline_line(
        "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Muscle relaxants (for pain)."
    )
    assert (old[0].guideline, old[0].sections) == (new[0].guideline, new[0].sections)


def test_citation_keeps_its_wording() -> None:
    (citation,) = parse_guideline_line("Decision based on MTUS Low Back Complaints 2004, Section(s): Special Studies.")
    assert citation.text == "MTUS Low Back Complaints 2004, Section(s): Special Studies"


def test_wrapped_line_reads_the_same() -> None:
    flat = parse_guideline_line("Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Office visits.")
    wrapped = parse_guideline_line("Decision based on MTUS Chronic Pain\n  Medical Treatment 2016,\nSection(s): Office visits.")
    assert flat == wrapped


@pytest.mark.parametrize(
    ("text", "sections"),
    [
        ("Special Studies, Summary", ["Special Studies", "Summary"]),
        (
            "Benzodiazepines, Benzodiazepine dependence, maintenance",
            ["Benzodiazepines", "Benzodiazepine dependence, maintenance"],
        ),
        ("CRPS, diagnostic tests, Psychological evaluations", ["CRPS, diagnostic tests", "Psychological evaluations"]),
        ("Antidepressants (for pain, sleep), Tricyclics", ["Antidepressants (for pain, sleep)", "Tricyclics"]),
        ("", []),
    ],
)
def test_split_sections(text: str, sections: list[str]) -> None:
    assert split_sections(text) == sections


def test_every_shared_letter_cites_what_its_line_says(gold_letters: list[Any]) -> None:
    for letter in gold_letters:
        for item in letter.parsed.items:
            line = item.maximus_guideline or ""
            mtus_mentions = line.count("Decision based on MTUS")
            assert sum(c.mtus for c in item.citations) >= mtus_mentions, letter.path.name
            if "did not cite" in line:
                assert item.citations == []
            for citation in item.citations:
                assert not citation.mtus or citation.guideline, (letter.path.name, line)


def test_2013_wording() -> None:
    (citation,) = parse_guideline_line(
        "The Expert Reviewer based his/her decision on the MTUS Chronic Pain Medical Treatment Guidelines, Sample topic, "
        "pages 63-66."
    )
    assert (citation.guideline, citation.sections, citation.pages) == (
        "Chronic Pain Medical Treatment",
        ["Sample topic"],
        "63-66",
    )
    assert parse_guideline_line("The Expert Reviewer based their decision on recommendation(s) outside of the MTUS.") == []


def test_citation_keys_compare_across_eras_and_spelling() -> None:
    letter = parse_guideline_line(
        "Decision based on MTUS Chronic Pain Treatment Guidelines Muscle Relaxants (for pain) Page(s): 63-66. Decision based "
        "on Non-MTUS Citation Official Disability Guidelines (ODG) Pain Chapter, Muscle relaxants (for pain)."
    )
    engine = parse_guideline_line(
        "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): muscle  relaxants (for pain)."
    )
    shared = citation_keys(letter) & citation_keys(engine)
    assert shared == {("mtus", "chronic pain medical treatment", "muscle relaxants (for pain)")}
    assert citation_keys(parse_guideline_line("Decision based on MTUS Acupuncture Treatment 2007.")) == {
        ("mtus", "acupuncture treatment", "")
    }
