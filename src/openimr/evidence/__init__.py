"""Evidence: facts read from a case's records, each with the spans it rests on and its assertion status.

`extract_facts(case)` runs every fact family (findings, diagnoses, medications, prior treatment, functional
improvement, opioid monitoring, work status, surgery); `gather_evidence(case)` wraps them in an `Evidence` object
the review checks query by fact name or group (e.g. "neuro_deficit").
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache, cached_property

from openimr.evidence import attribution, medications, prior_treatment
from openimr.evidence.procedures import extract_procedure_events
from openimr.evidence.terms import Candidate, family_candidates, term_lists
from openimr.model import Case, Fact, FactStatus

_OWN_EXTRACTORS = frozenset({"functional", "prior_treatment", "treatment_word"})
"""Families with extractors of their own: functional improvement (tied to a treatment), prior treatment (with its
session count) and the words that name a class of drugs (used by attribution, not facts themselves). Every other
family's facts are plain term matches."""


def _candidates(case: Case) -> list[Candidate]:
    candidates: list[Candidate] = []
    for family in sorted(term_lists()):
        if family not in _OWN_EXTRACTORS:
            candidates.extend(family_candidates(case, family))
    candidates.extend(attribution.extract(case))
    candidates.extend(medications.extract(case))
    candidates.extend(prior_treatment.extract(case))
    return candidates


def extract_facts(case: Case) -> list[Fact]:
    """Every fact the record states, in document order within each family."""
    return [candidate.resolve() for candidate in _candidates(case)]


class Evidence:
    """The facts of one case, with lookups by fact name or group. A fact's assertion is made when first looked up."""

    def __init__(self, case: Case, candidates: list[Candidate]) -> None:
        self.case = case
        self._candidates = candidates
        self._facts: dict[int, Fact] = {}
        self._by_key: dict[str, list[int]] = {}
        for index, candidate in enumerate(candidates):
            for key in {candidate.name, candidate.match.group or candidate.name}:
                self._by_key.setdefault(key, []).append(index)

    def _fact(self, index: int) -> Fact:
        if index not in self._facts:
            self._facts[index] = self._candidates[index].resolve()
        return self._facts[index]

    def of_kind(self, kind: str) -> list[Fact]:
        """Every fact of one family (e.g. "medication")."""
        return [self._fact(i) for i, c in enumerate(self._candidates) if c.kind == kind]

    def mentions(self, keys: Iterable[str]) -> list[Fact]:
        """Facts whose name or group is one of `keys`, whatever their status."""
        indexes = dict.fromkeys(i for key in keys for i in self._by_key.get(key, []))
        return [self._fact(i) for i in indexes]

    def present(self, keys: Iterable[str]) -> list[Fact]:
        """Facts among `keys` that the record asserts of the worker (not negated, hedged, hypothetical or planned)."""
        return [f for f in self.mentions(keys) if f.status == FactStatus.PRESENT and f.experiencer == "patient"]

    @cached_property
    def procedure_events(self) -> list[Fact]:
        """What became of each procedure the record speaks of (performed, certified, denied, planned)."""
        return extract_procedure_events(self.case)

    def status(self, keys: Iterable[str]) -> FactStatus | None:
        """Present if any mention is asserted, else absent if any is negated, else uncertain; None when never mentioned."""
        facts = self.mentions(keys)
        if not facts:
            return None
        for status in (FactStatus.PRESENT, FactStatus.ABSENT):
            if any(f.status == status for f in facts):
                return status
        return FactStatus.UNCERTAIN


@cache
def fact_keys() -> frozenset[str]:
    """Every fact name and group the extractors can produce: what a topic's criteria may ask the evidence for."""
    keys: set[str] = set(medications.medication_keys())
    for rows in term_lists().values():
        for name, group, _ in rows:
            keys.update(key for key in (name, group) if key)
    return frozenset(keys)


def gather_evidence(case: Case) -> Evidence:
    """Find the case's candidate facts and index them for the review checks."""
    return Evidence(case, _candidates(case))
