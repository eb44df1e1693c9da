"""What the record says became of a procedure: performed, certified, denied or planned (synthetic sentences)."""

from __future__ import annotations

import datetime as dt

import pytest

from openimr.evidence import gather_evidence
from openimr.evidence.procedures import ProcedureEvent, extract_procedure_events
from openimr.model import Case, CaseDates, DisputedItem, Document, Patient


def _events(text: str, document_type: str = "progress_report") -> list[tuple[str, str]]:
    case = Case(
        dates=CaseDates(injury=dt.date(2016, 1, 4), ur_decision=dt.date(2016, 11, 10)),
        patient=Patient(age=50),
        documents=[Document(id="note", type=document_type, text=text)],
        disputed_items=[DisputedItem(request="MRI of the lumbar spine")],
    )
    return [(f.name, f.value) for f in extract_procedure_events(case)]


@pytest.mark.parametrize(
    ("text", "event"),
    [
        ("She underwent a lumbar fusion at L4-L5 in 2014.", ProcedureEvent.PERFORMED),
        ("An L4-L5 lumbar fusion was done on 3/2/2015.", ProcedureEvent.PERFORMED),
        ("He would consider a lumbar fusion if a lesion is found.", ProcedureEvent.PLANNED),
        ("She is willing to have a lumbar fusion.", ProcedureEvent.PLANNED),
        ("A lumbar fusion is recommended.", ProcedureEvent.PLANNED),
        ("The lumbar fusion was non-certified by utilization review.", ProcedureEvent.DENIED),
        # a decision supposed or awaited is no decision
        ("The brace is requested now so that it is ready if the lumbar fusion is later approved.", ProcedureEvent.PLANNED),
        ("The lumbar fusion is pending authorization.", ProcedureEvent.PLANNED),
        ("The lumbar fusion was authorized, pending a surgery date.", ProcedureEvent.CERTIFIED),
        ("The brace is requested so that she is ready when the lumbar fusion is approved.", ProcedureEvent.PLANNED),
        ("Clearance is asked for now, for when the lumbar fusion gets authorized.", ProcedureEvent.PLANNED),
        # a note may drop the verb: the "when" clause still awaits the decision
        ("Labs now so that all is in order when lumbar fusion authorized.", ProcedureEvent.PLANNED),
        ("Will book the lumbar fusion when approved, per the patient's wish.", ProcedureEvent.PLANNED),
        # a decision the clause says has not been made is none
        ("No authorization of the lumbar fusion appears in the records.", ProcedureEvent.PLANNED),
        ("The lumbar fusion has not yet been approved.", ProcedureEvent.PLANNED),
        ("Authorization for the lumbar fusion has not been received.", ProcedureEvent.PLANNED),
        ("He is awaiting the lumbar fusion, scheduled without certification so far.", ProcedureEvent.PLANNED),
        # a "when" clause in the past tense tells of a decision made
        ("The brace was fitted when the lumbar fusion was approved.", ProcedureEvent.CERTIFIED),
        # the weeks since the operation say it was done
        ("Three weeks post right carpal tunnel release, the incision is healed.", ProcedureEvent.PERFORMED),
        ("He is 6 wks out from his lumbar fusion and walking daily.", ProcedureEvent.PERFORMED),
        # done on a past date, whatever the clause also says of its authorization
        ("S/p lumbar fusion 04/22/2016 (certified), staples in place.", ProcedureEvent.PERFORMED),
        ("Status post lumbar fusion (surgery 3/2/2016 authorized); the wound is healing.", ProcedureEvent.PERFORMED),
        # the postoperative day a note is written on
        ("POD 4 lumbar fusion, drain out, ambulating.", ProcedureEvent.PERFORMED),
        ("Seen on POD #10 after her carpal tunnel release.", ProcedureEvent.PERFORMED),
    ],
)
def test_the_clause_states_what_became_of_the_procedure(text: str, event: ProcedureEvent) -> None:
    events = _events(text)
    assert events and {value for _, value in events} == {event.value}, events


def test_a_month_named_may_is_not_a_possibility() -> None:
    events = _events("A lumbar fusion in May 2015 relieved the leg pain.")
    assert {value for _, value in events} == {ProcedureEvent.PERFORMED.value}


def test_a_ur_decision_states_only_its_own_certifications_and_denials() -> None:
    """The UR's retelling of the history is not evidence; what it certified or denied is."""
    retold = "The provider states that she underwent a lumbar fusion at L4-L5 in 2014 and a knee arthroscopy is planned."
    assert _events(retold) != []
    assert _events(retold, "ur_decision") == []
    decided = "The lumbar fusion is certified. The knee arthroscopy is non-certified."
    assert sorted(_events(decided, "ur_decision")) == [
        ("knee arthroscopy", ProcedureEvent.DENIED.value),
        ("spinal fusion", ProcedureEvent.CERTIFIED.value),
    ]


@pytest.mark.parametrize(
    ("text", "events"),
    [
        (
            "The lumbar MRI was non-certified and the right knee arthroscopy was certified.",
            [("MRI", ProcedureEvent.DENIED), ("knee arthroscopy", ProcedureEvent.CERTIFIED)],
        ),
        (
            "Previously UR approved the carpal tunnel release and the lumbar fusion was denied.",
            [("carpal tunnel release", ProcedureEvent.CERTIFIED), ("spinal fusion", ProcedureEvent.DENIED)],
        ),
        (
            "The lumbar MRI and the right knee arthroscopy were non-certified.",
            [("MRI", ProcedureEvent.DENIED), ("knee arthroscopy", ProcedureEvent.DENIED)],
        ),
    ],
)
def test_each_decision_a_sentence_reports_is_its_own_items(text: str, events: list[tuple[str, ProcedureEvent]]) -> None:
    assert _events(text) == [(name, event.value) for name, event in events]


def test_evidence_reads_the_events_asked_for_as_if_all_were_read() -> None:
    case = Case(
        dates=CaseDates(injury=dt.date(2016, 1, 4), ur_decision=dt.date(2016, 11, 10)),
        patient=Patient(age=50),
        documents=[
            Document(
                id="note",
                text="She underwent a lumbar fusion in 2014. An MRI of the lumbar spine was done on 3/2/2015. "
                "A repeat MRI is recommended. The knee arthroscopy was non-certified. Her mother had a lumbar fusion. "
                "A lumbar epidural steroid injection was certified on 5/1/2016.",
            )
        ],
        disputed_items=[DisputedItem(request="MRI of the lumbar spine")],
    )
    every = extract_procedure_events(case)
    assert {f.value for f in every} >= {ProcedureEvent.PERFORMED.value, ProcedureEvent.PLANNED.value}
    names = {f.name for f in every}
    for event in [*ProcedureEvent, None]:
        for named in [*({name} for name in names), None]:
            evidence = gather_evidence(case)
            asked = evidence.procedure_events(named, event)
            assert asked == [f for f in every if (named is None or f.name in named) and event in (None, f.value)]
            assert evidence.procedure_events() == every


def _operative_report_events(dated: dt.date, text: str) -> list[tuple[str, str, dt.date | None]]:
    case = Case(
        dates=CaseDates(injury=dt.date(2016, 1, 4), ur_decision=dt.date(2016, 11, 10)),
        documents=[Document(id="op", type="operative_report", date=dated, text=text)],
        disputed_items=[DisputedItem(request="Post-operative occupational therapy x4")],
    )
    return [(f.name, f.value, f.last_date) for f in extract_procedure_events(case)]


def test_an_operative_report_states_its_operation_done_on_its_date() -> None:
    """The surgeon's report of an operation is the record that it was performed, on the report's date, though its
    procedure line gives neither a date nor a verb; a progress note saying the same words states nothing done."""
    procedure_line = "Procedure: left open carpal tunnel release. The transverse carpal ligament was divided."
    assert _operative_report_events(dt.date(2016, 9, 1), procedure_line) == [
        ("carpal tunnel release", ProcedureEvent.PERFORMED.value, dt.date(2016, 9, 1))
    ]
    assert _events("Plan: left open carpal tunnel release.") == [("carpal tunnel release", ProcedureEvent.PLANNED.value)]


def test_a_procedure_note_states_its_operation_done_on_its_date() -> None:
    """A procedure note is the report of what was done that day, as an operative report is."""
    case = Case(
        dates=CaseDates(injury=dt.date(2016, 1, 4), ur_decision=dt.date(2016, 11, 10)),
        patient=Patient(age=50),
        documents=[
            Document(id="op", type="procedure_report", date=dt.date(2016, 9, 1), text="Procedure: L4-5 microdiscectomy.")
        ],
        disputed_items=[DisputedItem(request="Percocet 5/325mg #20")],
    )
    assert [(f.name, f.value, f.last_date) for f in extract_procedure_events(case)] == [
        ("spinal decompression", ProcedureEvent.PERFORMED.value, dt.date(2016, 9, 1))
    ]


def test_an_operative_report_recalling_the_authorization_states_the_operation_done() -> None:
    report = "Left carpal tunnel release (authorized 8/15/16). No complications."
    assert _operative_report_events(dt.date(2016, 9, 1), report) == [
        ("carpal tunnel release", ProcedureEvent.PERFORMED.value, dt.date(2016, 9, 1))
    ]


def test_an_operative_report_after_the_decision_is_no_operation_done_by_then() -> None:
    assert _operative_report_events(dt.date(2016, 12, 1), "Procedure: left carpal tunnel release.") == []


def _dated(text: str) -> list[tuple[str, str, dt.date | None]]:
    case = Case(
        dates=CaseDates(injury=dt.date(2012, 1, 4), ur_decision=dt.date(2016, 11, 10)),
        patient=Patient(age=50),
        documents=[Document(id="note", type="progress_report", text=text)],
        disputed_items=[DisputedItem(request="Norco 10/325mg #60")],
    )
    return [(f.name, f.value, f.last_date) for f in extract_procedure_events(case)]


@pytest.mark.parametrize(
    ("text", "date"),
    [
        # a year written right after the procedure is its own date, counted from the latest day it can be
        ("Chronic neck pain, s/p C5-6 ACDF 2013, with arm numbness.", dt.date(2013, 12, 31)),
        ("Status post L4-5 fusion in 2014 (failed back).", dt.date(2014, 12, 31)),
        # the year of the decision: its last day, after the decision (no time has passed since it)
        ("S/p right carpal tunnel release 2016, still numb.", dt.date(2016, 12, 31)),
        # a visit date heading the line is the visit's, not the operation's
        ("Pain clinic follow-up 10/20/2016\n55M chronic LBP s/p L4-S1 fusion 2014, cane.", dt.date(2014, 12, 31)),
        ("S/p L TKA 04/22/2016, seen again 6/1/2016.", dt.date(2016, 4, 22)),
        # a procedure done with it, written in between, shares its date
        ("Pain clinic follow-up 10/20/2016\n55M, s/p R shoulder arthroscopy/SAD 2014, stiff.", dt.date(2014, 12, 31)),
        ("Re-check 10/20/2016\n61F s/p L4-5 fusion and decompression in 2015, walks with a cane.", dt.date(2015, 12, 31)),
    ],
)
def test_the_date_written_after_a_procedure_is_its_own(text: str, date: dt.date) -> None:
    events = _dated(text)
    assert [(value, when) for _, value, when in events] == [(ProcedureEvent.PERFORMED.value, date)], events


def test_a_year_alone_does_not_make_a_mention_a_procedure_done() -> None:
    # "subsequent ... 2012" dates the operation, but only words of its doing make it one done
    assert _dated("He hurt the knee in 2011 and a meniscectomy 2012 is mentioned in the old notes.") == []


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("Chronic low back pain, s/p L4-5 lumbar fusion 2014.", dt.date(2014, 1, 1)),
        ("He underwent a lumbar fusion (2013) and has done poorly since.", dt.date(2013, 1, 1)),
        ("She had a lumbar fusion in 2015 and then a second opinion.", dt.date(2015, 1, 1)),
    ],
)
def test_a_surgery_dated_to_the_year(text: str, date: dt.date) -> None:
    case = Case(
        dates=CaseDates(injury=dt.date(2012, 1, 4), ur_decision=dt.date(2016, 11, 10)),
        documents=[Document(id="note", type="progress_report", text=text)],
        disputed_items=[DisputedItem(request="Norco 10/325mg #60")],
    )
    (event,) = extract_procedure_events(case)
    assert (event.value, event.date, event.date_precision) == (ProcedureEvent.PERFORMED, date, "year")
    assert event.last_date == dt.date(date.year, 12, 31)
    assert event.date_text == f"in {date.year}"


@pytest.mark.parametrize(
    "text",
    [
        # an order or what the study is for, after a report that dates and cites it
        "Per the report dated 3/2/2016, MRI of the lumbar spine to rule out a herniated disc.",
        "The PR-2 dated 3/2/2016 states lumbar MRI to r/o HNP.",
        "According to the progress note of 3/2/2016, an MRI of the lumbar spine to evaluate for stenosis.",
        "On 3/2/2016, the physician noted ongoing leg pain and ordered a lumbar MRI to rule out a disc herniation.",
        "Per the 3/2/2016 report, the patient was referred for a lumbar MRI to assess for nerve root compression.",
    ],
)
def test_a_study_ordered_after_a_report_stays_planned(text: str) -> None:
    assert _events(text) == [("MRI", ProcedureEvent.PLANNED.value)]


@pytest.mark.parametrize(
    "text",
    [
        # a study reported with what it found, or said to be done, is a study done, whatever it was for
        "MRI of the lumbar spine dated 3/2/2016 showed an L5-S1 disc protrusion.",
        "A lumbar MRI obtained on 3/2/2016 to rule out a disc herniation revealed a broad-based bulge.",
        "Per the report dated 4/2/2016, the MRI of the lumbar spine of 3/2/2016 demonstrated foraminal stenosis.",
        "The MRI report dated 3/2/2016 noted a disc extrusion at L4-5.",
        "She underwent a lumbar MRI in 2015 to evaluate the leg pain.",
    ],
)
def test_a_study_reported_with_its_findings_is_performed(text: str) -> None:
    assert _events(text) == [("MRI", ProcedureEvent.PERFORMED.value)]


@pytest.mark.parametrize(
    "text",
    [
        # a study whose result is negative, normal or unremarkable was done
        "MRI of the lumbar spine was negative.",
        "Lumbar MRI 3/2/2016: negative.",
        "Negative lumbar MRI in March 2016.",
        "The lumbar MRI came back unremarkable.",
        "The MRI of the low back was normal.",
    ],
)
def test_a_study_with_a_negative_result_is_performed(text: str) -> None:
    assert _events(text) == [("MRI", ProcedureEvent.PERFORMED.value)]


def test_a_study_not_done_is_no_study_performed() -> None:
    assert _events("No MRI of the lumbar spine has been done.") == []


@pytest.mark.parametrize(
    "text",
    [
        # a header or field line's date, with no full stop before the text, is the note's, not the surgery's
        "Date of service: 03/04/2016\nShe is status post right carpal tunnel release and has numbness.",
        "DOS 3/4/16\nS/p right carpal tunnel release, doing well.",
        "Progress Report 03/04/2016\nThe patient underwent right carpal tunnel release and reports stiffness.",
        "PROGRESS NOTE 03/04/2016 Patient had a right carpal tunnel release and now reports pillar pain.",
        "Orthopedic re-evaluation dated 03/04/2016: s/p right carpal tunnel release.",
    ],
)
def test_a_header_date_is_not_the_date_of_the_surgery_below_it(text: str) -> None:
    case = Case(
        dates=CaseDates(injury=dt.date(2015, 1, 4), ur_decision=dt.date(2016, 11, 10)),
        documents=[Document(id="note", type="progress_report", text=text)],
        disputed_items=[DisputedItem(request="Physical therapy 8 visits for the right wrist")],
    )
    assert [(f.name, f.value, f.date) for f in extract_procedure_events(case)] == [
        ("carpal tunnel release", ProcedureEvent.PERFORMED.value, None)
    ]


def test_an_operative_report_header_dates_its_operation() -> None:
    assert _dated("Operative report 03/04/2016: right carpal tunnel release.") == [
        ("carpal tunnel release", ProcedureEvent.PERFORMED.value, dt.date(2016, 3, 4))
    ]


@pytest.mark.parametrize(
    ("text", "events"),
    [
        (
            "The L4-5 laminectomy has been authorized, and the assistant surgeon was not approved.",
            [("spinal decompression", "certified"), ("assistant surgeon", "denied")],
        ),
        (
            "UR certified the right shoulder arthroscopy, and the MRI arthrogram was non-certified.",
            [("shoulder arthroscopy", "certified"), ("MRI", "denied"), ("arthrogram", "denied")],
        ),
        (
            "The preoperative labs were approved, and the L5-S1 fusion was non-certified.",
            [("spinal fusion", "denied")],
        ),
        (
            "The right shoulder arthroscopy with subacromial decompression and distal clavicle excision was certified.",
            [
                ("shoulder arthroscopy", "certified"),
                ("subacromial decompression", "certified"),
                ("distal clavicle excision", "certified"),
            ],
        ),
    ],
)
def test_one_items_decision_is_not_another_items(text: str, events: list[tuple[str, str]]) -> None:
    assert _events(text) == events
