"""Whole-word matching of lexicon terms in text, compiled once into a prefix-tree regular expression.

A lexicon has hundreds of terms; one alternation of them all makes the regex engine try every term at every
position. Folding the terms into a character trie first gives a pattern that rejects most positions on their first
character, which is what lets the engine scan whole records quickly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from openimr.errors import OpenIMRError

V = TypeVar("V")

_SEPARATOR = re.compile(r"[\s\-]+")
_GAP = r"[\s\-]+"
_CASE_SENSITIVE = re.compile(r"[A-Z]{1,3}")


def normalise_term(term: str) -> str:
    """The lookup form of a term: lower case, runs of spaces and hyphens made one space."""
    return _SEPARATOR.sub(" ", term.strip().lower())


def is_case_sensitive(term: str) -> bool:
    """Short capitalised abbreviations ("PT", "OT", "CT") match only as written: "pt" in notes means patient."""
    return _CASE_SENSITIVE.fullmatch(term.strip()) is not None


@dataclass(frozen=True, slots=True)
class TermMatch(Generic[V]):
    """One term found in a text: offsets (end exclusive), the text as written and the entry it names."""

    start: int
    end: int
    text: str
    value: V


_Trie = dict[str, "_Trie"]


def _trie_regex(terms: Iterable[str]) -> str:
    """A regex matching exactly `terms` (already normalised), longest alternative first at each branch."""
    trie: _Trie = {}
    for term in terms:
        node = trie
        for char in term:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: _Trie) -> str:
        end = "" in node
        branches = []
        for char in sorted(k for k in node if k):
            atom = _GAP if char == " " else re.escape(char)
            branches.append(atom + render(node[char]))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if end:
            return f"(?:{body})?"
        return body

    return render(trie)


class TermMatcher(Generic[V]):
    """Finds the terms of a lexicon in text, leftmost first and longest at each position, never inside a word.

    `terms` maps each literal term to its entry; a space in a term also matches hyphens and runs of whitespace.
    `patterns` maps regular expressions to entries for spellings a literal cannot express. Two terms with the same
    lookup form naming different entries are an error naming `source`.
    """

    def __init__(self, terms: Mapping[str, V], patterns: Mapping[str, V] | None = None, source: str = "lexicon") -> None:
        self._lookup: dict[str, V] = {}
        insensitive: list[str] = []
        sensitive: list[str] = []
        for term, value in terms.items():
            key = normalise_term(term)
            if not key:
                raise OpenIMRError("empty term", source)
            if key in self._lookup and self._lookup[key] != value:
                raise OpenIMRError(f"term {term!r} names two different entries", source)
            self._lookup[key] = value
            if is_case_sensitive(term):
                sensitive.append(term.strip())
            else:
                insensitive.append(key)
        alternatives = []
        if insensitive:
            alternatives.append(_trie_regex(sorted(set(insensitive))))
        if sensitive:
            alternatives.append("(?-i:" + _trie_regex(sorted(set(sensitive))) + ")")
        self._patterns: list[tuple[re.Pattern[str], V]] = []
        for pattern, value in (patterns or {}).items():
            try:
                self._patterns.append((re.compile(rf"(?<![\w])(?:{pattern})(?![\w])", re.IGNORECASE), value))
            except re.error as error:
                raise OpenIMRError(f"pattern {pattern!r} is not a valid regular expression ({error})", source) from None
        body = "|".join(f"(?:{a})" for a in alternatives if a) or r"(?!x)x"
        self._regex = re.compile(rf"(?<![\w])(?:{body})(?![\w])", re.IGNORECASE)

    def find(self, text: str) -> list[TermMatch[V]]:
        """All non-overlapping terms in `text`, in reading order."""
        found = [
            TermMatch(m.start(), m.end(), m.group(), self._lookup[normalise_term(m.group())]) for m in self._regex.finditer(text)
        ]
        for regex, value in self._patterns:
            found.extend(TermMatch(m.start(), m.end(), m.group(), value) for m in regex.finditer(text))
        if not self._patterns:
            return found
        found.sort(key=lambda m: (m.start, m.start - m.end))
        kept: list[TermMatch[V]] = []
        for match in found:
            if not kept or match.start >= kept[-1].end:
                kept.append(match)
        return kept

    def lookup(self, term: str) -> V | None:
        """The entry a term names exactly, or None."""
        return self._lookup.get(normalise_term(term))
