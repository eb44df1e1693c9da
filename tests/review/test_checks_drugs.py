"""The checks the drug topics added: `relief_documented` (pain relief from a drug already taken, at a threshold when
the record quantifies it)."""

from __future__ import annotations

import datetime as dt

import pytest

from openimr.evidence import gather_evidence
from openimr.model import Case, CaseDates, CriterionStatus, DisputedItem, Document, Patient
from openimr.requests import parse_disputed_item
from openimr.review.checks import CHECKS, CheckContext, Outcome

MET, NOT_MET, INSUFFICIENT = CriterionStatus.MET, CriterionStatus.NOT_MET, CriterionStatus.INSUFFICIENT
FAMILY = {"percent": 30, "family": ["gabapentin", "medications"]}


def _check(name: str, params: dict[str, object], text: str, request: str) -> Outcome:
    item = DisputedItem(request=request)
    case = Case(
        dates=CaseDates(injury=dt.date(2013, 1, 4), ur_decision=dt.date(2016, 11, 10)),
        patient=Patient(age=50),
        documents=[Document(id="note", type="progress_report", text=text)],
        disputed_items=[item],
    )
    context = CheckContext(case=case, treatment=parse_disputed_item(item), evidence=gather_evidence(case))
    return CHECKS[name](context, CHECKS[name].validate(params, "test"))


def _relief(text: str, request: str = "Gabapentin 600mg three times a day #90") -> Outcome:
    return _check("relief_documented", FAMILY, text, request)


@pytest.mark.parametrize(
    ("text", "status", "silent"),
    [
        ("Gabapentin gives her 50% relief of the burning pain.", MET, False),
        ("With gabapentin his pain is reduced and he sleeps better.", MET, False),
        ("Gabapentin gives only 20% relief of the leg pain.", NOT_MET, False),
        ("With her medications she reports 10% relief.", NOT_MET, False),
        ("She reports 60% relief from physical therapy; she also takes gabapentin.", INSUFFICIENT, True),
        ("Lumbar radiculopathy with burning leg pain.", INSUFFICIENT, True),
    ],
)
def test_relief_documented(text: str, status: CriterionStatus, silent: bool) -> None:
    outcome = _relief(text)
    assert (outcome.status, outcome.silent) == (status, silent), outcome.note


def test_unquantified_relief_says_so() -> None:
    assert "not quantified" in _relief("With gabapentin his pain is reduced.").note


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("He takes naproxen 500 mg twice a day for the knee.", MET),
        ("Plan: start meloxicam 7.5 mg daily with omeprazole.", MET),
        # stopped, or applied to the skin: not an NSAID taken now
        ("Ibuprofen was discontinued last spring; he takes acetaminophen.", NOT_MET),
        ("She applies diclofenac gel to the knee twice a day.", NOT_MET),
        ("He takes no anti-inflammatory medication.", INSUFFICIENT),
    ],
)
def test_drug_in_use(text: str, status: CriterionStatus) -> None:
    outcome = _check("drug_in_use", {"any": ["nsaid"], "systemic": True}, text, "Omeprazole 20mg #30")
    assert outcome.status == status, outcome.note


@pytest.mark.parametrize(
    ("text", "status"),
    [
        # a refill three weeks after the operation continues a post-operative course
        ("Right carpal tunnel release on 10/20/2016; she has used Norco since the surgery.", MET),
        # an opioid taken for years before it is chronic treatment carried through the surgery
        ("Right carpal tunnel release on 10/20/2016. She has taken Norco daily since 3/2014.", NOT_MET),
        # a refill months after the operation is no longer a post-operative course
        ("Right carpal tunnel release on 5/2/2016; she has used Norco since the surgery.", NOT_MET),
    ],
)
def test_use_since_the_surgery(text: str, status: CriterionStatus) -> None:
    params = {"max_weeks": 6, "since_surgery": True}
    outcome = _check("duration_of_use", params, text, "Norco 10/325mg every 6 hours as needed #20")
    assert outcome.status == status, outcome.note
