"""The level and side of an epidural injection against the radiculopathy it treats
(`openimr.review.checks.concordance`), on synthetic record snippets."""

from __future__ import annotations

import datetime as dt

import pytest

from openimr.evidence import gather_evidence
from openimr.model import Case, CaseDates, CriterionStatus, DisputedItem, Document, Patient
from openimr.requests import parse_disputed_item
from openimr.review.checks import CHECKS, CheckContext, Outcome

MET, NOT_MET, INSUFFICIENT = CriterionStatus.MET, CriterionStatus.NOT_MET, CriterionStatus.INSUFFICIENT
PARAMS = {
    "exam": ["neuro_deficit", "positive nerve tension sign", "radicular_sign", "paresthesia"],
    "testing": ["imaging_nerve_lesion", "edx_confirmed"],
}


def _outcome(text: str, request: str) -> Outcome:
    item = DisputedItem(request=request)
    case = Case(
        dates=CaseDates(injury=dt.date(2016, 1, 4), ur_decision=dt.date(2016, 11, 10)),
        patient=Patient(age=50),
        documents=[Document(id="note", text=text)],
        disputed_items=[item],
    )
    context = CheckContext(case=case, treatment=parse_disputed_item(item), evidence=gather_evidence(case))
    check = CHECKS["radicular_level_concordant"]
    return check(context, check.validate(PARAMS, "test"))


@pytest.mark.parametrize(
    ("text", "injection", "status"),
    [
        # the root named, the side and the level agree
        (
            "Decreased sensation in the left L5 dermatome. MRI showed a left L4-L5 protrusion compressing the L5 root.",
            "Left L4-L5 transforaminal epidural steroid injection",
            MET,
        ),
        # the root read from the reflex and the dermatome the finding names
        (
            "The right ankle jerk is absent. MRI showed a right L5-S1 herniation.",
            "Right L5-S1 transforaminal epidural steroid injection",
            MET,
        ),
        # findings on the right, a left-sided request
        (
            "Straight leg raise is positive on the right. MRI showed an L5-S1 herniation.",
            "Left L5-S1 transforaminal epidural steroid injection",
            NOT_MET,
        ),
        # S1 findings (ankle reflex, lateral foot), an injection and imaging at L4-L5
        (
            "The ankle reflex is diminished and sensation is decreased over the lateral foot. MRI showed an L4-5 foraminal "
            "protrusion.",
            "L4-L5 interlaminar epidural steroid injection",
            NOT_MET,
        ),
        # findings and request agree, the imaging is at another level: not corroboration
        (
            "Decreased sensation in the L3 dermatome. MRI revealed an L5-S1 herniation.",
            "L3-L4 transforaminal epidural steroid injection",
            NOT_MET,
        ),
        # a sign of the arm does not place a lumbar radiculopathy
        (
            "Numbness of the right thumb from carpal tunnel syndrome. Left leg pain with a decreased left ankle reflex. MRI "
            "showed a left L5-S1 herniation.",
            "Left L5-S1 transforaminal epidural steroid injection",
            MET,
        ),
    ],
)
def test_radicular_level_concordant(text: str, injection: str, status: CriterionStatus) -> None:
    assert _outcome(text, injection).status == status


def test_nothing_to_compare_is_silence() -> None:
    outcome = _outcome("Positive straight leg raise. MRI showed a disc herniation.", "Lumbar epidural steroid injection")
    assert (outcome.status, outcome.silent) == (INSUFFICIENT, True)
