"""Evidence: facts read from a case's records, each with the spans it rests on and its assertion status.

`extract_facts(case)` runs every fact family (findings, diagnoses, medications, prior treatment, functional
improvement, opioid monitoring, work status, surgery); `gather_evidence(case)` wraps them in an `Evidence` object
the review checks query by fact name or group (e.g. "neuro_deficit").
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Callable, Iterable
from functools import cache, cached_property, partial

from openimr.evidence import attribution, medications, prior_treatment
from openimr.evidence.procedures import extract_procedure_events
from openimr.evidence.terms import Candidate, family_candidates, term_lists
from openimr.evidence.text import join_line_breaks
from openimr.model import Case, Fact, FactStatus

_OWN_EXTRACTORS = frozenset({"functional", "prior_treatment", "treatment_word"})
"""Families with extractors of their own: functional improvement (tied to a treatment), prior treatment (with its
session count) and the words that name a class of drugs (used by attribution, not facts themselves). Every other
family's facts are plain term matches."""


_Extractor = Callable[[Case], list[Candidate]]


@cache
def _extractors() -> tuple[tuple[str, _Extractor], ...]:
    """Every fact family's extractor, named by the kind of its facts, in the order of `extract_facts`: the plain term
    families, then functional improvement, medications and prior treatment."""
    plain = tuple((family, partial(family_candidates, family=family)) for family in sorted(term_lists()))
    return (
        *(row for row in plain if row[0] not in _OWN_EXTRACTORS),
        ("functional", attribution.extract),
        ("medication", medications.extract),
        ("prior_treatment", prior_treatment.extract),
    )


@cache
def _extractors_of() -> dict[str, tuple[int, ...]]:
    """For each fact name and group, the extractors (by rank) whose facts can have it."""
    ranks: dict[str, list[int]] = {}
    for rank, (kind, _) in enumerate(_extractors()):
        keys = medications.medication_keys() if kind == "medication" else _term_keys(kind)
        for key in keys:
            ranks.setdefault(key, []).append(rank)
    return {key: tuple(found) for key, found in ranks.items()}


def _term_keys(family: str) -> frozenset[str]:
    return frozenset(key for name, group, _ in term_lists()[family] for key in (name, group or name))


def _candidates(case: Case) -> list[Candidate]:
    return [candidate for _, extract in _extractors() for candidate in extract(case)]


def as_read(case: Case) -> Case:
    """The case as the evidence reads it: each document's line breaks inside a sentence made spaces
    (`join_line_breaks`), so that offsets into it are offsets into the documents as filed."""
    joined = [document.model_copy(update={"text": join_line_breaks(document.text)}) for document in case.documents]
    if all(new.text == old.text for new, old in zip(joined, case.documents, strict=True)):
        return case
    return case.model_copy(update={"documents": joined})


def extract_facts(case: Case) -> list[Fact]:
    """Every fact the record states, in document order within each family."""
    return [candidate.resolve() for candidate in _candidates(as_read(case))]


class Evidence:
    """The facts of one case, with lookups by fact name or group. A family's candidate facts are found when a lookup
    first needs them, and a fact's assertion is made when first looked up; facts come in the order of
    `extract_facts`."""

    def __init__(self, case: Case, candidates: list[Candidate] | None = None) -> None:
        """`candidates`: every candidate fact of the case, when the caller has them (else found family by family)."""
        self.case = case
        self._given = candidates is not None
        self._found: dict[int, list[Candidate]] = {}
        self._facts: dict[tuple[int, int], Fact] = {}
        self._by_key: dict[str, list[tuple[int, int]]] = {}
        if candidates is not None:
            self._add(-1, candidates)

    def _add(self, rank: int, candidates: list[Candidate]) -> None:
        self._found[rank] = candidates
        for position, candidate in enumerate(candidates):
            for key in {candidate.name, candidate.match.group or candidate.name}:
                insort(self._by_key.setdefault(key, []), (rank, position))

    def _find(self, ranks: Iterable[int]) -> None:
        """Find the candidate facts of the extractors of these ranks, those not found yet."""
        for rank in ranks:
            if not self._given and rank not in self._found:
                self._add(rank, _extractors()[rank][1](self.case))

    def _fact(self, index: tuple[int, int]) -> Fact:
        if index not in self._facts:
            rank, position = index
            self._facts[index] = self._found[rank][position].resolve()
        return self._facts[index]

    def of_kind(self, kind: str) -> list[Fact]:
        """Every fact of one family (e.g. "medication")."""
        self._find(rank for rank, (named, _) in enumerate(_extractors()) if named == kind)
        return [
            self._fact((rank, position))
            for rank in sorted(self._found)
            for position, candidate in enumerate(self._found[rank])
            if candidate.kind == kind
        ]

    def mentions(self, keys: Iterable[str]) -> list[Fact]:
        """Facts whose name or group is one of `keys`, whatever their status."""
        keys = list(keys)
        self._find(rank for key in keys for rank in _extractors_of().get(key, ()))
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
    """The case's evidence for the review checks (`as_read`; its `case` is the case the checks read): each family's
    candidate facts found and indexed when first needed."""
    return Evidence(as_read(case))
