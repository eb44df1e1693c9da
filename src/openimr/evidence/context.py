"""Assertion status of a finding in its sentence: present, absent (negated) or uncertain, and whether it is history.

A light ConText (Chapman et al. 2009, as in medspaCy): modifier words found by the rules in
`knowledge/context/rules.yaml` govern a scope of words forward or backward from them, up to the clause end, a
terminating word ("but", "however", "with"), another modifier, or the rule's `max_scope`. A target inside the scope of
a negation is absent, inside an uncertainty uncertain. The sentence it exists for, rule by rule:

* "No muscle spasm", "Denies spasm", "He no longer has spasm", "Negative for spasm": forward negation.
* "Muscle spasm in not noted", "Spasm was not present", "SLR negative": backward negation.
* "No documentation of objective functional improvement with tramadol": "with" ends the scope, so the improvement is
  negated and tramadol is not.
* "There was no evidence of radiculopathy but spasm was noted": "but" ends the scope; spasm is present.
* "No significant change but positive straight leg raise": "no significant change" is a pseudo-negation.
* "Possible radiculopathy", "Rule out radiculopathy", "Radiculopathy is suspected": uncertain.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Generic, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from openimr.evidence.text import Sentence, sentence_at, split_sentences
from openimr.knowledge import load_knowledge
from openimr.knowledge.terms import TermMatcher
from openimr.model import FactStatus

__all__ = [
    "Assertion",
    "ContextRule",
    "ContextRules",
    "Mention",
    "Modifier",
    "assert_status",
    "assertion",
    "context_rules",
    "find_mentions",
    "find_modifiers",
]

V = TypeVar("V")

Category = Literal["negated", "uncertain", "historical", "pseudo", "terminate"]
Direction = Literal["forward", "backward", "bidirectional"]


class ContextRule(BaseModel):
    """One ConText rule: a literal or a pattern, its category, direction and maximum scope in words."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    category: Category
    literal: str | None = None
    pattern: str | None = None
    direction: Direction | None = None
    max_scope: int | None = Field(default=None, ge=1)
    example: str | None = Field(default=None, description="The sentence the rule exists for.")

    @model_validator(mode="after")
    def _well_formed(self) -> Self:
        if (self.literal is None) == (self.pattern is None):
            raise ValueError("give exactly one of literal and pattern")
        modifies = self.category in {"negated", "uncertain", "historical"}
        if modifies and self.direction is None:
            raise ValueError(f"a {self.category} rule needs a direction (forward, backward or bidirectional)")
        if not modifies and self.direction is not None:
            raise ValueError(f"a {self.category} rule takes no direction")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as error:
                raise ValueError(f"pattern {self.pattern!r} is not a valid regular expression ({error})") from None
        return self

    def regex(self) -> re.Pattern[str]:
        """The rule as a compiled, whole-word, case-insensitive regular expression."""
        body = self.pattern if self.pattern is not None else r"\s+".join(map(re.escape, (self.literal or "").split()))
        return re.compile(rf"(?<![\w/])(?:{body})(?![\w/])", re.IGNORECASE)


class ContextRules(BaseModel):
    """The ConText rule file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    rules: list[ContextRule] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class Modifier:
    """A modifier found in a sentence: its rule, offsets into the text, and the offsets of the scope it governs."""

    rule: ContextRule
    start: int
    end: int
    scope_start: int
    scope_end: int

    @property
    def category(self) -> Category:
        """The rule's category."""
        return self.rule.category


@dataclass(frozen=True, slots=True)
class Assertion:
    """The assertion of one target: its status, whether it is past history, and the modifiers that decided it."""

    status: FactStatus
    historical: bool
    modifiers: tuple[Modifier, ...]


@dataclass(frozen=True, slots=True)
class Mention(Generic[V]):
    """A target found in a text with its assertion: offsets (end exclusive), text as written, and entry."""

    start: int
    end: int
    text: str
    value: V
    assertion: Assertion

    @property
    def status(self) -> FactStatus:
        """Present, absent or uncertain."""
        return self.assertion.status


@cache
def context_rules() -> ContextRules:
    """The packaged ConText rules, loaded and validated once."""
    return load_knowledge("context/rules.yaml", ContextRules)


@cache
def _compiled() -> tuple[tuple[ContextRule, re.Pattern[str]], ...]:
    return tuple((rule, rule.regex()) for rule in context_rules().rules)


_WORD = re.compile(r"\S+")
_CLAUSE_END = re.compile(r"[;:]|\s-\s")
_COMMA = re.compile(r",")
_MODIFYING = ("negated", "uncertain", "historical")


def _words_forward(text: str, start: int, limit: int, count: int | None) -> int:
    if count is None:
        return limit
    end = start
    for index, word in enumerate(_WORD.finditer(text, start, limit)):
        if index == count:
            break
        end = word.end()
    return end


def _words_backward(text: str, limit: int, end: int, count: int | None) -> int:
    if count is None:
        return limit
    words = list(_WORD.finditer(text, limit, end))
    return words[-count].start() if len(words) >= count else limit


def find_modifiers(text: str, sentence: Sentence) -> list[Modifier]:
    """The modifiers of one sentence with their scopes (pseudo-modifiers and terminators removed)."""
    candidates = [
        (match.start(), match.end(), rule)
        for rule, regex in _compiled()
        for match in regex.finditer(text, sentence.start, sentence.end)
    ]
    # Longest match first at each place; pseudo-modifiers win ties, so their words modify nothing.
    candidates.sort(key=lambda c: (c[0], c[0] - c[1], c[2].category != "pseudo"))
    kept: list[tuple[int, int, ContextRule]] = []
    for candidate in candidates:
        if not kept or candidate[0] >= kept[-1][1]:
            kept.append(candidate)
    stops = sorted(
        [(s, e) for s, e, rule in kept if rule.category != "pseudo"]
        + [(m.start(), m.end()) for m in _CLAUSE_END.finditer(text, sentence.start, sentence.end)]
    )
    commas = [m.start() for m in _COMMA.finditer(text, sentence.start, sentence.end)]
    modifiers = []
    for start, end, rule in kept:
        if rule.category not in _MODIFYING:
            continue
        forward_end = next((s for s, _ in stops if s >= end), sentence.end)
        backward_start = max([e for _, e in stops if e <= start] + [c + 1 for c in commas if c < start] + [sentence.start])
        scope_start, scope_end = end, end
        if rule.direction in ("forward", "bidirectional"):
            scope_end = _words_forward(text, end, forward_end, rule.max_scope)
        if rule.direction in ("backward", "bidirectional"):
            scope_start = _words_backward(text, backward_start, start, rule.max_scope)
        if rule.direction == "backward":
            scope_end = start
        modifiers.append(Modifier(rule, start, end, scope_start, scope_end))
    return modifiers


def _assert(start: int, end: int, modifiers: Iterable[Modifier]) -> Assertion:
    applying = [m for m in modifiers if m.scope_start < end and start < m.scope_end and not (m.start < end and start < m.end)]
    historical = any(m.category == "historical" for m in applying)
    deciding = [m for m in applying if m.category in ("negated", "uncertain")]
    status = FactStatus.PRESENT
    if deciding:
        nearest = min(deciding, key=lambda m: min(abs(m.end - start), abs(end - m.start)))
        status = FactStatus.ABSENT if nearest.category == "negated" else FactStatus.UNCERTAIN
    return Assertion(status, historical, tuple(applying))


def assertion(text: str, start: int, end: int) -> Assertion:
    """The assertion of the target `text[start:end]` within its sentence, with the modifiers that decided it."""
    sentence = sentence_at(text, start, end)
    return _assert(start, end, find_modifiers(text, sentence))


def assert_status(text: str, start: int, end: int) -> FactStatus:
    """Present, absent or uncertain: the status of the target `text[start:end]` within its sentence."""
    return assertion(text, start, end).status


def find_mentions(text: str, targets: TermMatcher[V]) -> list[Mention[V]]:
    """Every target term in `text` with its assertion; each sentence's modifiers are found once."""
    found = targets.find(text)
    if not found:
        return []
    mentions: list[Mention[V]] = []
    sentences = split_sentences(text)
    index = 0
    cache_for: dict[int, list[Modifier]] = {}
    for match in found:
        while index < len(sentences) - 1 and sentences[index].end <= match.start:
            index += 1
        sentence = sentences[index] if sentences else Sentence(0, len(text), text)
        if sentence.start not in cache_for:
            cache_for[sentence.start] = find_modifiers(text, sentence)
        assertion_ = _assert(match.start, match.end, cache_for[sentence.start])
        mentions.append(Mention(match.start, match.end, match.text, match.value, assertion_))
    return mentions
