"""Find the terms of an evidence family's term list in a case's documents, each match a `Fact` with its span and
its assertion status (present, absent, uncertain) from the ConText rules."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

from openimr.evidence.context import assert_status
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
    sentence: str


@cache
def term_lists() -> dict[str, tuple[tuple[str, str | None, re.Pattern[str]], ...]]:
    """Every packaged evidence term list, compiled: family -> (name, group, pattern) rows."""
    lists: dict[str, tuple[tuple[str, str | None, re.Pattern[str]], ...]] = {}
    for resource in knowledge_files("evidence"):
        term_list = parse_knowledge(resource.read_text(encoding="utf-8"), TermList, f"knowledge/evidence/{resource.name}")
        lists[term_list.family] = tuple(
            (term.name, term.group, re.compile(pattern, re.IGNORECASE)) for term in term_list.terms for pattern in term.patterns
        )
    return lists


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets of the sentence holding `text[start:end]` (split at full stops followed by a space, and blank lines)."""
    left = max(text.rfind(". ", 0, start), text.rfind("\n\n", 0, start))
    right_candidates = [i for i in (text.find(". ", end), text.find("\n\n", end)) if i >= 0]
    right = min(right_candidates) if right_candidates else len(text)
    return (left + 2 if left >= 0 else 0), right


def find_terms(case: Case, family: str) -> Iterator[TermMatch]:
    """Every match of `family`'s terms in the case's documents; overlapping matches of one term are reported once."""
    for document in case.documents:
        text = document.text
        seen: set[tuple[str, int]] = set()
        for name, group, pattern in term_lists()[family]:
            for match in pattern.finditer(text):
                if (name, match.start()) in seen:
                    continue
                seen.add((name, match.start()))
                s_start, s_end = sentence_around(text, match.start(), match.end())
                yield TermMatch(document, name, group, match.start(), match.end(), text[s_start:s_end])


def to_fact(kind: str, match: TermMatch, value: str | None = None) -> Fact:
    """A fact for one term match, its status asserted from the surrounding text."""
    text = match.document.text
    return Fact(
        kind=kind,
        name=match.name,
        status=assert_status(text, match.start, match.end),
        value=value if value is not None else match.group,
        spans=[Span(document_id=match.document.id, start=match.start, end=match.end, text=text[match.start : match.end])],
    )


def extract_family(case: Case, family: str, keep: Callable[[TermMatch], bool] | None = None) -> list[Fact]:
    """Facts for every match of one family's terms (optionally only the matches `keep` accepts)."""
    return [to_fact(family, m) for m in find_terms(case, family) if keep is None or keep(m)]
