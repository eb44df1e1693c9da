"""The therapy group's checks: hours of care a week (home health services) and full-day program sessions (functional
restoration programs), read from the request as written; a request that states no amount is silence."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from openimr.errors import OpenIMRError
from openimr.evidence import gather_evidence
from openimr.model import Case, CaseDates, CriterionStatus, DisputedItem, Document, Patient
from openimr.requests import parse_disputed_item
from openimr.review.checks import CHECKS, CheckContext, Outcome
from openimr.review.checks.therapy import full_days, hours_per_week

MET, NOT_MET, INSUFFICIENT = CriterionStatus.MET, CriterionStatus.NOT_MET, CriterionStatus.INSUFFICIENT


def _outcome(check: str, params: dict[str, Any], request: str, original: str | None = None) -> Outcome:
    item = DisputedItem(request=request, original_request=original)
    case = Case(
        dates=CaseDates(injury=dt.date(2016, 3, 1), ur_decision=dt.date(2016, 11, 15)),
        patient=Patient(age=50),
        documents=[Document(id="note", text="Chronic low back pain.")],
        disputed_items=[item],
    )
    context = CheckContext(case=case, treatment=parse_disputed_item(item), evidence=gather_evidence(case))
    validated = CHECKS[check].validate(params, "test")
    return CHECKS[check](context, validated)


@pytest.mark.parametrize(
    ("request_text", "hours"),
    [
        ("Home health care 4 hours a day 5 days a week for 4 weeks", 20.0),
        ("Home health aide 8 hours per day, 7 days per week", 56.0),
        ("Home health aide 6 hrs/day", 42.0),
        ("Home health aide four hours a day", 28.0),
        ("Home health aide 4-6 hours daily, 3 days a week", 18.0),
        ("Home health services 20 hours per week for 6 weeks", 20.0),
        ("Home health 24/7 care", 168.0),
        ("Home health nursing visits 2 times a week for wound care", None),
    ],
)
def test_hours_per_week(request_text: str, hours: float | None) -> None:
    assert hours_per_week(request_text) == hours


@pytest.mark.parametrize(
    ("request_text", "original", "status"),
    [
        ("Home health aide 4 hours a day 5 days a week", None, MET),
        ("Home health aide 8 hours a day 7 days a week", None, NOT_MET),
        ("Home health aide 35 hours per week", None, MET),
        ("Home health aide 2 times a week", None, INSUFFICIENT),
        ("Home health aide 4 hours a day 3 days a week", "Home health aide 8 hours a day 7 days a week", NOT_MET),
    ],
)
def test_hours_per_week_within(request_text: str, original: str | None, status: CriterionStatus) -> None:
    outcome = _outcome("hours_per_week_within", {"max": 35}, request_text, original)
    assert outcome.status == status
    assert outcome.silent == (status == INSUFFICIENT)


@pytest.mark.parametrize(
    ("request_text", "days"),
    [
        ("Functional restoration program 10 days", 10.0),
        ("Functional restoration program x 80 hours", 10.0),
        ("Functional restoration program x80 hours (10 days)", 10.0),
        ("Functional restoration program x160 hrs", 20.0),
        ("FRP 160 hours", 20.0),
        ("Functional restoration program 2 weeks", 10.0),
        ("Functional restoration program 5 days a week for 2 weeks", 10.0),
        ("Functional restoration program 12 sessions", 12.0),
        ("Functional restoration program 4 weeks", 20.0),
        ("Functional restoration program evaluation", None),
    ],
)
def test_full_days(request_text: str, days: float | None) -> None:
    assert full_days(request_text, hours_per_day=8, days_per_week=5) == days


@pytest.mark.parametrize(
    ("request_text", "params", "status"),
    [
        ("Functional restoration program 10 days", {"max": 10}, MET),
        ("Functional restoration program 160 hours", {"max": 10}, NOT_MET),
        ("Functional restoration program 60 hours", {"max": 10, "hours_per_day": 6}, MET),
        ("Functional restoration program 3 weeks", {"max": 10, "days_per_week": 3}, MET),
        ("Functional restoration program", {"max": 10}, INSUFFICIENT),
    ],
)
def test_full_days_within(request_text: str, params: dict[str, Any], status: CriterionStatus) -> None:
    assert _outcome("full_days_within", params, request_text).status == status


def test_parameters_are_validated() -> None:
    with pytest.raises(OpenIMRError, match="hours_per_dya"):
        CHECKS["full_days_within"].validate({"max": 10, "hours_per_dya": 6}, "test")
    with pytest.raises(OpenIMRError, match="max"):
        CHECKS["hours_per_week_within"].validate({"max": 0}, "test")
