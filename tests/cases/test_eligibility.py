"""Eligibility screening: each rule of domain.md §A.4-A.5 with the reason it gives."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from openimr.cases.domain import Filer, ScreeningOutcome, UrOutcome, UrServiceMethod
from openimr.cases.eligibility import EligibilityFacts, duplicate_key, filing_deadline, screen

UR = dt.date(2026, 3, 2)
GOOD = EligibilityFacts(
    signed=True,
    ur_decision_attached=True,
    ur_decision=UR,
    ur_served=None,
    ur_service_method=UrServiceMethod.MAIL,
    application_received=UR + dt.timedelta(days=10),
    filer=Filer.EMPLOYEE,
    designation_signed=None,
    liability_disputed=False,
    claims_administrator_agrees_eligible=False,
    items=[("Cyclobenzaprine 7.5mg #90", UrOutcome.DENIED)],
)


def test_a_complete_timely_application_is_eligible() -> None:
    assert screen(GOOD).outcome is ScreeningOutcome.ELIGIBLE
    assert screen(GOOD).reasons == []


@pytest.mark.parametrize(
    ("method", "days_after_service", "eligible"),
    [
        (UrServiceMethod.MAIL, 35, True),
        (UrServiceMethod.MAIL, 36, False),
        (UrServiceMethod.ELECTRONIC, 30, True),
        (UrServiceMethod.ELECTRONIC, 31, False),
        (UrServiceMethod.PERSONAL, 31, False),
    ],
)
def test_filing_window_is_30_days_from_service_plus_5_by_mail(
    method: UrServiceMethod, days_after_service: int, eligible: bool
) -> None:
    served = UR + dt.timedelta(days=3)
    facts = replace(
        GOOD, ur_served=served, ur_service_method=method, application_received=served + dt.timedelta(days=days_after_service)
    )
    result = screen(facts)
    assert (result.outcome is ScreeningOutcome.ELIGIBLE) is eligible
    if not eligible:
        assert any("after the deadline" in reason and served.isoformat() in reason for reason in result.reasons)


def test_filing_deadline_counts_from_service() -> None:
    assert filing_deadline(dt.date(2026, 1, 31), UrServiceMethod.ELECTRONIC) == dt.date(2026, 3, 2)
    assert filing_deadline(dt.date(2026, 1, 31), UrServiceMethod.MAIL) == dt.date(2026, 3, 7)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"signed": False}, "not signed"),
        ({"ur_decision_attached": False}, "UR decision is attached"),
        ({"filer": Filer.DESIGNEE, "designation_signed": UR - dt.timedelta(days=1)}, "designation"),
        ({"items": [("Omeprazole 20mg #60", UrOutcome.CONDITIONAL_NON_CERTIFICATION)]}, "conditional non-certification"),
        ({"application_received": UR - dt.timedelta(days=1)}, "before the UR decision"),
    ],
)
def test_each_missing_requirement_makes_the_application_ineligible_with_its_reason(
    change: dict[str, object], reason: str
) -> None:
    result = screen(replace(GOOD, **change))  # type: ignore[arg-type]
    assert result.outcome is ScreeningOutcome.INELIGIBLE
    assert any(reason in r for r in result.reasons), result.reasons


def test_every_reason_is_reported_not_only_the_first() -> None:
    result = screen(replace(GOOD, signed=False, ur_decision_attached=False))
    assert len(result.reasons) == 2


def test_a_designation_signed_after_the_ur_decision_is_valid() -> None:
    assert screen(replace(GOOD, filer=Filer.DESIGNEE, designation_signed=UR)).outcome is ScreeningOutcome.ELIGIBLE


def test_a_conditional_non_certification_item_is_excluded_but_the_others_stay_eligible() -> None:
    facts = replace(
        GOOD, items=[("Tramadol 50mg #60", UrOutcome.DENIED), ("Urine drug screen", UrOutcome.CONDITIONAL_NON_CERTIFICATION)]
    )
    result = screen(facts)
    assert result.outcome is ScreeningOutcome.ELIGIBLE
    assert list(result.excluded_items) == [2]


def test_a_liability_dispute_defers_unless_the_claims_administrator_agrees() -> None:
    assert screen(replace(GOOD, liability_disputed=True)).outcome is ScreeningOutcome.DEFERRED
    agreed = replace(GOOD, liability_disputed=True, claims_administrator_agrees_eligible=True)
    assert screen(agreed).outcome is ScreeningOutcome.ELIGIBLE


def test_ineligibility_wins_over_deferral() -> None:
    assert screen(replace(GOOD, liability_disputed=True, signed=False)).outcome is ScreeningOutcome.INELIGIBLE


def test_duplicate_key_ignores_case_spacing_and_item_order_but_not_content() -> None:
    key = duplicate_key("W-1", "CLM 9", UR, ["MRI lumbar spine", "Tramadol 50mg #60"])
    assert key == duplicate_key("w-1", "clm  9", UR, ["tramadol 50mg #60", "MRI  lumbar spine"])
    assert key != duplicate_key("W-1", "CLM 9", UR, ["MRI lumbar spine"])
    assert key != duplicate_key("W-1", "CLM 9", UR + dt.timedelta(days=1), ["MRI lumbar spine", "Tramadol 50mg #60"])
    assert key != duplicate_key("W-2", "CLM 9", UR, ["MRI lumbar spine", "Tramadol 50mg #60"])
