"""Prior treatment: courses already given, with the sessions stated; requests and plans are not prior care."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.evidence.test_terms import ABSENT, PRESENT, _case, _facts

from openimr.evidence import gather_evidence
from openimr.evidence.prior_treatment import InjectionsTold, injections_told
from openimr.model import FactStatus


@pytest.mark.parametrize(
    ("text", "name", "sessions", "status"),
    [
        ("He has completed 8 sessions of physical therapy.", "physical therapy", "8", PRESENT),
        ("Treatment to date has included chiropractic care and acupuncture.", "chiropractic", "", PRESENT),
        ("She has not had physical therapy.", "physical therapy", "", ABSENT),
        ("He returned to modified work after 6 sessions of physical therapy.", "physical therapy", "6", PRESENT),
        ("Plantar fasciitis improved with 4 sessions of physical therapy.", "physical therapy", "4", PRESENT),
        ("She has never been in physical therapy.", "physical therapy", "", ABSENT),
        ("There has been no therapy for the left shoulder yet.", "physical therapy", "", ABSENT),
        ("He completed 12 sessions of therapy for the low back.", "physical therapy", "12", PRESENT),
        ("Acupuncture note, treatment 5 of 6: the neck is less stiff.", "acupuncture", "5", PRESENT),
        ("Physical therapy daily note (visit #7 of 8).", "physical therapy", "7", PRESENT),
        ("Psychotherapy sessions completed: 5 (March to April).", "psychotherapy", "5", PRESENT),
        # a range of sessions told from the first is the course so far; not a range of dates or a session's time
        ("Visits 1 through 8 of physical therapy focused on the shoulder.", "physical therapy", "8", PRESENT),
        ("Counseling sessions #1-#5 addressed sleep and avoidance.", "psychotherapy", "5", PRESENT),
        ("Acupuncture sessions 1-4/2016 were weekly.", "acupuncture", "", PRESENT),
        ("Counseling visits to date - six, with better sleep.", "psychotherapy", "6", PRESENT),
        ("She has done cognitive behavioral therapy x3 so far.", "psychotherapy", "3", PRESENT),
        ("Physical therapy visits: 2x/week since June.", "physical therapy", "", PRESENT),
        # a count after "x" in a sentence that says the course was had; not a frequency or a length
        ("Completed initial acupuncture x6 in January (1x/wk).", "acupuncture", "6", PRESENT),
        ("She had physical therapy x 8 for the knee.", "physical therapy", "8", PRESENT),
        ("He had physical therapy 2x/week x 6 weeks.", "physical therapy", "", PRESENT),
        # psychotherapies by their own names, and a course told by its length and frequency
        ("Trauma therapy: cognitive processing therapy, 12 sessions to date.", "psychotherapy", "12", PRESENT),
        ("She has had prolonged exposure therapy, 10 of 10 sessions attended.", "psychotherapy", "10", PRESENT),
        ("He has improved after 3 months of weekly therapy with the psychologist.", "psychotherapy", "13", PRESENT),
        ("She has been seeing a psychologist twice a week for the past six weeks.", "psychotherapy", "12", PRESENT),
        ("He had 8 weeks of twice-weekly physical therapy.", "physical therapy", "16", PRESENT),
        # a course told in blocks adds up; a total the sentence states is the course's
        ("She had six chiropractic visits in May, then 12 more visits over the summer.", "chiropractic", "18", PRESENT),
        ("Chiropractic: 18 visits in total since January.", "chiropractic", "18", PRESENT),
        ("He has attended 24 total physical therapy visits.", "physical therapy", "24", PRESENT),
        ("A trial of 6 chiropractic treatments, for a total of 12 treatments so far.", "chiropractic", "12", PRESENT),
        ("He completed 8 physical therapy visits; 6 additional visits are recommended.", "physical therapy", "8", PRESENT),
        # a course named by its size
        ("She finished a 6-visit trial of chiropractic care in March.", "chiropractic", "6", PRESENT),
        ("He went through a twelve session course of physical therapy.", "physical therapy", "12", PRESENT),
        ("Acupuncture was authorized as a four-treatment trial and completed in May.", "acupuncture", "4", PRESENT),
        ("She had eight sessions of acupuncture and four further sessions were authorized.", "acupuncture", "8", PRESENT),
        ("L shoulder steroid inj 3/2016 with brief relief.", "joint injection", "", PRESENT),
        ("Her knee was injected with triamcinolone twice last year.", "joint injection", "", PRESENT),
        # the injected corticosteroid named by its drug alone
        ("A Depo-Medrol 80 mg injection in the spring eased the pain for a week.", "joint injection", "", PRESENT),
        ("He had an intra-articular triamcinolone last autumn.", "joint injection", "", PRESENT),
        # a note's heading names the therapy and the line after it tallies the visits; not a line about something else
        ("Physical therapy progress report - right knee.\nVisits: 10 of 12 authorized.", "physical therapy", "10", PRESENT),
        ("Physical therapy re-evaluation, left shoulder.\nVisit 6 of 8. Pain 4/10.", "physical therapy", "6", PRESENT),
        ("She did physical therapy for the knee.\nPain 5/10 with 12 stairs.", "physical therapy", "", PRESENT),
    ],
)
def test_prior_treatment(text: str, name: str, sessions: str, status: FactStatus) -> None:
    facts = [f for f in _facts(text, name) if f.kind == "prior_treatment"]
    assert facts
    assert facts[0].value == sessions
    assert facts[0].status == status


@pytest.mark.parametrize(
    ("text", "sessions"),
    [
        # the visit of the note over the visits planned, as therapy notes tally them
        ("Physical therapy progress note, visit 5/12: shoulder elevation 140 degrees.", "5"),
        ("Acupuncture, tx #6/6. Low back less stiff.", "6"),
        ("PT re-eval visit 12/12, gains in motion and strength.", "12"),
        # not a date of the weeks before the note (10/20 of a note of 11/15), nor a pain score after a visit's word
        ("Physical therapy follow-up visit 10/20, still stiff.", ""),
        ("Pain with PT since the last visit 3/10.", ""),
        # a first number above the second is no tally
        ("Physical therapy visit 12/8 reviewed his exercises.", ""),
    ],
)
def test_a_therapy_note_tallies_its_visit(text: str, sessions: str) -> None:
    case = _case(text, dt.date(2016, 11, 15))
    facts = [f for f in gather_evidence(case).mentions(["physical therapy", "acupuncture"]) if f.kind == "prior_treatment"]
    assert facts
    assert facts[0].value == sessions


@pytest.mark.parametrize(
    "text",
    [
        "The request for authorization dated 11/30/2016 asked for physical therapy 2x4.",
        "Utilization review non-certified physical therapy.",
        "The treatment plan included physical therapy.",
        "Plan: start physical therapy twice a week for three weeks.",
        "Begin a course of physical therapy for the lumbar spine.",
        "Post-operative physical therapy is needed for the shoulder.",
        "She would benefit from a course of physical therapy.",
        "He needs physical therapy to regain motion.",
        "She is a good candidate for physical therapy.",
        "He was an excellent candidate for acupuncture.",
        "A request for authorization asked for acupuncture 2x3; physical therapy 2x3 for the neck and a home exercise program.",
    ],
)
def test_requested_or_planned_therapy_is_not_prior_treatment(text: str) -> None:
    assert not [f for f in _facts(text, "physical therapy") if f.kind == "prior_treatment" and f.status == PRESENT]


def test_pt_in_capitals_is_therapy_and_pt_is_the_patient() -> None:
    facts = [
        f
        for f in _facts("Pt reports low back pain. He has had PT without benefit.", "physical therapy")
        if f.kind == "prior_treatment"
    ]
    assert [(f.spans[0].text, f.status) for f in facts] == [("PT", PRESENT)]


def test_a_clause_with_a_verb_of_its_own_after_a_request_is_clinical() -> None:
    text = "Acupuncture was requested; she completed physical therapy in 2015."
    facts = [f for f in _facts(text, "physical therapy") if f.kind == "prior_treatment"]
    assert [f.status for f in facts] == [PRESENT]


def test_a_need_for_care_is_not_care_given_but_a_need_found_is_a_finding() -> None:
    """Rules kept to treatment kinds: "needs daily skilled nursing" documents the need itself."""
    facts = _facts("She needs daily skilled nursing and therapy.", "physical therapy")
    assert not [f for f in facts if f.kind == "prior_treatment" and f.status == PRESENT]
    started = [f for f in _facts("She started physical therapy in May.", "physical therapy") if f.kind == "prior_treatment"]
    assert [f.status for f in started] == [PRESENT]


@pytest.mark.parametrize(
    ("name", "status"),
    [("acupuncture", FactStatus.PLANNED), ("chiropractic", FactStatus.PLANNED), ("physical therapy", PRESENT)],
)
def test_care_a_plan_section_names_is_planned_unless_under_way(name: str, status: FactStatus) -> None:
    text = (
        "Subjective: neck pain since spring.\nPlan:\n1. Acupuncture 6 sessions, twice a week.\n"
        "2. Chiropractic care 6 visits.\n3. Continue physical therapy at home."
    )
    facts = [f for f in _facts(text, name) if f.kind == "prior_treatment"]
    assert [f.status for f in facts] == [status]


@pytest.mark.parametrize(
    ("name", "status"),
    [("psychotherapy", FactStatus.PLANNED), ("home exercise program", PRESENT)],
)
def test_each_order_of_a_plan_listed_with_semicolons_is_read_on_its_own(name: str, status: FactStatus) -> None:
    text = "History: low back pain.\nPlan: see pain psychology; psychotherapy 3 visits to start; continue the HEP."
    facts = [f for f in _facts(text, name) if f.kind == "prior_treatment"]
    assert [f.status for f in facts] == [status]


@pytest.mark.parametrize(
    ("text", "name", "status"),
    [
        ("S: knee pain.\nP: 1) knee steroid injection, then resume the home exercises.", "joint injection", FactStatus.PLANNED),
        ("Plan: lumbar ESI followed by continued physical therapy.", "epidural steroid injection", FactStatus.PLANNED),
    ],
)
def test_each_order_of_a_plan_told_in_sequence_is_read_on_its_own(text: str, name: str, status: FactStatus) -> None:
    """A word of care under way ("an injection, then resume therapy") is its own order's, the injection only planned."""
    facts = [f for f in _facts(text, name) if f.kind == "prior_treatment"]
    assert [f.status for f in facts] == [status]


@pytest.mark.parametrize(
    "text",
    [
        "FUNCTIONAL RESTORATION PROGRAM - MULTIDISCIPLINARY EVALUATION",
        "Chronic pain program - interdisciplinary assessment on 3/2.",
        "Functional restoration program (HELP) evaluation dated 5/1/16.",
        "The FRP team's initial screening was done in May.",
        "The functional restoration program staff recommend 80 hours.",
        "Functional restoration program recommendation: 10 full days.",
        "He is a good candidate for the functional restoration program.",
    ],
)
def test_a_program_named_as_what_an_evaluation_is_of_is_not_the_program_given(text: str) -> None:
    assert not [f for f in _facts(text, "functional restoration program") if f.status == PRESENT]


@pytest.mark.parametrize(
    "text",
    [
        "She completed the FRP; an evaluation of her gains followed.",
        "He attended the functional restoration program and was discharged after the evaluation.",
        "She completed the FRP in May 2015 per the QME evaluation.",
        "FRP week 2: the team recommends two more weeks.",
        "She completed the FRP and her doctor recommends a gym program.",
    ],
)
def test_a_program_attended_before_an_evaluation_is_the_program_given(text: str) -> None:
    assert [f.status for f in _facts(text, "functional restoration program")] == [PRESENT]


def test_a_corticosteroid_injected_into_a_muscle_is_not_a_joint_injection() -> None:
    facts = _facts("She was given a Kenalog 40 mg injection IM for the flare.", "joint injection")
    assert not [f for f in facts if f.kind == "prior_treatment"]


@pytest.mark.parametrize(
    ("sentence", "mention", "count", "dates"),
    [
        ("She had three prior cortisone injections to the shoulder.", "cortisone injections", 3, ()),
        ("Left knee steroid injection x2 last year.", "steroid injection", 2, ()),
        (
            "Injection history: subacromial CSI 3/2016, 6/2016, 9/2016, each with brief relief.",
            "CSI",
            None,
            (dt.date(2016, 3, 1), dt.date(2016, 6, 1), dt.date(2016, 9, 1)),
        ),
        (
            "Shoulder injections on 2/1/2016 and 5/3/2016.",
            "Shoulder injections",
            None,
            (dt.date(2016, 2, 1), dt.date(2016, 5, 3)),
        ),
        # a date that is not one of a list of injections: when the relief ended
        ("A steroid injection on 1/5/2016 gave relief until 4/2016.", "steroid injection", None, (dt.date(2016, 1, 5),)),
        ("Subacromial injection helped; seen again 4/2/2016.", "Subacromial injection", None, ()),
    ],
)
def test_injections_told(sentence: str, mention: str, count: int | None, dates: tuple[dt.date, ...]) -> None:
    start = sentence.index(mention)
    assert injections_told(sentence, start, start + len(mention)) == InjectionsTold(count, dates)


def test_a_corticosteroid_injection_by_its_abbreviation_is_an_injection_given() -> None:
    facts = _facts("Right shoulder CSI 5/2016 with good relief.", "joint injection")
    assert [f.status for f in facts] == [PRESENT]
