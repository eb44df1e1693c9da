"""Prior treatment: courses already given, with the sessions stated; requests and plans are not prior care."""

from __future__ import annotations

import pytest
from tests.evidence.test_terms import ABSENT, PRESENT, _facts

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
    ],
)
def test_prior_treatment(text: str, name: str, sessions: str, status: FactStatus) -> None:
    facts = [f for f in _facts(text, name) if f.kind == "prior_treatment"]
    assert facts
    assert facts[0].value == sessions
    assert facts[0].status == status


@pytest.mark.parametrize(
    "text",
    [
        "The request for authorization dated 11/30/2016 asked for physical therapy 2x4.",
        "Utilization review non-certified physical therapy.",
        "The treatment plan included physical therapy.",
    ],
)
def test_requested_or_planned_therapy_is_not_prior_treatment(text: str) -> None:
    assert not [f for f in _facts(text, "physical therapy") if f.kind == "prior_treatment" and f.status == PRESENT]
