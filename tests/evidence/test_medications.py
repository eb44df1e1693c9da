"""Medications: generic and class from brand names, since when as of the UR decision, first prescriptions."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.evidence.test_terms import _case, _facts

from openimr.evidence import extract_facts, gather_evidence
from openimr.evidence.medications import (
    FIRST_PRESCRIPTION,
    ONGOING_USE,
    PAST_COURSE,
    PRESCRIBED_NOW,
    same_drug,
    weeks_in_use,
)
from openimr.model import Document


def test_medication_since_when_as_of_the_ur_decision() -> None:
    text = "He has taken cyclobenzaprine since 1/17/2016 for spasm."
    facts = [f for f in extract_facts(_case(text, dt.date(2016, 11, 1))) if f.kind == "medication"]
    assert facts[0].name == "cyclobenzaprine"
    assert facts[0].date == dt.date(2016, 1, 17)
    assert weeks_in_use(facts[0], dt.date(2016, 11, 1)) == pytest.approx(41.0, abs=0.5)


@pytest.mark.parametrize(
    ("text", "weeks"),
    [
        # a year alone dates the use to the year: at least since its last day
        ("He has taken cyclobenzaprine since 2014 for spasm.", (dt.date(2016, 11, 1) - dt.date(2014, 12, 31)).days / 7),
        ("Cyclobenzaprine (started in 2015) is taken at night.", (dt.date(2016, 11, 1) - dt.date(2015, 12, 31)).days / 7),
        ("On cyclobenzaprine nightly, first prescribed in 2015.", (dt.date(2016, 11, 1) - dt.date(2015, 12, 31)).days / 7),
        # the year of the decision may have begun a week ago: no length of use can be told from it
        ("He has taken cyclobenzaprine since 2016 for spasm.", 0.0),
    ],
)
def test_medication_dated_to_the_year(text: str, weeks: float) -> None:
    (fact,) = [f for f in extract_facts(_case(text, dt.date(2016, 11, 1))) if f.kind == "medication"]
    assert fact.date_precision == "year"
    assert weeks_in_use(fact, dt.date(2016, 11, 1)) == pytest.approx(weeks)


@pytest.mark.parametrize("text", ["The provider notes he takes naproxen daily.", "Naproxen was started today."])
def test_a_ur_decision_retelling_a_medication_is_not_evidence(text: str) -> None:
    case = _case(text)
    assert [f.name for f in extract_facts(case) if f.kind == "medication"] == ["naproxen"]
    ur = case.model_copy(update={"documents": [Document(id="ur", type="ur_decision", text=text)]})
    assert [f.name for f in extract_facts(ur) if f.kind == "medication"] == []


def test_medication_in_a_request_sentence_is_not_current_use() -> None:
    assert not _facts("The RFA requested naproxen 550mg #60.", "naproxen")


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("Naprosyn was framed as a first-time request.", True),
        ("She was started on naproxen today for the flare.", True),
        ("Plan: start naproxen 500 mg twice a day.", True),
        ("He will begin naproxen after the visit.", True),
        ("Starting naproxen twice daily with food.", True),
        ("He started naproxen in 2015 and takes it daily.", False),
        # started at the visit the note reports, in its words for the visit or told in the present
        ("Naproxen is started at this visit for the flare.", True),
        ("At today's encounter naproxen 500 mg twice a day was initiated.", True),
        ("Begin naproxen today with food.", True),
        ("We are starting her on naproxen 500 mg twice daily.", True),
        ("Naproxen is being added to his regimen for the knee.", True),
        ("I will start naproxen once the labs are back.", True),
        # started at an earlier visit, or a start that is not the drug's
        ("Naproxen was started at the last visit and has helped.", False),
        ("Her pain is starting to settle on naproxen.", False),
        ("She will start physical therapy and continue naproxen 500 mg twice a day.", False),
        ("Started the home exercises today; takes naproxen with food.", False),
        ("Will begin acupuncture; remains on naproxen.", False),
        # a clause after a semicolon that opens with a trial is no plan line; a trial told as ended is no new start
        ("Hip OA; a trial of naproxen was stopped after it upset his stomach.", False),
        ("Trial of naproxen in 2015: stopped for heartburn.", False),
    ],
)
def test_first_prescription_is_marked(text: str, first: bool) -> None:
    facts = _facts(text, "naproxen")
    assert (facts[0].value == FIRST_PRESCRIPTION) is first


def test_brand_names_map_to_the_generic_and_class() -> None:
    evidence = gather_evidence(_case("Current medications include Norco and Flexeril."))
    assert {f.name for f in evidence.present(["opioid"])} == {"hydrocodone/acetaminophen"}
    assert {f.name for f in evidence.present(["muscle_relaxant"])} == {"cyclobenzaprine"}


def test_every_lexicon_drug_is_a_medication_fact() -> None:
    evidence = gather_evidence(_case("She takes Lyrica and Cymbalta; she stopped Ambien."))
    assert {f.name for f in evidence.present(["anti_epilepsy_drug"])} == {"pregabalin"}
    assert {f.name for f in evidence.present(["antidepressant"])} == {"duloxetine"}


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("hydrocodone", "hydrocodone/acetaminophen", True),
        ("oxycodone", "oxycodone/acetaminophen", True),
        # the other part of a combination is another drug: acetaminophen alone is not Norco
        ("acetaminophen", "hydrocodone/acetaminophen", False),
        ("tramadol/acetaminophen", "acetaminophen", False),
        ("naproxen", "ibuprofen", False),
        ("naproxen", "naproxen", True),
    ],
)
def test_same_drug(first: str, second: str, same: bool) -> None:
    assert same_drug(first, second) is same


@pytest.mark.parametrize(
    "text",
    [
        "Failed naproxen and acetaminophen.\n- Trial tramadol 50 mg every 6 hours as needed, #60.",
        "Plan: trial of tramadol 50 mg up to four a day; reassess in four weeks.",
        "We will trial tramadol 50 mg at bedtime.",
    ],
)
def test_a_plan_line_opening_with_a_trial_is_a_first_prescription(text: str) -> None:
    facts = _facts(text, "tramadol")
    assert facts and all(f.value == FIRST_PRESCRIPTION for f in facts), facts


@pytest.mark.parametrize(
    "text",
    [
        # a drug a review certified earlier is one the worker has been given
        "Norco has been certified on prior reviews.",
        "Tramadol was previously authorized for weaning.",
        "UR approved Norco #60 last month.",
        "Per the prior review, Norco 10/325 #60 was modified for a taper.",
    ],
)
def test_a_drug_certified_on_an_earlier_review_is_in_use(text: str) -> None:
    facts = [f for f in extract_facts(_case(text, dt.date(2016, 11, 1))) if f.kind == "medication"]
    assert facts and facts[0].status == "present"


@pytest.mark.parametrize(
    "text",
    [
        # a denial, a certification only supposed, or the decision on the request itself says nothing of use
        "Norco was non-certified on prior review.",
        "UR denied tramadol on 10/1/2016.",
        "The request for Norco #90 was modified to #60.",
        "Utilization review on 11/1/2016 modified Norco #120 to #60.",
    ],
)
def test_a_drug_denied_or_decided_now_is_not_in_use(text: str) -> None:
    assert not [f for f in extract_facts(_case(text, dt.date(2016, 11, 1))) if f.kind == "medication"]


@pytest.mark.parametrize(
    ("text", "now"),
    [
        # the clinician's act at the visit reported, or a start framed as a trial or titration: the request being written
        ("The physician prescribed gabapentin 300 mg three times daily with titration.", True),
        ("Dr. Lee started her on gabapentin at bedtime as a trial.", True),
        ("Gabapentin 100 mg was begun at night, titrating weekly.", True),
        # the titration told as its schedule, before the verb or after it
        ("Gabapentin 100 mg at bedtime, increasing to 300 mg, was prescribed with a recheck in a month.", True),
        ("The plan started gabapentin 100 mg, to increase by 100 mg a week to 300 mg three times daily.", True),
        ("Gabapentin was increased to 600 mg in 2015 and she still takes it.", False),
        ("The provider prescribed gabapentin on 10/20/2016.", True),
        # the clinician's act with an aside between the clinician and the verb
        ("The physician, at the pain specialist's suggestion, prescribed gabapentin 100 mg at night.", True),
        ("Her doctor, after reviewing the nerve study, started gabapentin with a recheck in a month.", True),
        ("The physician, as in 2014, prescribed gabapentin in 2014.", False),
        # written or handed out at this visit: a new supply, first or refill, as the rest of the record tells
        ("Gabapentin 300 mg #90 prescribed today.", True),
        ("At this appointment gabapentin 300 mg #90 was dispensed.", True),
        # placed before the visit: an earlier time, an old date, use since
        ("The physician prescribed gabapentin in 2014.", False),
        ("The provider prescribed gabapentin on 3/2/2016.", False),
        ("Dr. Lee started gabapentin two years ago and she still takes it.", False),
        ("Gabapentin was previously started as a trial and failed.", False),
        ("She takes gabapentin 300 mg three times daily.", False),
    ],
)
def test_a_prescription_written_at_the_visit_is_marked(text: str, now: bool) -> None:
    (fact,) = [f for f in extract_facts(_case(text, dt.date(2016, 11, 1))) if f.name == "gabapentin"]
    assert (fact.value == PRESCRIBED_NOW) is now, fact


@pytest.mark.parametrize(
    ("text", "status", "value"),
    [
        # a note's plan section names the drug being prescribed, over its lines, unless the clause speaks of use
        ("Plan: Heat and stretching.\nCyclobenzaprine 5 mg three times a day for 7 days, no refill.", "planned", None),
        ("P: Ice.\n  Cyclobenzaprine 5 mg at night #10.", "planned", None),
        ("Plan: Heat and stretching.\nContinue cyclobenzaprine 5 mg at night.", "present", ONGOING_USE),
        ("Plan: Heat.\nRefill cyclobenzaprine 5 mg at night.", "present", ONGOING_USE),
        ("Plan: continue cyclobenzaprine 5 mg at night.", "planned", ONGOING_USE),
        ("Medications: cyclobenzaprine 5 mg at night.", "present", None),
    ],
)
def test_a_drug_in_a_plan_section_is_planned_unless_in_use(text: str, status: str, value: str | None) -> None:
    (fact,) = [f for f in extract_facts(_case(text, dt.date(2016, 11, 1))) if f.name == "cyclobenzaprine"]
    assert fact.status == status
    assert fact.value == value or (value is None and fact.value == "muscle_relaxant"), fact


@pytest.mark.parametrize(
    ("text", "past"),
    [
        ("She had a short course of cyclobenzaprine in 2014.", True),
        ("He completed a 10-day course of Flexeril last year.", True),
        ("He had a brief Flexeril course after the injury.", True),
        ("Treatment has included naproxen and a short course of cyclobenzaprine.", True),
        ("He has taken cyclobenzaprine nightly for a year.", False),
        # a trial told with its span in the past, a drug that caused serious harm, a drug the new one replaces
        ("Cyclobenzaprine was used for 3 months with little benefit.", True),
        ("Cyclobenzaprine 2015 -> allergic reaction, hospitalized.", True),
        ("The physician is switching him from cyclobenzaprine to tizanidine.", True),
        ("The physician prescribed tizanidine in place of cyclobenzaprine.", True),
        ("Tizanidine 4 mg #30 prescribed today instead of cyclobenzaprine.", True),
        ("He has been using cyclobenzaprine for 3 months.", False),
        ("He has used cyclobenzaprine for two years.", False),
        ("Cyclobenzaprine causes drowsiness, which he manages by taking it at night.", False),
        # the serious harm told before the drug that caused it; not a drug taken now after an old harm
        ("Bleeding gastric ulcer in 2009 (on cyclobenzaprine), hospitalized.", True),
        ("GI bleed while taking cyclobenzaprine.", True),
        ("Anaphylaxis 2014, attributed to cyclobenzaprine.", True),
        ("Ulcer in 2010, now on cyclobenzaprine at night.", False),
        ("Anaphylaxis 2012 (cyclobenzaprine).", True),
        ("Cyclobenzaprine-induced angioedema in 2013.", True),
        ("Anaphylaxis (on cyclobenzaprine now, tolerated).", False),
        # a drug not tolerated, or a trial ended by its side effect or its failure; not one taken now despite them
        ("A cyclobenzaprine trial caused morning grogginess.", True),
        ("She tried cyclobenzaprine without benefit.", True),
        ("Could not tolerate cyclobenzaprine (dizziness).", True),
        ("Cyclobenzaprine intolerance (dry mouth).", True),
        ("Cyclobenzaprine was tried last spring without any effect.", True),
        ("Cyclobenzaprine trialed in 2015, drowsy, discontinued.", True),
        ("He continues cyclobenzaprine although the trial caused some drowsiness.", False),
        # a course whose length and date place its end long before the UR decision (11/2016); not one that may run
        # into its last weeks, one still taken, or one whose length is only a lower bound
        ("Last muscle relaxant: cyclobenzaprine x 1 wk in 2013.", True),
        ("Cyclobenzaprine for ten days (03/2015) after a fall.", True),
        ("Cyclobenzaprine x 3 months, started 07/2016.", False),
        ("Cyclobenzaprine since 2014, x 2 years.", False),
        ("Cyclobenzaprine for over a year, from 2014.", False),
        ("Cyclobenzaprine in 2015 gave relief for eight months.", False),
        ("Cyclobenzaprine is tolerated and helps him sleep.", False),
    ],
)
def test_a_course_taken_and_finished_is_marked(text: str, past: bool) -> None:
    (fact,) = [f for f in extract_facts(_case(text, dt.date(2016, 11, 1))) if f.name == "cyclobenzaprine"]
    assert (fact.value == PAST_COURSE) is past, fact


@pytest.mark.parametrize(
    "text",
    [
        "UDS negative for the prescribed hydrocodone.",
        "The tox screen did not detect prescribed hydrocodone.",
        "Urine drug screen on 3/1 was negative for hydrocodone, which he is prescribed.",
        "LC/MS confirmation: hydrocodone NOT DETECTED; she takes it four times a day.",
        "The toxicology report showed no hydrocodone although he is prescribed Norco.",
    ],
)
def test_a_prescribed_drug_a_drug_test_did_not_find_is_prescribed_and_the_result_inconsistent(text: str) -> None:
    evidence = gather_evidence(_case(text))
    assert [(f.name, f.status) for f in evidence.mentions(["hydrocodone"])] == [("hydrocodone", "present")]
    assert evidence.present(["unexpected_drug_test"])


def test_a_laboratory_drug_test_is_read_as_a_test_from_the_drug_test_words() -> None:
    text = "The saliva specimen did not detect the hydrocodone she is prescribed."
    evidence = gather_evidence(_case(text))
    assert [(f.name, f.status) for f in evidence.mentions(["hydrocodone"])] == [("hydrocodone", "present")]
    assert not [f for f in extract_facts(_case("Oral fluid immunoassay: alprazolam not detected.")) if f.kind == "medication"]


@pytest.mark.parametrize(
    "text",
    ["Urine drug screen negative for benzodiazepines.", "Toxicology: alprazolam not detected, cocaine not detected."],
)
def test_a_drug_a_test_did_not_find_says_nothing_of_its_use(text: str) -> None:
    assert not [f for f in extract_facts(_case(text)) if f.kind == "medication"]


def test_a_drug_not_taken_is_still_negated_beside_a_drug_test() -> None:
    text = "He has not taken Norco for a month; a urine screen was sent."
    (fact,) = [f for f in extract_facts(_case(text)) if f.kind == "medication"]
    assert fact.status == "absent"


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("Gabapentin has been authorized, and Lyrica was not approved.", [("gabapentin", "present")]),
        ("UR certified the omeprazole, and the cyclobenzaprine was denied.", [("omeprazole", "present")]),
        ("UR certified the omeprazole and denied the cyclobenzaprine.", [("omeprazole", "present")]),
        ("Tramadol was certified by UR on 3/2/2016, and gabapentin was non-certified.", [("tramadol", "present")]),
        # without a comma: the part before "and" has its own decision, the part after another
        ("Lyrica was not approved and gabapentin has been authorized.", [("gabapentin", "present")]),
        ("Tramadol was certified by UR on 3/2/2016 and gabapentin was non-certified.", [("tramadol", "present")]),
        # "and" joining two items of one decision
        ("Tramadol and gabapentin were non-certified.", []),
        ("The Soma was not certified.", []),
    ],
)
def test_a_drug_certified_is_given_and_a_drug_denied_beside_it_is_not(text: str, facts: list[tuple[str, str]]) -> None:
    found = [(f.name, f.status) for f in extract_facts(_case(text)) if f.kind == "medication"]
    assert found == facts


@pytest.mark.parametrize(
    ("text", "now"),
    [
        # the drug a switch moves to is the prescription written now, wherever the switch stands in its sentence
        ("Knee pain persists; we are switching from meloxicam to celecoxib 200 mg daily for dyspepsia.", True),
        ("Because of heartburn I am changing him from naproxen to celecoxib today.", True),
        ("He was switched today from naproxen to celecoxib.", True),
        # a switch told as made before, or the drug in use since
        ("She was switched from naproxen to celecoxib in 2014 and still takes it.", False),
        ("He was switched from naproxen to celecoxib last year.", False),
    ],
)
def test_the_drug_a_switch_moves_to_is_prescribed_now(text: str, now: bool) -> None:
    (fact,) = [f for f in extract_facts(_case(text, dt.date(2016, 11, 1))) if f.name == "celecoxib"]
    assert (fact.value == PRESCRIBED_NOW) is now, fact


@pytest.mark.parametrize(
    ("text", "now"),
    [
        # a drug listed under a lead-in for the time after an operation is the prescription for after it
        ("Knee arthroscopy certified.\nMedications for after surgery:\n- Norco 5/325 1 q6h prn #30\n", True),
        ("ACL reconstruction scheduled.\nPost-op Rx:\n1. hydrocodone/APAP 5/325 #20\n2. ondansetron 4 mg #6\n", True),
        # one the list says is in use is taken now; a list of current medications is what the worker takes
        ("Post-op medications:\n- continue Norco 5/325 twice a day\n", False),
        ("Current medications:\n- Norco 5/325 1 q6h prn\n", False),
    ],
)
def test_a_drug_listed_for_after_the_operation_is_prescribed_now(text: str, now: bool) -> None:
    (fact, *_) = [f for f in extract_facts(_case(text, dt.date(2016, 11, 1))) if f.name == "hydrocodone/acetaminophen"]
    assert (fact.value == PRESCRIBED_NOW) is now, fact
