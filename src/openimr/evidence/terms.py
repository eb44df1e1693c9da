"""Find the terms of an evidence family's term list in a case's documents, each match a `Fact` with its span and
its assertion status (present, absent, uncertain) from the ConText rules."""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache

from openimr.evidence.context import assert_status
from openimr.evidence.text import Sentence, split_sentences
from openimr.knowledge import knowledge_files, parse_knowledge
from openimr.knowledge.schema import TermList
from openimr.model import Case, Document, Fact, Span


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
    families: dict[str, _Family] = {}
    for resource in knowledge_files("evidence"):
        term_list = parse_knowledge(resource.read_text(encoding="utf-8"), TermList, f"knowledge/evidence/{resource.name}")
        alternations = ["|".join(f"(?:{p})" for p in term.patterns) for term in term_list.terms]
        families[term_list.family] = _Family(
            terms=tuple(
                (term.name, term.group, re.compile(alternation, re.IGNORECASE))
                for term, alternation in zip(term_list.terms, alternations, strict=True)
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


class _Sentences:
    """A document's sentences (split once), found by offset."""

    def __init__(self, text: str) -> None:
        self.sentences = split_sentences(text) or [Sentence(0, len(text), text)]
        self.starts = [sentence.start for sentence in self.sentences]

    def at(self, offset: int) -> Sentence:
        return self.sentences[max(bisect_right(self.starts, offset) - 1, 0)]


@lru_cache(maxsize=64)
def _sentences(text: str) -> _Sentences:
    return _Sentences(text)


def find_terms(case: Case, family: str) -> Iterator[TermMatch]:
    """Every match of `family`'s terms in the case's documents, with the sentence it sits in.

    One pass of the family's joined pattern finds where terms start; at each such place every term is tried, so
    two terms starting at one place are both found."""
    compiled = _families()[family]
    for document in case.documents:
        text = document.text
        folded, combined = text.lower(), compiled.combined
        if len(folded) != len(text):  # a character whose lower case is longer: scan the text as written
            folded, combined = text, compiled.combined_any_case
        sentences = _sentences(text)
        position = 0
        while (candidate := combined.search(folded, position)) is not None:
            start = candidate.start()
            for name, group, pattern in compiled.terms:
                match = pattern.match(text, start)
                if match:
                    yield TermMatch(document, name, group, start, match.end(), sentences.at(start))
            position = start + 1


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
        return Fact(
            kind=self.kind,
            name=match.name,
            status=assert_status(sentence.text, match.start - sentence.start, match.end - sentence.start),
            value=self.value if self.value is not None else match.group,
            date=self.date,
            treatments=list(self.treatments),
            spans=[Span(document_id=match.document.id, start=match.start, end=match.end, text=text[match.start : match.end])],
        )


def family_candidates(case: Case, family: str) -> list[Candidate]:
    """A candidate fact for every match of one family's terms."""
    return [Candidate(family, m) for m in find_terms(case, family)]
