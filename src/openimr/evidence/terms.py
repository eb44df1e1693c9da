"""Find the terms of an evidence family's term list in a case's documents, each match a `Fact` with its span and
its assertion status (present, absent, uncertain) from the ConText rules."""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TypeVar

from openimr.errors import OpenIMRError
from openimr.evidence.context import assertion
from openimr.evidence.text import Sentence, split_sentences
from openimr.evidence.wording import SentenceRole, sentence_role
from openimr.knowledge import knowledge_files, parse_knowledge
from openimr.knowledge.lexicons import body_part_matcher
from openimr.knowledge.schema import TermList, TermPattern
from openimr.knowledge.terms import TermMatcher
from openimr.model import Case, Document, Fact, Span

V = TypeVar("V")


@dataclass(frozen=True)
class TermMatch:
    """One match of a term in a document, with the sentence around it."""

    document: Document
    name: str
    group: str | None
    start: int
    end: int
    sentence: Sentence


@dataclass(frozen=True)
class _Family:
    """A family's terms compiled: one regex per term, and all of them joined to find candidate places in one pass."""

    terms: tuple[tuple[str, str | None, re.Pattern[str]], ...]
    combined: re.Pattern[str]
    """All terms joined, for lower-cased text."""
    combined_any_case: re.Pattern[str]
    """All terms joined, case-insensitive: for the rare text whose lower case changes its length."""


def _lower_literals(pattern: str) -> str:
    """A pattern for lower-cased text: letters lower-cased, escapes (\\W, \\S, \\D, \\B ...) kept as written."""
    return re.sub(r"\\.|[A-Z]", lambda m: m.group(0) if m.group(0).startswith("\\") else m.group(0).lower(), pattern)


@cache
def _families() -> dict[str, _Family]:
    """Every family's terms, compiled. A family may span several files (findings by body region); a term name
    appears once per family."""
    terms_of: dict[str, list[TermPattern]] = {}
    for resource in knowledge_files("evidence"):
        source = f"knowledge/evidence/{resource.name}"
        term_list = parse_knowledge(resource.read_text(encoding="utf-8"), TermList, source)
        rows = terms_of.setdefault(term_list.family, [])
        known = {term.name for term in rows}
        for term in term_list.terms:
            if term.name in known:
                raise OpenIMRError(f"term {term.name!r} is defined twice in family {term_list.family!r}", source)
            known.add(term.name)
        rows.extend(term_list.terms)
    families: dict[str, _Family] = {}
    for family, rows in terms_of.items():
        alternations = ["|".join(f"(?:{p})" for p in term.patterns) for term in rows]
        families[family] = _Family(
            terms=tuple(
                (term.name, term.group, re.compile(alternation, re.IGNORECASE))
                for term, alternation in zip(rows, alternations, strict=True)
            ),
            # Terms start at a word boundary: checking it first lets the one pass skip the inside of words. The pass
            # runs over lower-cased text (case-insensitive matching is slow), the terms then confirm each place.
            combined=re.compile(r"\b(?:" + "|".join(f"(?:{_lower_literals(a)})" for a in alternations) + ")"),
            combined_any_case=re.compile(r"\b(?:" + "|".join(f"(?:{a})" for a in alternations) + ")", re.IGNORECASE),
        )
    return families


def term_lists() -> dict[str, tuple[tuple[str, str | None, re.Pattern[str]], ...]]:
    """Every packaged evidence term list, compiled: family -> (name, group, pattern) rows, one row per term."""
    return {family: compiled.terms for family, compiled in _families().items()}


UR_DECISION = "ur_decision"
"""Document type of the utilization review's decision: shown to the reviewer, never clinical evidence."""
EVIDENCE_ROLES = frozenset({SentenceRole.CLINICAL, SentenceRole.REQUEST})
"""Sentence roles whose text is evidence about the worker (the request's own wording may state findings)."""


class _Sentences:
    """A document's sentences (split once), found by offset, each with its role (read when first asked for)."""

    def __init__(self, text: str) -> None:
        self.sentences = split_sentences(text) or [Sentence(0, len(text), text)]
        self.starts = [sentence.start for sentence in self.sentences]
        self._roles: dict[int, SentenceRole] = {}

    def index(self, offset: int) -> int:
        return max(bisect_right(self.starts, offset) - 1, 0)

    def at(self, offset: int) -> Sentence:
        return self.sentences[self.index(offset)]

    def role(self, index: int) -> SentenceRole:
        if index not in self._roles:
            self._roles[index] = sentence_role(self.sentences[index].text)
        return self._roles[index]


@lru_cache(maxsize=64)
def _sentences(text: str) -> _Sentences:
    return _Sentences(text)


def document_role(document: Document) -> SentenceRole | None:
    """The role every sentence of a document has by its type (a UR decision is all review), or None."""
    return SentenceRole.REVIEW if document.type == UR_DECISION else None


def find_lexicon_terms(
    case: Case,
    matcher: TermMatcher[V],
    key: Callable[[V], tuple[str, str | None]],
    roles: frozenset[SentenceRole] = EVIDENCE_ROLES,
) -> Iterator[TermMatch]:
    """Every term of a lexicon matcher in the case's documents, named by `key(entry)` (a fact name and group), in
    sentences whose role is among `roles` (see `find_terms`)."""
    for document in case.documents:
        fixed = document_role(document)
        if fixed is not None and fixed not in roles:
            continue
        sentences = _sentences(document.text)
        for found in matcher.find(document.text):
            index = sentences.index(found.start)
            if fixed is None and sentences.role(index) not in roles:
                continue
            name, group = key(found.value)
            yield TermMatch(document, name, group, found.start, found.end, sentences.sentences[index])


def find_terms(case: Case, family: str, roles: frozenset[SentenceRole] = EVIDENCE_ROLES) -> Iterator[TermMatch]:
    """Every match of `family`'s terms in the case's documents, with the sentence it sits in, in sentences whose
    role is among `roles` (by default, not the UR decision's text: neither a `ur_decision` document nor the sentences
    of a summary that report the UR's decision and reasons are evidence about the worker).

    One pass of the family's joined pattern finds where terms start; at each such place every term is tried, so
    two terms starting at one place are both found."""
    compiled = _families()[family]
    for document in case.documents:
        fixed = document_role(document)
        if fixed is not None and fixed not in roles:
            continue
        text = document.text
        folded, combined = text.lower(), compiled.combined
        if len(folded) != len(text):  # a character whose lower case is longer: scan the text as written
            folded, combined = text, compiled.combined_any_case
        sentences = _sentences(text)
        position = 0
        while (candidate := combined.search(folded, position)) is not None:
            start = candidate.start()
            position = start + 1
            index = sentences.index(start)
            if fixed is None and sentences.role(index) not in roles:
                continue
            for name, group, pattern in compiled.terms:
                match = pattern.match(text, start)
                if match:
                    yield TermMatch(document, name, group, start, match.end(), sentences.sentences[index])


@dataclass(frozen=True)
class Candidate:
    """A term match on its way to being a fact: the ConText assertion, the costly part, is made when the fact is
    first needed (`resolve`)."""

    kind: str
    match: TermMatch
    value: str | None = None
    date: dt.date | None = None
    treatments: tuple[str, ...] = ()
    """The treatments the fact is about (see `openimr.evidence.attribution`)."""

    @property
    def name(self) -> str:
        """The term's name."""
        return self.match.name

    def resolve(self) -> Fact:
        """The fact, its status asserted by the ConText rules within its sentence."""
        match = self.match
        text, sentence = match.document.text, match.sentence
        asserted = assertion(sentence.text, match.start - sentence.start, match.end - sentence.start)
        return Fact(
            body_parts=list(_body_parts(sentence.text)),
            kind=self.kind,
            name=match.name,
            status=asserted.status,
            value=self.value if self.value is not None else match.group,
            date=self.date,
            treatments=list(self.treatments),
            spans=[Span(document_id=match.document.id, start=match.start, end=match.end, text=text[match.start : match.end])],
            historical=asserted.historical,
            experiencer=asserted.experiencer,
            cue=asserted.cue(sentence.text),
            rule=asserted.deciding.describe() if asserted.deciding else None,
        )


@lru_cache(maxsize=4096)
def _body_parts(sentence: str) -> tuple[str, ...]:
    """The body parts a sentence names (lexicon names), for scoping a finding to a region."""
    return tuple(dict.fromkeys(m.value.name for m in body_part_matcher().find(sentence)))


def family_candidates(case: Case, family: str) -> list[Candidate]:
    """A candidate fact for every match of one family's terms."""
    return [Candidate(family, m) for m in find_terms(case, family)]
