"""Evidence: facts read from a case's records, each with the spans it rests on and its assertion status.

`extract_facts(case)` runs every fact family (findings, diagnoses, medications, prior treatment, functional
improvement, opioid monitoring, work status, surgery); `gather_evidence(case)` wraps them in an `Evidence` object
the review checks query by fact name or group (e.g. "neuro_deficit").
"""

from __future__ import annotations

import datetime as dt
from bisect import insort
from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass
from functools import cache, cached_property, partial

from openimr.evidence import attribution, drug_screen, medications, prior_treatment
from openimr.evidence.dates import injury_date_in
from openimr.evidence.procedures import ProcedureEvent, may_be, procedure_event, procedure_mentions
from openimr.evidence.terms import Candidate, family_candidates, term_lists
from openimr.evidence.text import (
    Sentence,
    clause_bounds,
    join_hyphenated_words,
    join_line_breaks,
    plain_characters,
    sentence_at,
)
from openimr.knowledge.lexicons import Procedure, laterality_matcher
from openimr.knowledge.terms import TermMatch
from openimr.model import Case, Document, Fact, FactStatus, Span

_OWN_EXTRACTORS = frozenset({"functional", "prior_treatment", "treatment_word", "drug_test_word", "drug_screen_assay"})
"""Families with extractors of their own: functional improvement (tied to a treatment), prior treatment (with its
session count), the words that name a class of drugs (used by attribution), those that name a drug test (used by the
medication reading) and what a screen's result names (used by the drug-screen reading), the last three not facts
themselves. Every other family's facts are plain term matches."""


_Extractor = Callable[..., list[Candidate]]
"""Finds a family's candidate facts in a case; one that reads a term list term by term also takes `names`, the terms
to read (all when None)."""


@dataclass(frozen=True)
class _Family:
    """A fact family: the kind of its facts, its extractor, and whether the extractor reads the term list of that kind
    term by term (a candidate of one term found whatever other terms are read with it)."""

    kind: str
    extract: _Extractor
    by_term: bool = True
    keys: frozenset[str] | None = None
    """The fact names and groups its facts can have, when not those of its kind's term list."""


@cache
def _extractors() -> tuple[_Family, ...]:
    """Every fact family, in the order of `extract_facts`: the plain term families, then functional improvement,
    medications, prior treatment and the unexpected results of drug screens."""
    plain = tuple(_Family(family, partial(family_candidates, family=family)) for family in sorted(term_lists()))
    return (
        *(row for row in plain if row.kind not in _OWN_EXTRACTORS),
        _Family("functional", attribution.extract),
        _Family("medication", medications.extract, by_term=False, keys=medications.medication_keys()),
        _Family("prior_treatment", prior_treatment.extract),
        _Family("finding", drug_screen.extract, by_term=False, keys=drug_screen.FACT_KEYS),
    )


@cache
def _extractors_of() -> dict[str, tuple[int, ...]]:
    """For each fact name and group, the extractors (by rank) whose facts can have it."""
    ranks: dict[str, list[int]] = {}
    for rank, family in enumerate(_extractors()):
        keys = family.keys if family.keys is not None else _term_keys(family.kind)
        for key in keys:
            ranks.setdefault(key, []).append(rank)
    return {key: tuple(found) for key, found in ranks.items()}


def _term_keys(family: str) -> frozenset[str]:
    return frozenset(key for name, group, _ in term_lists()[family] for key in (name, group or name))


@cache
def _terms_with(family: str) -> dict[str, frozenset[str]]:
    """For each fact name and group of a term family, the names of the terms whose facts have it."""
    terms: dict[str, set[str]] = {}
    for name, group, _ in term_lists()[family]:
        for key in {name, group or name}:
            terms.setdefault(key, set()).add(name)
    return {key: frozenset(names) for key, names in terms.items()}


@cache
def _sources(key: str) -> tuple[tuple[int, frozenset[str] | None], ...]:
    """The extractors (by rank) whose facts can have this name or group, each with the names of the terms whose facts
    have it (None for an extractor not read term by term)."""
    return tuple(
        (rank, _terms_with(family.kind)[key] if family.by_term else None)
        for rank in _extractors_of().get(key, ())
        for family in [_extractors()[rank]]
    )


def _candidates(case: Case) -> list[Candidate]:
    return [candidate for family in _extractors() for candidate in family.extract(case)]


def as_read(case: Case) -> Case:
    """The case as the evidence reads it: each document's line breaks inside a sentence, tabs and other odd spaces
    made plain spaces, odd hyphens plain hyphens, curly apostrophes straight ones and words hyphenated at a line end
    joined (`join_line_breaks`, `plain_characters`, `join_hyphenated_words`), the same length, so that offsets into it
    are offsets into the documents as filed; and, when the case file's header gives no date of injury, the one the
    record states (`injury_date_in`: the header's wins when both are given)."""
    texts = [join_line_breaks(join_hyphenated_words(plain_characters(document.text))) for document in case.documents]
    update: dict[str, object] = {}
    if any(text != document.text for text, document in zip(texts, case.documents, strict=True)):
        update["documents"] = [
            document.model_copy(update={"text": text}) for text, document in zip(texts, case.documents, strict=True)
        ]
    if case.dates.injury is None and (stated := _injury_stated(case.documents, texts, case.dates.ur_decision)):
        update["dates"] = case.dates.model_copy(update={"injury": stated[0]})
    return case.model_copy(update=update) if update else case


def _injury_stated(documents: list[Document], texts: list[str], before: dt.date | None) -> tuple[dt.date, Span] | None:
    """The date of injury the record states (`injury_date_in`, the first document that states one), with where."""
    for document, text in zip(documents, texts, strict=True):
        if found := injury_date_in(text, before):
            return found.date, Span(document_id=document.id, start=found.start, end=found.end, text=text[found.start : found.end])
    return None


def extract_facts(case: Case) -> list[Fact]:
    """Every fact the record states, in document order within each family."""
    return [candidate.resolve() for candidate in _candidates(as_read(case))]


@dataclass(frozen=True, slots=True)
class SpanSentence:
    """One span of a fact and the sentence of the record it lies in."""

    span: Span
    sentence: Sentence

    @property
    def from_span(self) -> str:
        """The sentence from the span on ("... he takes Norco 10/325 q6h": "Norco 10/325 q6h")."""
        return self.sentence.text[self.span.start - self.sentence.start :]


_Place = tuple[int, int, int, str]
"""Where a candidate fact comes in the order of `extract_facts`: its extractor's rank, then its position in the
extractor's list, as (position, 0, "") or, for a family read term by term, (document, start, term name)."""


class Evidence:
    """The facts of one case, with lookups by fact name or group. A family's candidate facts are found when a lookup
    first needs them (a term list's, term by term: those of the terms with the names and groups asked for), and a
    fact's assertion is made when first looked up; facts come in the order of `extract_facts`."""

    def __init__(self, case: Case, candidates: list[Candidate] | None = None, injury_span: Span | None = None) -> None:
        """`candidates`: every candidate fact of the case, when the caller has them (else found family by family);
        `injury_span`: where the record states the date of injury, when the case's date of injury was read from it."""
        self.case = case
        self.injury_span = injury_span
        self._candidates: dict[_Place, Candidate] = {}
        self._facts: dict[_Place, Fact] = {}
        self._by_key: dict[str, list[_Place]] = {}
        self._events: dict[int, Fact | None] = {}
        self._mentioned: dict[tuple[str, ...], list[Fact]] = {}
        """The facts of each tuple of keys asked for (all their candidates found, they are final)."""
        self._sentences: dict[tuple[str, int, int], Sentence] = {}
        """The sentence each span lies in, by its document and place (`sentences_of`)."""
        self._complete: set[int] = set()
        """Ranks whose candidates are all found."""
        self._read: dict[int, set[str]] = {}
        """For a family read term by term, the terms read so far."""
        documents = {id(document): index for index, document in enumerate(case.documents)}
        # a document given twice would put two candidates at one place: such a case is read family by family
        self._documents = documents if len(documents) == len(case.documents) else None
        if candidates is not None:
            self._add(-1, candidates, by_term=False)
            self._complete.update(range(-1, len(_extractors())))

    @cached_property
    def document_texts(self) -> dict[str, str]:
        """Each document's text by its id."""
        return {document.id: document.text for document in self.case.documents}

    def sentences_of(self, fact: Fact) -> list[SpanSentence]:
        """Each span of `fact` in the record, in the order of its spans, with the sentence it lies in (a span outside
        the case's documents has none)."""
        texts = self.document_texts
        found = []
        for span in fact.spans:
            if span.document_id not in texts:
                continue
            where = (span.document_id, span.start, span.end)
            if where not in self._sentences:
                self._sentences[where] = sentence_at(texts[span.document_id], span.start, span.end)
            found.append(SpanSentence(span, self._sentences[where]))
        return found

    def sides_of(self, fact: Fact) -> set[str]:
        """The sides ("left", "right", "bilateral") the record places `fact` on: those its clause names ("right knee
        crepitus; the left knee is normal"), else those its sentence names ("L knee: pain 7/10 with stairs"); empty
        when neither names a side."""
        sides: set[str] = set()
        for place in self.sentences_of(fact):
            sentence = place.sentence
            start, end = clause_bounds(sentence.text, place.span.start - sentence.start, place.span.end - sentence.start)
            named = {m.value for m in laterality_matcher().find(sentence.text[start:end])}
            sides |= named or {m.value for m in laterality_matcher().find(sentence.text)}
        return sides

    def _add(self, rank: int, candidates: list[Candidate], by_term: bool) -> None:
        documents = self._documents
        for position, candidate in enumerate(candidates):
            match = candidate.match
            place = (
                (rank, documents[id(match.document)], match.start, match.name)
                if by_term and documents is not None
                else (rank, position, 0, "")
            )
            self._candidates[place] = candidate
            for key in {candidate.name, match.group or candidate.name}:
                insort(self._by_key.setdefault(key, []), place)

    def _find(self, rank: int, names: Iterable[str] | None = None) -> None:
        """Find the candidate facts of the extractor of this rank not found yet: given `names`, of a family read term by
        term, those of the terms of these names only."""
        if rank in self._complete:
            return
        family = _extractors()[rank]
        if not family.by_term or self._documents is None:
            self._add(rank, family.extract(self.case), by_term=False)
            self._complete.add(rank)
            return
        read = self._read.setdefault(rank, set())
        every = _terms_with(family.kind)
        wanted = frozenset(name for key in every for name in every[key]) if names is None else frozenset(names)
        unread = wanted - read
        if unread:
            self._add(rank, family.extract(self.case, names=unread), by_term=True)
            read |= unread
        if names is None:
            self._complete.add(rank)

    def _fact(self, place: _Place) -> Fact:
        if place not in self._facts:
            self._facts[place] = self._candidates[place].resolve()
        return self._facts[place]

    def of_kind(self, kind: str, named: Callable[[str], bool] | None = None) -> list[Fact]:
        """Every fact of one family (e.g. "medication"); given `named`, those whose name it accepts (the others'
        assertions are not made)."""
        for rank, family in enumerate(_extractors()):
            if family.kind == kind:
                self._find(rank)
        return [
            self._fact(place)
            for place in sorted(self._candidates)
            if (candidate := self._candidates[place]).kind == kind and (named is None or named(candidate.name))
        ]

    def mentions(self, keys: Iterable[str]) -> list[Fact]:
        """Facts whose name or group is one of `keys`, whatever their status."""
        keys = tuple(keys)
        if keys not in self._mentioned:
            whole: set[int] = set()
            wanted: dict[int, set[str]] = {}
            for key in keys:
                for rank, names in _sources(key):
                    if names is None:
                        whole.add(rank)
                    else:
                        wanted.setdefault(rank, set()).update(names)
            for rank in whole:
                self._find(rank)
            for rank, terms in wanted.items():
                self._find(rank, terms)
            places = dict.fromkeys(place for key in keys for place in self._by_key.get(key, []))
            self._mentioned[keys] = [self._fact(place) for place in places]
        return list(self._mentioned[keys])

    def present(self, keys: Iterable[str]) -> list[Fact]:
        """Facts among `keys` that the record asserts of the worker (not negated, hedged, hypothetical or planned)."""
        return [f for f in self.mentions(keys) if f.status == FactStatus.PRESENT and f.experiencer == "patient"]

    @cached_property
    def _procedure_mentions(self) -> list[tuple[Document, TermMatch[Procedure]]]:
        return procedure_mentions(self.case)

    def procedure_events(self, names: Container[str] | None = None, event: ProcedureEvent | None = None) -> list[Fact]:
        """What became of each procedure the record speaks of (performed, certified, denied, planned), in document
        order; given `names` (procedure lexicon names), of those procedures only; given `event`, the events of that
        kind only. A mention's event is read when first asked for (not when its clause's words state another)."""
        events = []
        for index, (document, match) in enumerate(self._procedure_mentions):
            if names is not None and match.value.name not in names:
                continue
            if index not in self._events:
                if event is not None and not may_be(event, document, match):
                    continue
                self._events[index] = procedure_event(document, match, self.case.dates.ur_decision)
            found = self._events[index]
            if found is not None and (event is None or found.value == event):
                events.append(found)
        return events

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
    candidate facts found and indexed when first needed; when the case file's header gives no date of injury, where the
    record states the one read (`Evidence.injury_span`: the phase of care read from it shows its source)."""
    read = as_read(case)
    stated = None
    if case.dates.injury is None:
        stated = _injury_stated(read.documents, [document.text for document in read.documents], case.dates.ur_decision)
    return Evidence(read, injury_span=stated[1] if stated else None)
