"""The checks of the diagnostic-study, injection and equipment topics (`openimr.review.checks.diag`), on synthetic
record snippets: two findings documented together, the time since the last test or procedure, and how long a
complaint has lasted."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from openimr.errors import OpenIMRError
from openimr.evidence import gather_evidence
from openimr.model import Case, CaseDates, CriterionStatus, DisputedItem, Document, Patient
from openimr.requests import parse_disputed_item
from openimr.review.checks import CHECKS, CheckContext, Outcome

MET, NOT_MET, INSUFFICIENT = CriterionStatus.MET, CriterionStatus.NOT_MET, CriterionStatus.INSUFFICIENT
INJURY, UR = dt.date(2016, 1, 4), dt.date(2016, 11, 10)


def _outcome(check: str, params: dict[str, Any], text: str, request: str = "Urine drug screen") -> Outcome:
    item = DisputedItem(request=request)
    case = Case(
        dates=CaseDates(injury=INJURY, ur_decision=UR),
        patient=Patient(age=50),
        documents=[Document(id="note", text=text)],
        disputed_items=[item],
    )
    context = CheckContext(case=case, treatment=parse_disputed_item(item), evidence=gather_evidence(case))
    registered = CHECKS[check]
    return registered(context, registered.validate(params, "test"))


BOTH = {"any": ["neuro_deficit"], "also": ["imaging_nerve_lesion"]}
UDT_26 = {"facts": ["opioid_monitoring"], "min_weeks": 26}
UDT_4 = {"facts": ["opioid_monitoring"], "min_weeks": 4}
TPI_8 = {"procedures": ["trigger point injection"], "min_weeks": 8}


@pytest.mark.parametrize(
    ("text", "status", "silent"),
    [
        ("Decreased sensation in the L5 dermatome. MRI showed an L4-L5 disc herniation.", MET, False),
        ("Decreased sensation in the L5 dermatome. Low back pain.", INSUFFICIENT, False),
        ("There is no decreased sensation. MRI showed an L4-L5 disc herniation.", NOT_MET, False),
        ("Low back pain after lifting.", INSUFFICIENT, True),
    ],
)
def test_documented_both(text: str, status: CriterionStatus, silent: bool) -> None:
    outcome = _outcome("documented_both", BOTH, text)
    assert (outcome.status, outcome.silent) == (status, silent)


def test_documented_both_unless_another_diagnosis_is_suspected() -> None:
    text = "Decreased sensation in the L5 dermatome. MRI showed an L4-L5 disc herniation. Rule out diabetic neuropathy."
    assert _outcome("documented_both", BOTH, text).status == MET
    assert _outcome("documented_both", {**BOTH, "unless": ["peripheral_neuropathy"]}, text).status == NOT_MET


def test_documented_both_unless_planned() -> None:
    """An implant only planned is a new question only where `unless_planned` says a plan counts."""
    text = "A psychological evaluation was completed; she attends psychotherapy. An SCS trial is planned."
    params = {"any": ["psych_evaluation_done"], "also": ["psychotherapy"], "unless": ["psych_clearance_needed"]}
    assert _outcome("documented_both", params, text).status == MET
    assert _outcome("documented_both", {**params, "unless_planned": True}, text).status == NOT_MET


@pytest.mark.parametrize(
    ("text", "params", "status", "silent"),
    [
        ("He takes Norco. A urine drug screen on 3/2/2016 was consistent.", UDT_26, MET, False),
        ("He takes Norco. A urine drug screen on 9/20/2016 was consistent.", UDT_26, NOT_MET, False),
        ("A urine drug screen three weeks ago was consistent.", UDT_4, NOT_MET, False),
        ("Urine drug screens have been consistent.", UDT_4, INSUFFICIENT, False),
        ("He takes Norco for back pain.", UDT_4, INSUFFICIENT, True),
        ("He underwent trigger point injections on 10/1/2016.", TPI_8, NOT_MET, False),
        ("He underwent trigger point injections on 6/1/2016.", TPI_8, MET, False),
    ],
)
def test_time_since_last(text: str, params: dict[str, Any], status: CriterionStatus, silent: bool) -> None:
    outcome = _outcome("time_since_last", params, text)
    assert (outcome.status, outcome.silent) == (status, silent)


def test_time_since_last_needs_something_to_look_for() -> None:
    with pytest.raises(OpenIMRError, match="give facts or procedures"):
        CHECKS["time_since_last"].validate({"min_weeks": 4}, "test")


@pytest.mark.parametrize(
    ("text", "status", "silent"),
    [
        ("He has had insomnia for eight months.", MET, False),
        ("Insomnia since the injury.", MET, False),
        ("She reports insomnia for three weeks.", NOT_MET, False),
        ("He reports insomnia.", INSUFFICIENT, False),
        ("Low back pain.", INSUFFICIENT, True),
    ],
)
def test_lasted_at_least(text: str, status: CriterionStatus, silent: bool) -> None:
    outcome = _outcome("lasted_at_least", {"any": ["insomnia"], "min_weeks": 26}, text, request="Sleep study")
    assert (outcome.status, outcome.silent) == (status, silent)
