"""The checks topics name, one table per check: (record snippet, parameters, expected status)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from openimr.evidence import gather_evidence
from openimr.model import Case, CaseDates, CriterionStatus, Decision, DisputedItem, Document, Patient
from openimr.requests import parse_disputed_item
from openimr.review.checks import CHECKS, CheckContext, Outcome

MET, NOT_MET, INSUFFICIENT = CriterionStatus.MET, CriterionStatus.NOT_MET, CriterionStatus.INSUFFICIENT
INJURY, UR = dt.date(2016, 9, 1), dt.date(2016, 11, 10)


def _outcome(
    check: str,
    params: dict[str, Any],
    text: str,
    request: str = "Cyclobenzaprine 7.5mg #20",
    age: int | None = None,
    original: str | None = None,
    decided: dict[str, Decision] | None = None,
) -> Outcome:
    item = DisputedItem(request=request, original_request=original)
    case = Case(
        dates=CaseDates(injury=INJURY, ur_decision=UR),
        patient=Patient(age=age),
        documents=[Document(id="note", text=text)],
        disputed_items=[item],
    )
    context = CheckContext(case, parse_disputed_item(item), gather_evidence(case), decided or {})
    return CHECKS[check](context, params)


def _run(check: str, params: dict[str, Any], text: str, **kwargs: Any) -> CriterionStatus:
    return _outcome(check, params, text, **kwargs).status


@pytest.mark.parametrize(
    ("text", "params", "status"),
    [
        ("Exam shows lumbar muscle spasm.", {"any": ["spasm"]}, MET),
        ("No spasm was noted on examination.", {"any": ["spasm"]}, NOT_MET),
        ("Tenderness over the lumbar spine.", {"any": ["spasm"]}, INSUFFICIENT),
        ("Rule out carpal tunnel syndrome.", {"any": ["entrapment_neuropathy"]}, INSUFFICIENT),
        ("Rule out carpal tunnel syndrome.", {"any": ["entrapment_neuropathy"], "accept_uncertain": True}, MET),
        ("Fracture of the L1 vertebra. No neurological deficit.", {"any": ["neuro_deficit"], "unless": ["red_flag"]}, MET),
        ("He reports dyspepsia.", {"any": ["gi_risk"], "or_age_at_least": 65}, MET),
        ("No GI complaints.", {"any": ["gi_risk"], "or_age_at_least": 65}, NOT_MET),
    ],
)
def test_documented(text: str, params: dict[str, Any], status: CriterionStatus) -> None:
    assert _run("documented", params, text) == status


def test_documented_on_age() -> None:
    assert _run("documented", {"any": ["gi_risk"], "or_age_at_least": 65}, "No GI complaints.", age=70) == MET


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Straight leg raise was positive on the left.", NOT_MET),
        ("Straight leg raise was negative.", MET),
        ("Low back pain.", MET),
    ],
)
def test_not_documented(text: str, status: CriterionStatus) -> None:
    assert _run("not_documented", {"any": ["radicular_sign"]}, text) == status


@pytest.mark.parametrize(
    ("label", "needs", "status"),
    [
        ("Cyclobenzaprine", ["quantity"], INSUFFICIENT),
        ("Cyclobenzaprine 7.5mg #60", ["quantity"], MET),
        ("1 prescription for Baclofen 10mg", ["quantity"], INSUFFICIENT),
        ("Ketoprofen 20% in cream base 240g", ["quantity"], MET),
        ("Deprizine (unknown quantity)", ["quantity"], INSUFFICIENT),
        ("Eight physical therapy sessions", ["body_part"], INSUFFICIENT),
        ("Eight physical therapy sessions for the neck", ["body_part"], MET),
        ("Acupuncture treatments (unspecified quantity)", ["sessions"], INSUFFICIENT),
    ],
)
def test_request_specified(label: str, needs: list[str], status: CriterionStatus) -> None:
    assert _run("request_specified", {"needs": needs}, "Neck pain.", request=label) == status


@pytest.mark.parametrize(
    ("params", "status"),
    [({"max_weeks": 12}, MET), ({"max_weeks": 4}, NOT_MET), ({"min_weeks": 12}, NOT_MET), ({"min_weeks": 4}, MET)],
)
def test_weeks_since_injury(params: dict[str, Any], status: CriterionStatus) -> None:
    assert _run("weeks_since_injury", params, "Neck pain.") == status


@pytest.mark.parametrize(
    ("label", "status"),
    [("Gabapentin 10%, Cyclobenzaprine 6% in cream base", NOT_MET), ("Capsaicin 0.025% cream", MET)],
)
def test_request_excludes(label: str, status: CriterionStatus) -> None:
    assert _run("request_excludes", {"patterns": [r"\bgabapentin\b"]}, "Neck pain.", request=label) == status


@pytest.mark.parametrize(
    ("text", "injury", "status"),
    [
        ("Spasm noted on examination.", INJURY, MET),
        ("She has taken cyclobenzaprine since 1/5/2016.", INJURY, NOT_MET),
        ("Current medications: cyclobenzaprine.", INJURY, NOT_MET),
        ("Current medications: cyclobenzaprine.", UR - dt.timedelta(days=10), MET),
    ],
)
def test_short_term_use(text: str, injury: dt.date, status: CriterionStatus) -> None:
    case = Case(
        dates=CaseDates(injury=injury, ur_decision=UR),
        documents=[Document(id="note", text=text)],
        disputed_items=[DisputedItem(request="Cyclobenzaprine 7.5mg #20")],
    )
    context = CheckContext(case, parse_disputed_item(case.disputed_items[0]), gather_evidence(case))
    assert CHECKS["short_term_use"](context, {"max_weeks": 3}).status == status


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("He takes naproxen daily; no functional improvement is documented.", NOT_MET),
        ("He takes naproxen, which improved his function and activities of daily living.", MET),
        ("Naprosyn was a first-time prescription at this visit.", MET),
        ("Neck pain after a fall.", MET),
    ],
)
def test_first_or_effective(text: str, status: CriterionStatus) -> None:
    assert _run("first_or_effective", {}, text, request="Naproxen 550mg #60") == status


@pytest.mark.parametrize(
    ("text", "status"), [("Current medications: meloxicam.", NOT_MET), ("Current medications: naproxen.", MET), ("None.", MET)]
)
def test_no_duplicate_class(text: str, status: CriterionStatus) -> None:
    assert _run("no_duplicate_class", {"group": "nsaid"}, text, request="Naproxen 550mg #60") == status


@pytest.mark.parametrize(
    ("text", "label", "original", "status"),
    [
        ("Treatment has included medications.", "Physical therapy 2 times a week for 3 weeks for the neck", None, MET),
        ("Treatment has included medications.", "Physical therapy 2 times a week for 6 weeks for the neck", None, NOT_MET),
        (
            "He has completed 4 sessions of physical therapy.",
            "Physical therapy 2 times a week for 3 weeks for the neck",
            None,
            MET,
        ),
        (
            "He has completed 8 sessions of physical therapy.",
            "Physical therapy 2 times a week for 3 weeks for the neck",
            None,
            NOT_MET,
        ),
        ("He has had physical therapy.", "Physical therapy 2 times a week for 3 weeks for the neck", None, INSUFFICIENT),
        ("Treatment has included medications.", "Physical therapy for 2 sessions", "Physical therapy for 12 sessions", NOT_MET),
    ],
)
def test_visit_limits(text: str, label: str, original: str | None, status: CriterionStatus) -> None:
    params = {"trial": 6, "max": 10, "family": ["physical therapy"]}
    assert _run("visit_limits", params, text, request=label, original=original) == status


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("No prior therapy.", MET),
        ("He completed 6 sessions of physical therapy without documented functional improvement.", NOT_MET),
        ("He completed 6 sessions of physical therapy and his activities of daily living improved.", MET),
    ],
)
def test_prior_course_effective(text: str, status: CriterionStatus) -> None:
    assert _run("prior_course_effective", {"family": ["physical therapy"]}, text) == status


@pytest.mark.parametrize(
    ("text", "label", "status", "span"),
    [
        (
            "Since starting Norco she is able to perform her activities of daily living.",
            "Norco 10/325mg #90",
            MET,
            "able to perform her activities of daily living",
        ),
        ("Her function improved with physical therapy. She takes Norco daily.", "Norco 10/325mg #90", INSUFFICIENT, None),
        ("She reports functional improvement with her current medications.", "Norco 10/325mg #90", MET, "functional improvement"),
        ("With the opioids she has improved activity tolerance.", "Tramadol 50mg #60", MET, "improved activity tolerance"),
        ("Tramadol gives her improved ability to walk.", "Norco 10/325mg #90", MET, "improved ability to walk"),
        ("He takes Norco; his ADLs improved with chiropractic care.", "Norco 10/325mg #90", INSUFFICIENT, None),
        ("He takes Norco and reports no functional improvement.", "Norco 10/325mg #90", NOT_MET, "functional improvement"),
        ("He reports improved function.", "Norco 10/325mg #90", INSUFFICIENT, None),
        (
            "Norco improved her function. There was no functional improvement with PT.",
            "Norco 10/325mg #90",
            MET,
            "improved her function",
        ),
        ("Neck pain after a fall.", "Norco 10/325mg #90", INSUFFICIENT, None),
    ],
)
def test_functional_improvement_from_the_requested_treatment(
    text: str, label: str, status: CriterionStatus, span: str | None
) -> None:
    outcome = _outcome("functional_improvement", {}, text, request=label)
    assert outcome.status == status
    if span is not None:
        assert [s.text for s in outcome.spans()] == [span]


@pytest.mark.parametrize(
    ("text", "label", "status"),
    [
        ("He takes gabapentin; his ADLs improved with physical therapy.", "Gabapentin 300mg #90", NOT_MET),
        ("He takes gabapentin, which improved his function.", "Gabapentin 300mg #90", MET),
        ("He takes gabapentin and reports improved function with the anticonvulsant.", "Lyrica 75mg #60", MET),
        ("He takes gabapentin. He reports improved function.", "Gabapentin 300mg #90", NOT_MET),
    ],
)
def test_first_or_effective_counts_improvement_from_the_drug(text: str, label: str, status: CriterionStatus) -> None:
    assert _run("first_or_effective", {}, text, request=label) == status


@pytest.mark.parametrize(
    ("text", "family", "label", "status"),
    [
        (
            "She completed 8 sessions of physical therapy. Her ADLs improved with acupuncture.",
            "physical therapy",
            "Physical therapy 2 times a week for 3 weeks for the neck",
            NOT_MET,
        ),
        (
            "She completed 6 acupuncture treatments; her activity tolerance improved with acupuncture.",
            "acupuncture",
            "Acupuncture 6 sessions for the low back",
            MET,
        ),
        (
            "He completed 12 chiropractic visits. He takes Norco, which improved his function.",
            "chiropractic",
            "Chiropractic therapy 2 times a week for 4 weeks",
            NOT_MET,
        ),
    ],
)
def test_prior_course_effective_counts_improvement_from_that_therapy(
    text: str, family: str, label: str, status: CriterionStatus
) -> None:
    assert _run("prior_course_effective", {"family": [family]}, text, request=label) == status


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("She failed conservative treatment.", MET),
        ("Treatment included physical therapy. She has persistent shoulder pain.", MET),
        ("Treatment included physical therapy.", INSUFFICIENT),
        ("Shoulder pain after a fall.", NOT_MET),
    ],
)
def test_conservative_care_failed(text: str, status: CriterionStatus) -> None:
    assert _run("conservative_care_failed", {}, text) == status


@pytest.mark.parametrize(
    ("decided", "status"),
    [({"surgery": Decision.UPHELD}, NOT_MET), ({"surgery": Decision.OVERTURNED}, MET), ({}, INSUFFICIENT)],
)
def test_primary_service_necessary(decided: dict[str, Decision], status: CriterionStatus) -> None:
    assert _run("primary_service_necessary", {"category": "surgery"}, "Shoulder pain.", decided=decided) == status


def test_not_recommended_is_never_met() -> None:
    assert _run("not_recommended", {}, "Anything at all.") == NOT_MET


def test_no_duplicate_class_across_the_requests_of_a_case() -> None:
    items = [
        DisputedItem(request="Naproxen 550mg #60"),
        DisputedItem(request="Meloxicam 7.5mg #30"),
        DisputedItem(request="Omeprazole 20mg #30"),
    ]
    case = Case(
        dates=CaseDates(injury=INJURY, ur_decision=UR), documents=[Document(id="note", text="Neck pain.")], disputed_items=items
    )
    evidence = gather_evidence(case)
    statuses = [
        CHECKS["no_duplicate_class"](CheckContext(case, parse_disputed_item(i), evidence), {"group": "nsaid"}).status
        for i in items
    ]
    assert statuses == [NOT_MET, NOT_MET, MET]


@pytest.mark.parametrize(
    ("label", "status"),
    [("Oxycodone 30mg every 4 hours #180", NOT_MET), ("Norco 10/325mg #60", MET), ("Norco", MET)],
)
def test_dose_within(label: str, status: CriterionStatus) -> None:
    assert _run("dose_within", {"max_mme": 120}, "Chronic pain.", request=label) == status
