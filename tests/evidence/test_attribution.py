"""Functional improvement and pain relief tied to the treatment their clause or sentence names (synthetic snippets)."""

from __future__ import annotations

import pytest

from openimr.evidence import extract_facts
from openimr.evidence.attribution import MEDICATIONS, attributed_treatments, treatment_classes
from openimr.model import Case, DisputedItem, Document


@pytest.mark.parametrize(
    ("sentence", "statement", "treatments"),
    [
        ("Her function improved with physical therapy.", "function improved", ["physical therapy"]),
        (
            "Since starting Percocet she can walk farther, with improved ability to walk.",
            "improved ability",
            ["oxycodone/acetaminophen"],
        ),
        ("She takes tramadol; her ADLs improved with chiropractic care.", "ADLs improved", ["chiropractic"]),
        ("Tramadol helps, but her ADLs improved with acupuncture.", "ADLs improved", ["acupuncture"]),
        ("He has functional improvement with his medication regimen.", "functional improvement", [MEDICATIONS]),
        ("The NSAIDs give him 40% relief.", "40% relief", ["NSAID"]),
        ("She reports improved function.", "improved function", []),
        # what the statement measures is not its cause
        ("Since the acupuncture she uses less medication.", "uses less medication", ["acupuncture"]),
        ("She reduced her tramadol use after acupuncture.", "reduced her tramadol use", ["acupuncture"]),
        ("She reduced her tramadol use.", "reduced her tramadol use", []),
        # after the statement, a treatment is its cause only through a word of cause or means
        ("The block helped; she went back to full duty with physical therapy.", "went back to full duty", ["physical therapy"]),
        # ... and otherwise only when nothing before it, in its sentence or the one before, names one
        ("She went back to full duty and finished a course of physical therapy.", "went back to full duty", ["physical therapy"]),
        (
            "Since the TFESI she went back to full duty and finished physical therapy.",
            "went back to full duty",
            ["epidural steroid injection"],
        ),
    ],
)
def test_attributed_treatments(sentence: str, statement: str, treatments: list[str]) -> None:
    start = sentence.index(statement)
    assert attributed_treatments(sentence, start, start + len(statement)) == treatments


def test_a_pain_score_before_a_drug_and_now_is_relief_from_the_drug() -> None:
    text = "Arm pain 8/10 before gabapentin -> 3/10 now. She takes tramadol at night."
    case = Case(documents=[Document(id="note", text=text)], disputed_items=[DisputedItem(request="Gabapentin 300mg #90")])
    facts = [f for f in extract_facts(case) if f.kind == "functional"]
    assert [(f.name, f.treatments) for f in facts] == [("pain relief", ["gabapentin"])]


def test_a_drug_counts_for_its_class() -> None:
    assert treatment_classes(["tramadol", "physical therapy"]) == {"tramadol", "opioid", "physical therapy"}


def test_functional_facts_carry_their_treatment() -> None:
    text = "Pain 8/10. Lyrica gives her 50% relief.\n\nShe reports improved function."
    case = Case(documents=[Document(id="note", text=text)], disputed_items=[DisputedItem(request="Lyrica 75mg #60")])
    facts = [f for f in extract_facts(case) if f.kind == "functional"]
    assert [(f.name, f.treatments) for f in facts] == [("pain relief", ["pregabalin"]), ("functional improvement", [])]


@pytest.mark.parametrize(
    ("text", "treatments"),
    [
        ("He completed six acupuncture treatments. Since then he can walk 30 minutes.", ["acupuncture"]),
        ("She started physical therapy in May. It has helped her return to modified work.", ["physical therapy"]),
        ("He completed six acupuncture treatments. He can now walk 30 minutes.", ["acupuncture"]),
        ("He completed six acupuncture treatments.\n\nHe can now walk 30 minutes.", []),
        ("He completed six acupuncture treatments. He lives alone. He can now walk 30 minutes.", []),
        # a drug whose use a statement measures is not the cause of the sentence's other statements
        (
            "She had a lumbar epidural injection in May. She reported 70% relief and took half as much Norco.",
            ["epidural steroid injection"],
        ),
        # the outcomes listed after the relief, one of them a drug stopped and another a course done since, are the
        # injection's
        (
            "Right L5-S1 TFESI on 2/1/2016. Relief 70% for ten weeks; she stopped Norco, returned to full duty and finished"
            " six visits of physical therapy.",
            ["epidural steroid injection"],
        ),
        # ... also when the amount cut is written as a dosing frequency
        (
            "Right L5-S1 TFESI on 2/1/2016 gave 70% relief. During that period she decreased Norco 10/325 from qid to"
            " 1/day and returned to regular duty.",
            ["epidural steroid injection"],
        ),
        # ... nor is a walking aid given up or exchanged for a lesser one
        (
            "He finished 12 sessions of physical therapy. He moved from a walker to a cane, "
            "and his walking tolerance increased from 10 to 30 minutes.",
            ["physical therapy"],
        ),
        # the visits a sentence counts are the course's, not an office visit that produced the gains
        (
            "She completed 12 sessions of physical therapy. Over the first 12 visits she moved from a walker to a cane.",
            ["physical therapy"],
        ),
        ("Acupuncture x6 done. Across those visits her sitting tolerance rose from 20 to 45 minutes.", ["acupuncture"]),
        # a count of visits, or the encounter a gain is documented at, names no treatment of its own
        (
            "She completed 8 sessions of acupuncture. With the first 8 visits she progressed from a walker to a cane"
            " and her walking tolerance increased from 10 to 25 minutes.",
            ["acupuncture"],
        ),
        (
            "He finished six chiropractic treatments. At the follow-up evaluation he is walking farther.",
            ["chiropractic"],
        ),
        ("She takes gabapentin nightly. It allows her to do her own shopping.", ["gabapentin"]),
        ("She takes gabapentin nightly. She reports that it lets her drive to work.", ["gabapentin"]),
        (
            "Per the note dated 04/02/2016, she takes gabapentin. Per the note dated 04/02/2016, it allows her to drive.",
            ["gabapentin"],
        ),
    ],
)
def test_a_statement_naming_no_treatment_takes_the_one_of_the_sentence_before(text: str, treatments: list[str]) -> None:
    """A statement whose sentence names no treatment is tied to the sentence just before it in its paragraph, whether it
    points back ("since then", "it has helped") or simply follows ("He can now walk 30 minutes.")."""
    case = Case(documents=[Document(id="note", text=text)], disputed_items=[DisputedItem(request="Acupuncture x6")])
    facts = [f for f in extract_facts(case) if f.kind == "functional"]
    assert facts
    assert all(f.treatments == treatments for f in facts), facts


@pytest.mark.parametrize(
    ("text", "treatments"),
    [
        ("Physical therapy progress note\nShe can now climb stairs without a rail.", ["physical therapy"]),
        ("Acupuncture re-evaluation, 5/2/2016\nNeck pain since March.\n\nHe has returned to regular duty.", ["acupuncture"]),
        ("Progress note\nShe can now climb stairs without a rail.", []),
        # a title naming the specialist's visit names where the results were seen, not their cause
        ("PAIN MANAGEMENT PROGRESS NOTE\nHistory: low back pain.\n\nHe has returned to regular duty.", []),
        ("Pain management re-evaluation, 5/2/2016\nNeck pain since March.\n\nShe can now climb stairs without a rail.", []),
        ("Lumbar strain from lifting.\nShe can now climb stairs without a rail.", []),
        # a title ended by a full stop, the note going on in the same line of text
        (
            "Occupational therapy progress note. Grip measured twice and the scar massaged as taught in clinic today, "
            "tolerated well overall. She can now do her own grocery shopping.",
            ["occupational therapy"],
        ),
        (
            "Acupuncture visit 6 of 6. Wrist and forearm rated at three of ten throughout the session and after it as "
            "well, with no bruising. He has returned to regular duty.",
            ["acupuncture"],
        ),
    ],
)
def test_a_note_by_the_treating_provider_is_about_its_treatment(text: str, treatments: list[str]) -> None:
    """A statement tied to nothing in its sentence or the one before is tied to the treatment its document's title
    names, the words that make the title a note's left out."""
    case = Case(documents=[Document(id="note", text=text)], disputed_items=[DisputedItem(request="Acupuncture x6")])
    facts = [f for f in extract_facts(case) if f.kind == "functional"]
    assert facts
    assert all(f.treatments == treatments for f in facts), facts


@pytest.mark.parametrize(
    ("kind", "treatments"),
    [
        ("procedure_report", ["lidocaine", "facet injection"]),
        ("procedure_note", ["lidocaine", "facet injection"]),
        ("operative_note", ["lidocaine", "facet injection"]),
        ("progress_report", []),
    ],
)
def test_a_procedure_report_is_about_its_procedure(kind: str, treatments: list[str]) -> None:
    """The relief a procedure report records, no treatment named, is the procedure's, which its first sentence names."""
    text = "Left L4-5 and L5-S1 medial branch blocks with lidocaine.\nBaseline 7/10. At one hour 1/10 (85% relief)."
    case = Case(documents=[Document(id="proc", type=kind, text=text)], disputed_items=[DisputedItem(request="RFA")])
    facts = [f for f in extract_facts(case) if f.kind == "functional"]
    assert [(f.name, f.treatments) for f in facts] == [("pain relief", treatments)]


@pytest.mark.parametrize(
    "text",
    [
        "Now taking tramadol 1/day, was 3/day. Carrying 25 lb (was 10 lb).",
        "Lifting on the FCE 30 lb, up from 15. He increased his work from 4 hours to 8 hours.",
        "She needs Norco 2/day, down from 4. Her walking tolerance increased from 10 to 30 minutes.",
    ],
)
def test_what_the_sentence_before_measures_is_not_the_cause(text: str) -> None:
    """The drug whose use the sentence before counts, or the test that measured its activity, is what that sentence
    measures: the next sentence's gain is not tied to it."""
    case = Case(documents=[Document(id="note", text=text)], disputed_items=[DisputedItem(request="Acupuncture x6")])
    after = [f for f in extract_facts(case) if f.kind == "functional" and f.spans[0].start > text.index(". ")]
    assert after
    assert all(f.treatments == [] for f in after), after
