"""The reviewer pool's rules: qualifications, specialty match, conflicts of interest, workload (domain.md §A.9).

- Qualified: a non-restricted licence in a US state, a board certification, no disciplinary history, active clinical
  practice for more than five years and at least 24 hours a week (LC 139.5(d); the Maximus letters' statement), active in
  the pool.
- Specialty: for every disputed item, one of the reviewer's board certifications is among those the item's treatment
  calls for (`knowledge/cases/reviewer_specialties.yaml`).
- Conflict: no declared affiliation with the injured worker, the employer, the insurer or claims administrator, the
  requesting (treating) physician, the facility, or the manufacturer of the drug or device (LC 139.5). Names are
  compared after normalising case, punctuation and spacing; an affiliation of any kind that names a party is a conflict.
- Workload: automatic assignment picks the acceptable reviewer with the fewest open cases (ties: the lowest id).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from pydantic import BaseModel, ConfigDict, Field

from openimr.cases.schemas import Parties, ReviewerProfile
from openimr.knowledge import load_knowledge

MIN_YEARS_IN_PRACTICE = 5
MIN_PRACTICE_HOURS_PER_WEEK = 24


class SpecialtyCategory(BaseModel):
    """A family of treatments and the specialties qualified to review them."""

    model_config = ConfigDict(extra="forbid")
    name: str
    keywords: list[str] = Field(min_length=1)
    specialties: list[str] = Field(min_length=1)


class SpecialtyRules(BaseModel):
    """The reviewer-specialty knowledge file."""

    model_config = ConfigDict(extra="forbid")
    source: str
    default: list[str] = Field(min_length=1)
    categories: list[SpecialtyCategory]


@cache
def specialty_rules() -> SpecialtyRules:
    """The packaged specialty rules, loaded and validated once."""
    return load_knowledge("cases/reviewer_specialties.yaml", SpecialtyRules)


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.casefold()).split())


def qualified_specialties(request: str, rules: SpecialtyRules | None = None) -> frozenset[str]:
    """The (normalised) board certifications that may review one disputed item."""
    rules = rules or specialty_rules()
    text = f" {_norm(request)} "
    accepted: set[str] = set()
    for category in rules.categories:
        if any(f" {_norm(keyword)} " in text for keyword in category.keywords):
            accepted.update(_norm(s) for s in category.specialties)
    return frozenset(accepted or (_norm(s) for s in rules.default))


def qualification_problems(reviewer: ReviewerProfile) -> list[str]:
    """Why the reviewer may not review at all (empty when qualified)."""
    problems = []
    if not reviewer.active:
        problems.append("not active in the pool")
    if reviewer.license_restricted:
        problems.append("licence is restricted")
    if reviewer.disciplinary_history:
        problems.append("has a history of disciplinary action")
    if reviewer.years_in_practice <= MIN_YEARS_IN_PRACTICE:
        problems.append(f"in active practice {reviewer.years_in_practice} years (more than {MIN_YEARS_IN_PRACTICE} required)")
    if reviewer.practice_hours_per_week < MIN_PRACTICE_HOURS_PER_WEEK:
        problems.append(f"practises {reviewer.practice_hours_per_week} h/week (at least {MIN_PRACTICE_HOURS_PER_WEEK} required)")
    return problems


def specialty_problems(reviewer: ReviewerProfile, requests: Sequence[str]) -> list[str]:
    """The disputed items the reviewer's board certifications do not cover."""
    held = {_norm(c) for c in reviewer.board_certifications}
    problems = []
    for position, request in enumerate(requests, start=1):
        accepted = qualified_specialties(request)
        if not held & accepted:
            problems.append(f"item {position}: needs one of {', '.join(sorted(accepted))}")
    return problems


def conflicts(reviewer: ReviewerProfile, parties: Parties) -> list[str]:
    """The reviewer's declared affiliations that name a party of the case."""
    named: dict[str, list[str | None]] = {
        "injured worker": [parties.employee],
        "employer": [parties.employer],
        "insurer": [parties.insurer],
        "claims administrator": [parties.claims_administrator],
        "requesting physician": [parties.requesting_physician],
        "facility": [parties.facility],
        "manufacturer": list(parties.manufacturers),
    }
    found = []
    for affiliation in reviewer.affiliations:
        mine = _norm(affiliation.name)
        for role, names in named.items():
            if any(name and _norm(name) == mine for name in names):
                found.append(f"declared {affiliation.kind.value} affiliation with the case's {role}")
    return found


def refusals(reviewer: ReviewerProfile, requests: Sequence[str], parties: Parties) -> list[str]:
    """Every reason this reviewer may not take this case (empty when acceptable)."""
    return qualification_problems(reviewer) + specialty_problems(reviewer, requests) + conflicts(reviewer, parties)


@dataclass(frozen=True)
class Choice:
    """The reviewer chosen for a case, or none with every candidate's reasons."""

    reviewer_id: int | None
    refused: dict[int, list[str]]


def choose_reviewer(
    pool: Mapping[int, ReviewerProfile], requests: Sequence[str], parties: Parties, workload: Mapping[int, int]
) -> Choice:
    """The acceptable reviewer with the fewest open cases (lowest id on ties); the others' reasons for the record."""
    refused: dict[int, list[str]] = {}
    acceptable = []
    for reviewer_id, reviewer in pool.items():
        reasons = refusals(reviewer, requests, parties)
        if reasons:
            refused[reviewer_id] = reasons
        else:
            acceptable.append((workload.get(reviewer_id, 0), reviewer_id))
    return Choice(min(acceptable)[1] if acceptable else None, refused)
