"""Find the terms of an evidence family's term list in a case's documents, each match a `Fact` with its span and
its assertion status (present, absent, uncertain) from the ConText rules."""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from types import MappingProxyType
from typing import TypeVar

from openimr.errors import OpenIMRError
from openimr.evidence.context import assertion
from openimr.evidence.text import Section, Sentence, clause_bounds, clause_starts, has_finite_verb, split_sentences
from openimr.evidence.wording import EVIDENCE_ROLES, SentenceRole, sentence_role
from openimr.knowledge import knowledge_files, parse_knowledge
from openimr.knowledge.lexicons import body_part_matcher, spine_parts, with_nerve_supply
from openimr.knowledge.schema import TermList, TermPattern
from openimr.knowledge.terms import (
    PrefixedPattern,
    Requirements,
    RunIndex,
    TermMatcher,
    compiled_form,
    has_odd_letter,
    meeting,
    pattern_requirements,
    reads_as_ascii,
    regex_fold,
    selective,
)
from openimr.model import Case, DatePrecision, Document, Fact, FactStatus, Span

V = TypeVar("V")


_AS_ASSERTED: Mapping[FactStatus, FactStatus] = MappingProxyType({})
_NORMAL_READS: Mapping[FactStatus, FactStatus] = MappingProxyType({FactStatus.PRESENT: FactStatus.ABSENT})
_REVIEW_READS: Mapping[FactStatus, FactStatus] = MappingProxyType({FactStatus.ABSENT: FactStatus.PRESENT})


_REVIEW_MISSING_BEFORE = re.compile(
    r"\b(?:no|without|lacks?|lacking|absence\s+of|not\s+any)\s+(?:\w+\s+){0,2}?(?:discussion|documentation|mention"
    r"|assessment|notation|record|review)\s+(?:of|regarding|about|on|as\s+to)\b",
    re.IGNORECASE,
)
_REVIEW_MISSING_AFTER = re.compile(
    r"^(?:\W+\w+){0,6}?\W+(?:(?:was|were|is|are|has|have)\s+)?(?:not|never)\s+(?:been\s+)?(?:documented|discussed|addressed"
    r"|assessed|reviewed|mentioned|recorded|evaluated)\b",
    re.IGNORECASE,
)
"""Words by which a sentence says a review was not done at all ("there was no discussion of side effects or aberrant
behaviour", "aberrant behaviour was not addressed"), not what a review found ("no aberrant behaviour was noted")."""


def review_missing(sentence: str, start: int, end: int) -> bool:
    """Whether the sentence says the review the term at `sentence[start:end]` names was not done: no discussion or
    documentation of it before it, or "not documented/discussed/addressed" after it."""
    return bool(_REVIEW_MISSING_BEFORE.search(sentence, 0, start) or _REVIEW_MISSING_AFTER.match(sentence[end:]))


def term_reads(term: TermPattern) -> Mapping[FactStatus, FactStatus]:
    """How a term's wording turns the status ConText asserts. A normal finding asserted is the finding absent, and a
    negation cue near it ('normal and straight leg raise is negative') does not make it abnormal (`TermPattern.normal`).
    A review is documented whatever it found, so a negation ('no aberrant behaviour') leaves it present
    (`TermPattern.review`). A hedge or a plan keeps its status either way."""
    return _NORMAL_READS if term.normal else _REVIEW_READS if term.review else _AS_ASSERTED


@dataclass(frozen=True)
class TermMatch:
    """One match of a term in a document, with the sentence around it."""

    document: Document
    name: str
    group: str | None
    start: int
    end: int
    sentence: Sentence
    reads: Mapping[FactStatus, FactStatus] = field(default_factory=lambda: _AS_ASSERTED)
    """How the term's wording turns the status ConText asserts (`term_reads`)."""
    test: bool = False
    """The term names a test: words reporting its result negate what it found, not the test (`TermPattern.test`)."""

    @property
    def role(self) -> SentenceRole:
        """The role of the match's sentence: by its document's type (a UR decision is all review), else by what the
        sentence says."""
        return document_role(self.document) or document_sentences(self.document.text).role(self.start)


@dataclass(frozen=True, eq=False)
class _Scan:
    """One pattern of a term anchored at a word start (`PrefixedPattern`: its anchors and prefixes), with the letter
    runs a text must contain for it to match: one run of every group of a branch (`pattern_requirements`), or one of
    its anchors."""

    pattern: PrefixedPattern
    requirements: Requirements


@dataclass(frozen=True, eq=False)
class _Term:
    """One term compiled: its patterns joined (case-insensitive), and each pattern as a scan, so a document is scanned
    only for the patterns that can match it, and only in the sentences that hold what they need."""

    name: str
    group: str | None
    reads: Mapping[FactStatus, FactStatus]
    test: bool
    neurological: bool
    pattern: re.Pattern[str]
    scans: tuple[_Scan, ...]


_MATCH_START = r"(?:\b|(?=[(+]))"
"""Where a term's match may start: at a word, or at the "+" or "(+)" notes write for "positive" (`with_variants`)."""


def _scan(pattern: str) -> _Scan:
    """A term pattern compiled for scanning, with the requirements worth testing (the anchors alone for a pattern
    with a letter that folds oddly)."""
    compiled = PrefixedPattern.compile(pattern, _MATCH_START)
    loose = ((compiled.anchors,),) if compiled.anchors else ()
    requirements = loose if has_odd_letter(pattern) else selective(pattern_requirements(pattern))
    return _Scan(compiled, requirements)


@cache
def _families() -> dict[str, tuple[_Term, ...]]:
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
    return {
        family: tuple(
            _Term(
                name=term.name,
                group=term.group,
                reads=term_reads(term),
                test=term.test,
                neurological=term.neurological,
                pattern=re.compile("|".join(f"(?:{compiled_form(p)})" for p in term.patterns), re.IGNORECASE),
                scans=tuple(_scan(p) for p in term.patterns),
            )
            for term in rows
        )
        for family, rows in terms_of.items()
    }


@cache
def _run_index() -> RunIndex:
    """Every anchor and required run of every term pattern."""
    scans = [scan for terms in _families().values() for term in terms for scan in term.scans]
    required = (run for scan in scans for branch in scan.requirements for group in branch for run in group)
    return RunIndex([*(anchor for scan in scans for anchor in scan.pattern.anchors), *required])


@cache
def _terms_named(family: str) -> dict[str, _Term]:
    """A family's terms by name."""
    return {term.name: term for term in _families()[family]}


@dataclass(frozen=True)
class _TermScans:
    """The scans of some terms of a family, each with its term: those without anchors (tried everywhere), and those
    with anchors, found by anchor (a scan is tried on a document only when it holds one of its anchors: one set
    intersection in place of a test of each scan)."""

    everywhere: tuple[tuple[_Term, _Scan], ...]
    anchored: tuple[tuple[_Term, _Scan], ...]
    by_anchor: dict[str, tuple[int, ...]]
    """For each anchor, the indexes in `anchored` of the scans that have it."""


@lru_cache(maxsize=1024)
def _term_scans(family: str, names: frozenset[str] | None) -> _TermScans:
    """The scans of `family`'s terms (given `names`, of the terms of those names only), indexed by anchor."""
    terms = _families()[family] if names is None else [_terms_named(family)[name] for name in sorted(names)]
    pairs = [(term, scan) for term in terms for scan in term.scans]
    anchored = tuple((term, scan) for term, scan in pairs if scan.pattern.anchors)
    by_anchor: dict[str, list[int]] = {}
    for index, (_, scan) in enumerate(anchored):
        for anchor in scan.pattern.anchors:
            by_anchor.setdefault(anchor, []).append(index)
    return _TermScans(
        tuple((term, scan) for term, scan in pairs if not scan.pattern.anchors),
        anchored,
        {anchor: tuple(indexes) for anchor, indexes in by_anchor.items()},
    )


def _members(bits: int) -> Iterator[int]:
    """The members of a bit set, in increasing order."""
    while bits:
        lowest = bits & -bits
        yield lowest.bit_length() - 1
        bits ^= lowest


@cache
def _neurological() -> frozenset[tuple[str, str]]:
    """(family, name) of the terms that are signs of the nerves (`TermPattern.neurological`)."""
    return frozenset((family, t.name) for family, terms in _families().items() for t in terms if t.neurological)


@cache
def term_lists() -> Mapping[str, tuple[tuple[str, str | None, re.Pattern[str]], ...]]:
    """Every packaged evidence term list, compiled: family -> (name, group, pattern) rows, one row per term (built
    once: attribution reads the `treatment_word` rows for every clause it looks at)."""
    return MappingProxyType({family: tuple((t.name, t.group, t.pattern) for t in terms) for family, terms in _families().items()})


_REPORTED = re.compile(r"\s*that\b", re.IGNORECASE)
"""A clause that opens with "that" after "and": the second content clause of the verb before it ("stated that ...
and that ..."), reporting what that verb's subject said."""


UR_DECISION = "ur_decision"
"""Document type of the utilization review's decision: shown to the reviewer, never clinical evidence."""


class DocumentSentences:
    """A document's sentences (split once), found by offset, each with its role (read when first asked for)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lowered = regex_fold(text)
        """The text lower-cased as a case-insensitive pattern sees it, letter for letter ("ſ" as "s"): the runs a
        pattern needs are looked for in it."""
        self.sentences = split_sentences(text) or [Sentence(0, len(text), text)]
        self.starts = [sentence.start for sentence in self.sentences]
        self._roles: dict[int, SentenceRole] = {}
        self._clauses: dict[int, list[int]] = {}
        self._anchor_hits: dict[str, int] | None = None

    def index(self, offset: int) -> int:
        return max(bisect_right(self.starts, offset) - 1, 0)

    def at(self, offset: int) -> Sentence:
        return self.sentences[self.index(offset)]

    def anchored(self) -> dict[str, int]:
        """For every anchor of the term lists found in the text, the sentences it is in (a bit set of their indexes):
        one pass of the joined anchors over each sentence, each occurrence also standing for the anchors it contains.
        An occurrence belongs to the sentence it starts in; text before the first sentence, to the first."""
        if self._anchor_hits is None:
            self._anchor_hits = _run_index().held_by_place(self.lowered, [0, *self.starts[1:], len(self.lowered)])
        return self._anchor_hits

    def role(self, offset: int) -> SentenceRole:
        """The role of the clause at `offset`: its sentence cut at semicolons and between coordinated clauses ("the
        fusion was authorized; she will not be able to drive" reports the review, then the worker; "she is doing home
        exercises and the massage is requested" reports her care, then the request)."""
        index = self.index(offset)
        sentence = self.sentences[index]
        if index not in self._clauses:
            self._clauses[index] = [*clause_starts(sentence.text), len(sentence.text)]
        bounds = self._clauses[index]
        at = bisect_right(bounds, offset - sentence.start, hi=len(bounds) - 1) - 1
        left, right = bounds[max(at, 0)], bounds[max(at, 0) + 1]
        key = sentence.start + left
        if key not in self._roles:
            clause = sentence.text[left:right]
            role = sentence_role(clause, sentence.text[right:])
            # a clause with no verb of its own goes on with the clause before it (the rest of a request's list), and
            # so does a "that" clause, the second of what one verb reports ("UR denied it, stating that the pain was
            # chronic and that therapy is not supported": both are the review's reasons)
            if role is SentenceRole.CLINICAL and left > 0 and (not has_finite_verb(clause) or _REPORTED.match(clause)):
                role = self.role(sentence.start + left - 1)
            self._roles[key] = role
        return self._roles[key]


@lru_cache(maxsize=64)
def document_sentences(text: str) -> DocumentSentences:
    """A document's sentences with their roles, split once and kept for the last texts asked about."""
    return DocumentSentences(text)


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
        sentences = document_sentences(document.text)
        for found in matcher.find(document.text):
            index = sentences.index(found.start)
            if fixed is None and sentences.role(found.start) not in roles:
                continue
            name, group = key(found.value)
            yield TermMatch(document, name, group, found.start, found.end, sentences.sentences[index])


def find_terms(
    case: Case, family: str, roles: frozenset[SentenceRole] = EVIDENCE_ROLES, names: frozenset[str] | None = None
) -> Iterator[TermMatch]:
    """Every match of `family`'s terms (given `names`, of the terms of those names only) in the case's documents, with
    the sentence it sits in, in sentences whose role is among `roles` (by default, not the UR decision's text: neither
    a `ur_decision` document nor the sentences of a summary that report the UR's decision and reasons are evidence
    about the worker); in document order, matches at one place in the order of their terms' names.

    Each term pattern is tried only on the sentences that hold the letter runs it needs; a term found twice
    at one place (by two of its patterns) counts once, the longer match."""
    scans = _term_scans(family, names)
    for document in case.documents:
        fixed = document_role(document)
        if fixed is not None and fixed not in roles:
            continue
        text = document.text
        sentences = document_sentences(text)
        hits = sentences.anchored()
        held = hits.keys()
        stretches = [(term, scan, [(0, len(text))]) for term, scan in scans.everywhere]
        anchored = {index for anchor in scans.by_anchor.keys() & held for index in scans.by_anchor[anchor]}
        for term, scan in map(scans.anchored.__getitem__, anchored):
            if meets := meeting(scan.requirements, hits):
                places = [(s.start, s.end) for s in map(sentences.sentences.__getitem__, _members(meets))]
                stretches.append((term, scan, places))
        found: dict[tuple[str, int], tuple[int, _Term]] = {}
        ascii = reads_as_ascii(text) if stretches else False
        for term, scan, places in stretches:
            for start, end in places:
                for match_start, match_end in scan.pattern.matches(text, start, end, sentences.lowered, ascii):
                    key = (term.name, match_start)
                    if key not in found or found[key][0] < match_end:
                        found[key] = (match_end, term)
        for (_, start), (end, term) in sorted(found.items(), key=lambda item: (item[0][1], item[0][0])):
            index = sentences.index(start)
            if fixed is None and sentences.role(start) not in roles:
                continue
            yield TermMatch(document, term.name, term.group, start, end, sentences.sentences[index], term.reads, term.test)


@dataclass(frozen=True)
class Candidate:
    """A term match on its way to being a fact: the ConText assertion, the costly part, is made when the fact is
    first needed (`resolve`)."""

    kind: str
    match: TermMatch
    value: str | None = None
    date: dt.date | None = None
    date_precision: DatePrecision = DatePrecision.DAY
    treatments: tuple[str, ...] = ()
    """The treatments the fact is about (see `openimr.evidence.attribution`)."""
    plan: Section | None = None
    """The plan section the match lies in, when what it names there is only planned (`prior_treatment`)."""
    tested_absent: bool = False
    """A prescribed drug a drug test did not find ("negative for the prescribed hydrocodone"): the test's result, not a
    negation of its use (`medications`): the drug is prescribed. Likewise a screen's result at odds with the
    prescriptions ("OXY NEGATIVE"): its own words report what the screen found, not a negation (`drug_screen`)."""
    not_improved: bool = False
    """A change the term names that is no gain (a symptom inventory's score that rose or held, `scores.score_fell`):
    the improvement is absent."""
    decided: tuple[int, int] | None = None
    """The bounds, in its sentence, of the clause of a review's decision on the match ("UR certified the omeprazole"
    in "UR certified the omeprazole and the cyclobenzaprine was denied"): a negation from outside it (the denial of
    the other item) is not this item's."""

    @property
    def name(self) -> str:
        """The term's name."""
        return self.match.name

    def resolve(self) -> Fact:
        """The fact, its status asserted by the ConText rules within its sentence."""
        match = self.match
        text, sentence = match.document.text, match.sentence
        asserted = assertion(sentence.text, match.start - sentence.start, match.end - sentence.start, self.kind)
        status = match.reads.get(asserted.status, asserted.status)
        # a review negated is one documented, unless the sentence says the review itself is missing
        if (
            match.reads is _REVIEW_READS
            and status == FactStatus.PRESENT
            and review_missing(sentence.text, match.start - sentence.start, match.end - sentence.start)
        ):
            status = FactStatus.ABSENT
        cue, rule = asserted.cue(sentence.text), asserted.deciding.describe() if asserted.deciding else None
        if match.test and asserted.result_only:
            # "the drug screen was negative": the test was done, what it found is negative
            status, rule = FactStatus.PRESENT, f"result of the test: {cue}"
        if self.tested_absent and status == FactStatus.ABSENT:
            status, rule = FactStatus.PRESENT, f"prescribed, not found by a drug test: {cue}"
        deciding = asserted.deciding
        if self.decided and status == FactStatus.ABSENT and deciding and not self.decided[0] <= deciding.start < self.decided[1]:
            status, rule = FactStatus.PRESENT, f"certified; the negation is another item's decision: {cue}"
        if self.not_improved and status == FactStatus.PRESENT:
            status, rule = FactStatus.ABSENT, "the score did not fall"
        if self.plan is not None and status == FactStatus.PRESENT:
            status, cue, rule = FactStatus.PLANNED, self.plan.title, "planned: named in the plan section"
        return Fact(
            body_parts=self._clause_body_parts(),
            kind=self.kind,
            name=match.name,
            status=status,
            value=self.value if self.value is not None else match.group,
            date=self.date,
            date_precision=self.date_precision,
            treatments=list(self.treatments),
            spans=[Span(document_id=match.document.id, start=match.start, end=match.end, text=text[match.start : match.end])],
            historical=asserted.historical,
            experiencer=asserted.experiencer,
            cue=cue,
            rule=rule,
        )


    def _clause_body_parts(self) -> list[str]:
        """The body parts the fact's clause names, else those its sentence names; for a sign of the nerves, also the
        spine parts that supply them. A fact whose own words name a part of the spine ("persistent neck pain") is not
        about another part of the spine its clause names ("... and mid-back stiffness")."""
        sentence = self.match.sentence
        first, last = self.match.start - sentence.start, self.match.end - sentence.start
        start, end = clause_bounds(sentence.text, first, last)
        clause = sentence.text[start:end]
        parts = _body_parts(clause) or _body_parts(sentence.text)
        own = set(_body_parts(sentence.text[first:last])) & spine_parts()
        if own:
            parts = tuple(p for p in parts if p not in spine_parts() or p in own)
        parts = (*parts, *nerve_territory_parts(clause))
        return with_nerve_supply(parts) if (self.kind, self.match.name) in _neurological() else list(dict.fromkeys(parts))


_NERVE_TERRITORIES = (
    # the ulnar nerve, compressed at the elbow (cubital tunnel) far more often than at the wrist (Guyon's canal): the
    # ring and little fingers, the ulnar side of the hand, the hand's intrinsic muscles, Froment's and Wartenberg's signs
    (
        re.compile(
            r"\b(?:ring\s+and\s+(?:little|small|pinky|fifth|5th)|(?:little|small|fifth|5th)\s+and\s+ring"
            r"|(?:4th|fourth)\s+and\s+(?:5th|fifth)|(?:little|small|pinky|fifth|5th))\s+(?:fingers?|digits?)\b"
            r"|\bulnar\s+(?:side|aspect|border|distribution|nerve|territory|digits|sensory|neuropathy|neuritis)"
            r"|\bhypothenar\b|\bfirst\s+dorsal\s+interosse\w+|\bintrinsic\s+(?:(?:hand|muscle)\s+)?(?:weakness|atrophy|wasting)"
            r"|\b(?:weakness|atrophy|wasting)\s+of\s+(?:the\s+)?(?:hand\s+)?intrinsic|\b(?:Froment|Wartenberg)\W*s?\b"
            r"|\bclaw(?:ing|ed)?\s+(?:hand|fingers?)\b",
            re.IGNORECASE,
        ),
        ("elbow",),
    ),
    (re.compile(r"\bGuyon\W*s?\b", re.IGNORECASE), ("wrist",)),
    # a dermatome or a nerve root: the spine part whose roots supply it
    (re.compile(r"\b[C][5-8]\s+(?:dermatom\w*|distribution|nerve\s+root|radicul\w+)|\bC[5-8]\s*-\s*T1\b"), ("cervical spine",)),
    (re.compile(r"\b[LS][1-5]\s+(?:dermatom\w*|distribution|nerve\s+root|radicul\w+)"), ("lumbar spine",)),
)
"""Where a nerve sign in the hand or a dermatome places a finding (its nerve's usual site of compression, or the spine
part of its root): numbness of the ring and little fingers is a sign about the elbow (ulnar nerve at the cubital
tunnel), a numb L5 dermatome one about the lumbar spine. (The median nerve's territory, the thumb and the index and
middle fingers, is the hand and wrist that the fingers already name.)"""


@lru_cache(maxsize=4096)
def nerve_territory_parts(clause: str) -> tuple[str, ...]:
    """The body parts a clause's nerve territory places a finding at (`_NERVE_TERRITORIES`)."""
    return tuple(dict.fromkeys(part for pattern, parts in _NERVE_TERRITORIES if pattern.search(clause) for part in parts))


@lru_cache(maxsize=4096)
def _body_parts(sentence: str) -> tuple[str, ...]:
    """The body parts a sentence names (lexicon names), for scoping a finding to a region."""
    return tuple(dict.fromkeys(m.value.name for m in body_part_matcher().find(sentence)))


def family_candidates(case: Case, family: str, names: frozenset[str] | None = None) -> list[Candidate]:
    """A candidate fact for every match of one family's terms (given `names`, of the terms of those names only)."""
    return [Candidate(family, m) for m in find_terms(case, family, names=names)]
