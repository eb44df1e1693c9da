"""Reviewer qualifications, specialty match, conflicts of interest and workload balancing (domain.md §A.9)."""

from __future__ import annotations

import pytest

from openimr.cases.domain import AffiliationKind
from openimr.cases.reviewers import (
    choose_reviewer,
    conflicts,
    qualification_problems,
    qualified_specialties,
    refusals,
    specialty_problems,
)
from openimr.cases.schemas import Affiliation, Parties, ReviewerProfile


def reviewer(**change: object) -> ReviewerProfile:
    base: dict[str, object] = {
        "name": "Dr Synthetic",
        "licensure": ["CA"],
        "board_certifications": ["Physical Medicine and Rehabilitation"],
        "years_in_practice": 12,
        "practice_hours_per_week": 32,
    }
    return ReviewerProfile.model_validate(base | change)


PARTIES = Parties(
    employer="Harbor Freight Lines",
    claims_administrator="Golden Claims Services",
    insurer="Pacific Mutual Insurance",
    requesting_physician="Dr. Ana Example",
    facility="Bayside Surgery Center",
    manufacturers=["Acme Pharma"],
)


def test_a_qualified_reviewer_has_no_problems() -> None:
    assert qualification_problems(reviewer()) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"license_restricted": True}, "restricted"),
        ({"disciplinary_history": True}, "disciplinary"),
        ({"years_in_practice": 5}, "more than 5"),
        ({"practice_hours_per_week": 20}, "at least 24"),
        ({"active": False}, "not active"),
    ],
)
def test_each_missing_qualification_is_named(change: dict[str, object], problem: str) -> None:
    assert any(problem in p for p in qualification_problems(reviewer(**change)))


@pytest.mark.parametrize(
    ("request_text", "needs"),
    [
        ("Lumbar fusion L4-L5", "orthopaedic surgery"),
        ("Psychotherapy 6 sessions", "psychiatry"),
        ("Lumbar epidural steroid injection L5-S1", "anesthesiology"),
        ("EMG/NCV bilateral upper extremities", "neurology"),
        ("Cyclobenzaprine 7.5mg #90", "physical medicine and rehabilitation"),
    ],
)
def test_treatments_map_to_the_specialties_that_review_them(request_text: str, needs: str) -> None:
    assert needs in qualified_specialties(request_text)


def test_specialty_must_cover_every_disputed_item() -> None:
    physiatrist = reviewer()
    assert specialty_problems(physiatrist, ["Tramadol 50mg #60"]) == []
    problems = specialty_problems(physiatrist, ["Tramadol 50mg #60", "Right shoulder arthroscopy"])
    assert len(problems) == 1 and problems[0].startswith("item 2")
    surgeon = reviewer(board_certifications=["Orthopaedic Surgery"])
    assert specialty_problems(surgeon, ["Tramadol 50mg #60", "Right shoulder arthroscopy"]) == []


@pytest.mark.parametrize(
    ("kind", "name", "party"),
    [
        (AffiliationKind.EMPLOYER, "harbor freight lines", "employer"),
        (AffiliationKind.CLAIMS_ADMINISTRATOR, "Golden Claims Services", "claims administrator"),
        (AffiliationKind.INSURER, "Pacific Mutual Insurance", "insurer"),
        (AffiliationKind.TREATING_PROVIDER, "Dr Ana Example", "requesting physician"),
        (AffiliationKind.FACILITY, "Bayside  Surgery Center", "facility"),
        (AffiliationKind.MANUFACTURER, "ACME PHARMA", "manufacturer"),
        (AffiliationKind.OTHER, "Pacific Mutual Insurance", "insurer"),
    ],
)
def test_an_affiliation_with_any_party_is_a_conflict(kind: AffiliationKind, name: str, party: str) -> None:
    conflicted = reviewer(affiliations=[Affiliation(kind=kind, name=name)])
    found = conflicts(conflicted, PARTIES)
    assert found and found[0].endswith(f"the case's {party}")


def test_an_unrelated_affiliation_is_no_conflict() -> None:
    assert conflicts(reviewer(affiliations=[Affiliation(kind=AffiliationKind.INSURER, name="Other Insurer")]), PARTIES) == []


def test_choice_refuses_conflicted_and_unqualified_reviewers_and_balances_workload() -> None:
    pool = {
        1: reviewer(affiliations=[Affiliation(kind=AffiliationKind.INSURER, name="Pacific Mutual Insurance")]),
        2: reviewer(years_in_practice=2),
        3: reviewer(),
        4: reviewer(board_certifications=["Occupational Medicine"]),
    }
    choice = choose_reviewer(pool, ["Tramadol 50mg #60"], PARTIES, workload={3: 4, 4: 1})
    assert choice.reviewer_id == 4
    assert set(choice.refused) == {1, 2}
    assert choose_reviewer(pool, ["Tramadol 50mg #60"], PARTIES, workload={3: 1, 4: 1}).reviewer_id == 3


def test_no_acceptable_reviewer_gives_every_reason() -> None:
    choice = choose_reviewer({1: reviewer()}, ["Lumbar fusion L4-L5"], PARTIES, workload={})
    assert choice.reviewer_id is None
    assert refusals(reviewer(), ["Lumbar fusion L4-L5"], PARTIES) == choice.refused[1]
