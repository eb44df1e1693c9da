"""Evidence: facts read from a case's records, each with the spans it rests on and its assertion status.

`extract_facts(case)` runs every fact family (findings, diagnoses, medications, prior treatment, functional
improvement, opioid monitoring, work status, surgery); `gather_evidence(case)` wraps them in an `Evidence` object
the review checks query by fact name or group (e.g. "neuro_deficit").
"""

from __future__ import annotations

from collections.abc import Iterable

from openimr.evidence import medications, prior_treatment
from openimr.evidence.terms import extract_family, term_lists
from openimr.model import Case, Fact, FactStatus

_TERM_FAMILIES = ("finding", "diagnosis", "functional", "monitoring", "work_status", "surgery")
"""Families whose facts are plain term matches; medications and prior treatment have their own extractors."""


def extract_facts(case: Case) -> list[Fact]:
    """Every fact the record states, in document order within each family."""
    facts: list[Fact] = []
    for family in _TERM_FAMILIES:
        facts.extend(extract_family(case, family))
    facts.extend(medications.extract(case))
    facts.extend(prior_treatment.extract(case))
    return facts


def _groups() -> dict[str, str]:
    return {name: group for rows in term_lists().values() for name, group, _ in rows if group}


class Evidence:
    """The facts of one case, with lookups by fact name or group."""

    def __init__(self, case: Case, facts: list[Fact]) -> None:
        self.case = case
        self.facts = facts
        groups = _groups()
        self._by_key: dict[str, list[Fact]] = {}
        for fact in facts:
            for key in {fact.name, groups.get(fact.name, fact.name)}:
                self._by_key.setdefault(key, []).append(fact)

    def mentions(self, keys: Iterable[str]) -> list[Fact]:
        """Facts whose name or group is one of `keys`, whatever their status."""
        found: list[Fact] = []
        for key in keys:
            found.extend(f for f in self._by_key.get(key, []) if f not in found)
        return found

    def present(self, keys: Iterable[str]) -> list[Fact]:
        """Facts among `keys` that the record asserts (not negated, not hedged)."""
        return [f for f in self.mentions(keys) if f.status == FactStatus.PRESENT]

    def status(self, keys: Iterable[str]) -> FactStatus | None:
        """Present if any mention is asserted, else absent if any is negated, else uncertain; None when never mentioned."""
        facts = self.mentions(keys)
        if not facts:
            return None
        for status in (FactStatus.PRESENT, FactStatus.ABSENT):
            if any(f.status == status for f in facts):
                return status
        return FactStatus.UNCERTAIN


def gather_evidence(case: Case) -> Evidence:
    """Extract the case's facts and index them for the review checks."""
    return Evidence(case, extract_facts(case))
