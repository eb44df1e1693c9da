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
* "No findings to indicate any possible radiculopathy": a negation reaches over an uncertainty in the same phrase.
* "EMG is not needed if radiculopathy is obvious": hypothetical; the negation stops at "if".
* "A urine drug screen will be obtained at the next visit", "Physical therapy was recommended": planned, not done.
* "CURES has not yet been reviewed", "He has never tried acupuncture": negated.
* "Family history of cancer": experiencer other than the worker.
* "History of lumbar fusion": historical (status present, flagged).

Each assertion keeps the modifier that decided it (its cue words and rule), so a reviewer can see why a fact was read
as negated, planned or hypothetical.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Generic, Literal, NamedTuple, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from openimr.evidence.text import Sentence, clause_starts, has_finite_verb, split_sentences
from openimr.evidence.wording import CARE_GOES_ON
from openimr.knowledge import load_knowledge
from openimr.knowledge.terms import (
    Requirements,
    RunIndex,
    TermMatcher,
    WordStartPattern,
    ascii_twin,
    holds,
    pattern_anchors,
    pattern_prefixes,
    pattern_requirements,
    reads_as_ascii,
    selective,
    widen_spaces,
    with_variants,
)
from openimr.model import FactStatus, Span

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

Category = Literal["negated", "uncertain", "hypothetical", "planned", "experiencer", "historical", "pseudo", "terminate"]
Direction = Literal["forward", "backward", "bidirectional"]
_MODIFYING = ("negated", "uncertain", "hypothetical", "planned", "experiencer", "historical")
_DECIDING = {
    "negated": FactStatus.ABSENT,
    "uncertain": FactStatus.UNCERTAIN,
    "hypothetical": FactStatus.HYPOTHETICAL,
    "planned": FactStatus.PLANNED,
}
"""Categories that set a target's status, and the status each sets."""
_ESCAPE = re.compile(r"\\.|\[[^\]]*\]")
_WORD_START = r"(?<![\w/])"
"""A rule matches only where a word starts: not after a letter, digit, underscore or slash."""


class ContextRule(BaseModel):
    """One ConText rule: a literal or a pattern, its category, direction and maximum scope in words."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    category: Category
    literal: str | None = None
    pattern: str | None = None
    direction: Direction | None = None
    max_scope: int | None = Field(default=None, ge=1)
    kinds: frozenset[str] = Field(
        default=frozenset(),
        description="Fact kinds the rule modifies (e.g. prior_treatment); empty: every target.",
    )
    result: bool = Field(
        default=False,
        description="A negation whose words report what a test found ('negative', 'unremarkable'): it negates the "
        "finding, while a test it speaks of was done ('the drug screen was negative').",
    )
    list: bool = Field(
        default=False,
        description="A plan or order that governs every item of the list after it ('Plan: PT 2x4, a TENS trial and "
        "a follow-up with the surgeon; acupuncture'): its forward scope goes on over the words that join a treatment to "
        "another ('with', 'using'), over another order, and over a semicolon that opens one more item (no verb of its "
        "own).",
    )
    example: str | None = Field(default=None, description="The sentence the rule exists for.")

    @field_validator("pattern")
    @classmethod
    def _variants(cls, pattern: str | None) -> str | None:
        """The pattern also matches clinical shorthand and the past tense (`with_variants`). Not signs: a rule is
        tried only in sentences holding one of its words."""
        return pattern if pattern is None else with_variants(pattern, signs=False)

    @model_validator(mode="after")
    def _well_formed(self) -> Self:
        if (self.literal is None) == (self.pattern is None):
            raise ValueError("give exactly one of literal and pattern")
        modifies = self.category in _MODIFYING
        if modifies and self.direction is None:
            raise ValueError(f"a {self.category} rule needs a direction (forward, backward or bidirectional)")
        if not modifies and self.direction is not None:
            raise ValueError(f"a {self.category} rule takes no direction")
        if self.result and self.category != "negated":
            raise ValueError("only a negated rule can report a result")
        if self.list and (self.category != "planned" or self.direction != "forward"):
            raise ValueError("only a forward planned rule can govern a list")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as error:
                raise ValueError(f"pattern {self.pattern!r} is not a valid regular expression ({error})") from None
            if _ESCAPE.sub("", self.pattern) != _ESCAPE.sub("", self.pattern).lower():
                raise ValueError(f"pattern {self.pattern!r} must be written in lower case (it matches any case)")
        if self.regex().fullmatch("") is not None:
            raise ValueError("the rule matches empty text")
        return self

    def regex(self) -> re.Pattern[str]:
        """The rule as a compiled, whole-word, case-insensitive regular expression."""
        return re.compile(rf"{_WORD_START}(?:{self._body()})(?![\w/])", re.IGNORECASE)

    def lower_case_regex(self, word_start: bool = False) -> re.Pattern[str]:
        """The rule for lower-cased text. Without the word-start check (`word_start` false: the caller makes it) a rule
        whose matches start with known words is much faster to scan; with it, a rule whose matches may start in many
        ways (an optional word first) is."""
        return re.compile(rf"{_WORD_START if word_start else ''}(?:{self._body()})(?![\w/])")

    def _body(self) -> str:
        if self.pattern is not None:
            return widen_spaces(self.pattern)
        return r"\s+".join(map(re.escape, (self.literal or "").lower().split()))


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

    def describe(self) -> str:
        """The rule as a reviewer would read it: its category and its words."""
        return f"{self.rule.category}: {self.rule.literal or self.rule.pattern}"


@dataclass(frozen=True, slots=True)
class Assertion:
    """The assertion of one target: its status, whether it is past history, whose experience it is, the modifiers in
    whose scope it lies, and the one that decided its status (None when nothing modifies it: present)."""

    status: FactStatus
    historical: bool
    modifiers: tuple[Modifier, ...]
    deciding: Modifier | None = None
    experiencer: str = "patient"

    @property
    def result_only(self) -> bool:
        """Negated by words that report a test's result ("the drug screen was negative"): of a test, what it found is
        negated, not that it was done."""
        return self.status is FactStatus.ABSENT and self.deciding is not None and self.deciding.rule.result

    @property
    def hypothetical(self) -> bool:
        """A condition rather than a statement ("if radiculopathy is present")."""
        return self.status is FactStatus.HYPOTHETICAL

    def cue(self, text: str) -> str | None:
        """The words of `text` that decided the status, if any."""
        return text[self.deciding.start : self.deciding.end] if self.deciding else None


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

    def span(self, document_id: str) -> Span:
        """The mention as a `Span` of the document it was found in."""
        return Span(document_id=document_id, start=self.start, end=self.end, text=self.text)


@cache
def context_rules() -> ContextRules:
    """The packaged ConText rules, loaded and validated once."""
    return load_knowledge("context/rules.yaml", ContextRules)


@cache
def _compiled() -> tuple[tuple[ContextRule, re.Pattern[str]], ...]:
    """Each rule with its regular expression for lower-cased text, checking the word start itself when its matches
    may start otherwise than with known words (`pattern_prefixes`)."""
    return tuple((rule, rule.lower_case_regex(word_start=not _prefixes(rule))) for rule in context_rules().rules)


def _prefixes(rule: ContextRule) -> tuple[str, ...]:
    """Words or letter runs one of which a match of the rule starts with (empty when unknown)."""
    return (rule.literal.lower().split()[0],) if rule.literal is not None else pattern_prefixes(rule.pattern or "")


_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _matches(rule: _IndexedRule, segment: str, ascii: bool, offset: int) -> list[tuple[int, int]]:
    """Whole-word matches of a lower-case rule in a lower-cased sentence (`ascii`: one that `reads_as_ascii`), as
    offsets into the whole text."""
    if rule.word_start is not None:
        return [(start + offset, end + offset) for start, end in rule.word_start[ascii].spans(segment)]
    regex = rule.ascii_regex if ascii else rule.regex
    found = []
    position = 0
    while (match := regex.search(segment, position)) is not None:
        start = match.start()
        if start == 0 or not (segment[start - 1].isalnum() or segment[start - 1] in "_/"):
            found.append((start + offset, match.end() + offset))
            position = match.end()
        else:
            position = start + 1
    return found


_WORD = re.compile(r"\S+")
# A colon ends a clause unless a verdict on what precedes it follows ("Spasm: none", "SLR: negative", a form's boxes
# "Bed-confined: [ ] Yes [X] No"), or it follows a word that recommends what comes after it ("Recommend: pregabalin").
# An arrow ends one too: notes chart a consequence after it ("no lifting -> conflicting restrictions", "no relief ->
# switched to pregabalin"), and a negation before it does not reach what follows.
# The colon is matched before its look-behinds, so that they are tried only at a colon.
_CLAUSE_END = re.compile(
    r";|:(?<!recommend:)(?<!recommends:)(?<!recommended:)(?!\s*(?:none|absent|negative|not\s+present|denied|no)\b|\s*(?:yes\s*)?\[)|\s-\s"
    r"|-+>|\u2192|=>",
    re.IGNORECASE,
)
_COMMA = re.compile(r",")


def _anchors(rule: ContextRule) -> tuple[str, ...]:
    """Lower-case words or letter runs of a rule, at least one of which is in any text the rule matches."""
    if rule.literal is not None:
        return tuple(rule.literal.lower().split())
    return pattern_anchors(rule.pattern or "")


def _requirements(rule: ContextRule) -> Requirements:
    """What a text must hold for the rule to match it: every word of a literal, or a pattern's requirements."""
    if rule.literal is not None:
        return (tuple((word,) for word in rule.literal.lower().split()),)
    return selective(pattern_requirements(rule.pattern or ""))


class _IndexedRule(NamedTuple):
    """A rule with its lower-case expression (and its ASCII twin, `ascii_twin`), what a sentence must hold for it to
    match, and, when the expression checks the word start itself, the expression searched as a word start
    (`WordStartPattern`), read with Unicode and (key true) with ASCII classes."""

    rule: ContextRule
    regex: re.Pattern[str]
    ascii_regex: re.Pattern[str]
    requirements: Requirements
    word_start: dict[bool, WordStartPattern] | None


@dataclass(frozen=True)
class _RuleIndex:
    """The rules, each with what a sentence must hold for it to match; `by_anchor` lists the rules (their indexes)
    one of whose anchors is a run, and `runs` finds the runs a sentence holds. A rule without anchors is never tried."""

    rules: tuple[_IndexedRule, ...]
    by_anchor: dict[str, tuple[int, ...]]
    runs: RunIndex


@cache
def _rule_index() -> _RuleIndex:
    by_anchor: dict[str, list[int]] = {}
    rules = []
    for index, (rule, regex) in enumerate(_compiled()):
        for anchor in _anchors(rule):
            by_anchor.setdefault(anchor, []).append(index)
        word_start = None
        if regex.pattern.startswith(_WORD_START):
            body = WordStartPattern.compile(r"\w/", regex.pattern.removeprefix(_WORD_START))
            word_start = {ascii: body.ascii_twin(ascii) for ascii in (False, True)}
        rules.append(_IndexedRule(rule, regex, ascii_twin(regex), _requirements(rule), word_start))
    runs = [*by_anchor, *(run for rule in rules for branch in rule.requirements for group in branch for run in group)]
    return _RuleIndex(tuple(rules), {a: tuple(indexes) for a, indexes in by_anchor.items()}, RunIndex(runs))


def _rules_for(segment: str) -> list[_IndexedRule]:
    """The rules that may match a lower-cased sentence, in file order: one of their anchors is in it, and what they
    require."""
    index = _rule_index()
    held = index.runs.held(segment)
    tried = sorted({rule for anchor in held & index.by_anchor.keys() for rule in index.by_anchor[anchor]})
    return [rule for rule in map(index.rules.__getitem__, tried) if holds(rule.requirements, held)]


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


def _clause_of_cue(sentence: Sentence, limit: int, cue: int) -> int:
    """Where a backward cue's own clause begins, not before `limit` ("she is doing home exercises and the massage is
    requested": what is requested is the massage alone)."""
    own = max(s for s in clause_starts(sentence.text) if s <= cue - sentence.start)
    return max(sentence.start + own, limit)


_CLAUSE_OPENING = re.compile(r"(?:^|[;:,(]|\b(?:and|but|or)\b)[\s\W]*$")


_FORM_ANSWER = re.compile(r"(?:yes\s*)?\[", re.IGNORECASE)
"""A form's boxes ("[ ] Yes [X] No"): they answer the whole question on their line, commas and all."""


def _opens_clause(segment: str, offset: int) -> bool:
    """Whether `offset` of a sentence is where a clause starts: the sentence start, or just after a comma, colon,
    semicolon, bracket or conjunction (not a form's boxes, which answer the question before them)."""
    return _CLAUSE_OPENING.search(segment, 0, offset) is not None and _FORM_ANSWER.match(segment, offset) is None


def _form_question_start(text: str, sentence: Sentence, cue: int) -> int:
    """Where the question a form's boxes answer begins: the start of their line."""
    return max(text.rfind("\n", sentence.start, cue) + 1, sentence.start)


_GOING_ON = re.compile(rf"\s*(?:{CARE_GOES_ON}|keep\w*|remain\w*|stay\w*)\b", re.IGNORECASE)
"""An item that goes on with care already given ("...; continue the HEP"): not one more order of the plan."""
_JOINING = frozenset({"with", "using", "w/"})
"""Terminators that join a treatment to another ("begin CBT with biofeedback"): an order of the first orders both."""


_PLANNED_WITH = re.compile(r"\b(?:combined|together|along|in\s+(?:conjunction|combination))\s+(?:with\b|w/)", re.IGNORECASE)
"""Words that join one treatment to another given with it ("a trial of CBT, four sessions, combined with EMG
biofeedback"): a plan of the first plans the second, however long the first is told."""


def _joined_in_plan(rule: ContextRule, text: str, start: int, end: int) -> bool:
    """A stop (`start:end`) that ends the words of `_PLANNED_WITH`, in a plan's scope: the plan goes on over it."""
    return rule.category == "planned" and any(m.end() == end for m in _PLANNED_WITH.finditer(text, max(start - 40, 0), end))


def _planned_with_end(text: str, end: int, scope_end: int, forward_end: int, max_scope: int | None) -> int:
    """A forward plan's scope, from its cue's `end`: on over the treatment that `_PLANNED_WITH` words join to the plan's
    own before its clause ends (`forward_end`), as far as the plan's reach past the last such words."""
    joined = [m.end() for m in _PLANNED_WITH.finditer(text, end, forward_end)]
    return max(scope_end, _words_forward(text, joined[-1], forward_end, max_scope)) if joined else scope_end


def _continues_list(rule: ContextRule, category: str, text: str, start: int, end: int, sentence_end: int) -> bool:
    """A stop inside the list a plan or order governs (`ContextRule.list`): a word that joins one treatment to another,
    another order of the list, or a semicolon before one more item (a clause without a verb of its own: "...; acupuncture
    x6", not "...; he completed therapy", nor care that goes on: "...; continue the HEP")."""
    if not rule.list:
        return False
    words = text[start:end]
    if category == "planned" or words.lower() in _JOINING:
        return True
    if words != ";":
        return False
    following = text[end:sentence_end].split(";", 1)[0]
    return not has_finite_verb(following) and not _GOING_ON.match(following)


def _negates_uncertainty(rule: ContextRule, category: str, commas: list[int], start: int, end: int) -> bool:
    """A negation reaches over an uncertainty in the same phrase: "no findings to indicate any possible radiculopathy"."""
    return rule.category == "negated" and category == "uncertain" and not any(start <= c < end for c in commas)


def _opposite(one: ContextRule, other: ContextRule) -> bool:
    """Two rules of one category whose cue reads in opposite directions ("not documented" before or after its
    target)."""
    return one.category == other.category and {one.direction, other.direction} == {"forward", "backward"}


@cache
def _both_ways(one: ContextRule, other: ContextRule) -> ContextRule:
    """One cue matched by a forward and a backward rule reads both ways, as far as the wider of the two."""
    scopes = [rule.max_scope for rule in (one, other)]
    widest = None if None in scopes else max(s for s in scopes if s is not None)
    return one.model_copy(update={"direction": "bidirectional", "max_scope": widest, "result": one.result and other.result})


def _bracket_end(text: str, sentence_start: int, start: int, end: int, forward_end: int) -> int:
    """A cue inside brackets governs no further than the closing bracket: "able to work full shifts (no lifting over 25
    pounds), cook and walk 30 minutes" negates the lifting, not the walking."""
    opened = text.rfind("(", sentence_start, start)
    if opened == -1 or text.rfind(")", opened, start) != -1:
        return forward_end
    closed = text.find(")", end, forward_end)
    return forward_end if closed == -1 else closed


def find_modifiers(text: str, sentence: Sentence, lowered_text: str | None = None) -> list[Modifier]:
    """The modifiers of one sentence with their scopes (pseudo-modifiers and terminators removed).

    `lowered_text` is `text` with A-Z lower-cased, when the caller has it already.
    """
    segment = sentence.text.translate(_LOWER) if lowered_text is None else lowered_text[sentence.start : sentence.end]
    ascii = reads_as_ascii(segment)
    candidates = [
        (start, end, indexed.rule)
        for indexed in _rules_for(segment)
        for start, end in _matches(indexed, segment, ascii, sentence.start)
    ]
    # Longest match first at each place; pseudo-modifiers win ties, so their words modify nothing.
    candidates.sort(key=lambda c: (c[0], c[0] - c[1], c[2].category != "pseudo"))
    kept: list[tuple[int, int, ContextRule]] = []
    for candidate in candidates:
        if not kept or candidate[0] >= kept[-1][1]:
            kept.append(candidate)
        elif candidate[:2] == kept[-1][:2] and _opposite(candidate[2], kept[-1][2]):
            kept[-1] = (*candidate[:2], _both_ways(kept[-1][2], candidate[2]))
        elif _opposite(candidate[2], kept[-1][2]) and _opens_clause(segment, kept[-1][0] - sentence.start):
            # A backward cue that opens its clause has nothing to govern; the forward rule inside it reads ("Has not
            # tried gabapentin": "has not tried" reads backward, "not tried" forward).
            kept[-1] = (kept[-1][0], max(kept[-1][1], candidate[1]), candidate[2])
    # Past-history and experiencer words qualify a target without ending another modifier's scope: "no prior
    # chiropractic care" negates the care; nor do the words of a rule kept to some fact kinds ("Plan: baseline urine
    # drug screen": "baseline" qualifies a functional measure only, and the screen is still planned).
    stops = sorted(
        [
            (s, e, rule.category)
            for s, e, rule in kept
            if rule.category not in ("pseudo", "historical", "experiencer") and not rule.kinds
        ]
        + [(m.start(), m.end(), "terminate") for m in _CLAUSE_END.finditer(text, sentence.start, sentence.end)]
    )
    commas = [m.start() for m in _COMMA.finditer(text, sentence.start, sentence.end)]
    modifiers = []
    for start, end, rule in kept:
        if rule.category not in _MODIFYING:
            continue
        forward_end = next(
            (
                s
                for s, e, category in stops
                if s >= end
                and not _negates_uncertainty(rule, category, commas, end, s)
                and not _continues_list(rule, category, text, s, e, sentence.end)
                and not _joined_in_plan(rule, text, s, e)
            ),
            sentence.end,
        )
        forward_end = _bracket_end(text, sentence.start, start, end, forward_end)
        backward_start = max([e for _, e, _ in stops if e <= start] + [c + 1 for c in commas if c < start] + [sentence.start])
        scope_start, scope_end = end, end
        if rule.direction in ("forward", "bidirectional"):
            scope_end = _words_forward(text, end, forward_end, rule.max_scope)
            if rule.category == "planned":
                scope_end = _planned_with_end(text, end, scope_end, forward_end, rule.max_scope)
        if rule.direction == "backward" and _FORM_ANSWER.match(segment, start - sentence.start):
            scope_start = _words_backward(text, _form_question_start(text, sentence, start), start, rule.max_scope)
        elif rule.direction in ("backward", "bidirectional"):
            scope_start = _words_backward(text, _clause_of_cue(sentence, backward_start, start), start, rule.max_scope)
        if rule.direction == "backward":
            scope_end = start
        modifiers.append(Modifier(rule, start, end, scope_start, scope_end))
    return modifiers


def _assert(start: int, end: int, modifiers: Iterable[Modifier], kind: str | None = None) -> Assertion:
    applying = [
        m
        for m in modifiers
        if m.scope_start < end
        and start < m.scope_end
        and not (m.start < end and start < m.end)
        and (not m.rule.kinds or kind in m.rule.kinds)
    ]
    historical = any(m.category == "historical" for m in applying)
    experiencer = "other" if any(m.category == "experiencer" for m in applying) else "patient"
    deciding = [m for m in applying if m.category in _DECIDING]
    if not deciding:
        return Assertion(FactStatus.PRESENT, historical, tuple(applying), None, experiencer)
    nearest = min(deciding, key=lambda m: min(abs(m.end - start), abs(end - m.start)))
    negation_over = next(
        (m for m in deciding if m.category == "negated" and m is not nearest and m.scope_start <= nearest.start < m.scope_end),
        None,
    )
    if nearest.category == "uncertain" and negation_over is not None:
        nearest = negation_over
    return Assertion(_DECIDING[nearest.category], historical, tuple(applying), nearest, experiencer)


class _Analysis:
    """One text's sentences and, computed when first asked for, each sentence's modifiers."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lowered = text.translate(_LOWER)
        self.sentences = split_sentences(text) or [Sentence(0, len(text), text)]
        self.starts = [s.start for s in self.sentences]
        self._modifiers: dict[int, list[Modifier]] = {}

    def sentence_index(self, position: int) -> int:
        return max(0, bisect.bisect_right(self.starts, position) - 1)

    def modifiers(self, index: int) -> list[Modifier]:
        if index not in self._modifiers:
            self._modifiers[index] = find_modifiers(self.text, self.sentences[index], self.lowered)
        return self._modifiers[index]


@lru_cache(maxsize=32)
def _analysis(text: str) -> _Analysis:
    """The analysis of a text, kept for the last texts asked about (a case's documents are asked about many times)."""
    return _Analysis(text)


def assertion(text: str, start: int, end: int, kind: str | None = None) -> Assertion:
    """The assertion of the target `text[start:end]` (a fact of `kind`, when known) within its sentence, with the
    modifiers that decided it. Rules kept to some fact kinds modify only targets of those kinds."""
    analysis = _analysis(text)
    return _assert(start, end, analysis.modifiers(analysis.sentence_index(start)), kind)


def assert_status(text: str, start: int, end: int) -> FactStatus:
    """Present, absent or uncertain: the status of the target `text[start:end]` within its sentence."""
    return assertion(text, start, end).status


def find_mentions(text: str, targets: TermMatcher[V]) -> list[Mention[V]]:
    """Every target term in `text` with its assertion.

    Sentences and their modifiers are computed once per text and kept for the next calls on the same text.
    """
    found = targets.find(text)
    if not found:
        return []
    analysis = _analysis(text)
    return [
        Mention(m.start, m.end, m.text, m.value, _assert(m.start, m.end, analysis.modifiers(analysis.sentence_index(m.start))))
        for m in found
    ]
