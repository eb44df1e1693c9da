"""The level and side of a spinal injection against the radiculopathy it treats.

* `radicular_level_concordant`: CPMTG p. 46 (and ODG, ACOEM 2016 Low Back) asks that radiculopathy be documented on
  examination AND corroborated by imaging or electrodiagnostic testing, and an epidural injection is given at that
  root. Examination findings on one side or root (an absent ankle jerk and numbness of the lateral foot: S1, right)
  while the imaging shows compression at another level or side, or a request for a level or side the findings do not
  point to, is not corroboration. The check reads the side and nerve root of each radicular finding from its clause
  (a root named, "L5 dermatome", or the dermatome, myotome or reflex the finding names), the side and levels of each
  imaging or electrodiagnostic finding from its sentence, and the request's levels and side; it is not met only when
  what the record states conflicts, and silent when there is nothing to compare.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar

from pydantic import Field

from openimr.evidence.text import clause_bounds
from openimr.knowledge.lexicons import same_body_region, with_nerve_supply
from openimr.model import Fact, FactStatus
from openimr.requests.amounts import read_levels
from openimr.review.checks.base import MET, NOT_MET, CheckContext, Outcome, Params, check, silence

_SIDES = (
    ("left", re.compile(r"\b(?:left|lt)\b|(?-i:\bL\b)(?![-/\d])|\(L\)", re.IGNORECASE)),
    ("right", re.compile(r"\b(?:right|rt)\b|(?-i:\bR\b)(?![-/\d])|\(R\)", re.IGNORECASE)),
)
_BOTH_SIDES = re.compile(r"\b(?:bilateral\w*|bilat|both (?:legs|arms|sides|lower|upper)|B/L)\b", re.IGNORECASE)

_ROOT_WORD = re.compile(
    r"\b(?:dermatom\w*|distribution|nerve roots?|roots?|radiculopath\w*|radicular|radiculitis|myotom\w*|territory)\b",
    re.IGNORECASE,
)
"""A clause that names a root by its number ("the L5 and S1 dermatomes", "an L5/S1 distribution", "right C6
radiculopathy"): the levels it names are the roots."""
_LANDMARKS: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), frozenset(roots))
    for pattern, roots in (
        # the leg: reflexes, dermatomes and myotomes of the lumbosacral roots
        (r"\b(?:ankle|achilles|achilles tendon)\s+(?:jerks?|reflex\w*|DTRs?)\b|\b(?:ankle jerk|AJ)\b", {"S1"}),
        (
            r"\blateral (?:aspect of the )?(?:foot|feet|sole|heel|border of the foot)\b|\b(?:sole|plantar (?:aspect|surface))"
            r"(?: of the foot)?\b|\b(?:little|small|fifth|5th) toes?\b",
            {"S1"},
        ),
        (r"\bplantar ?flex\w*|\b(?:toe|tip ?toe) walk\w*|\bgastrocnemi\w*|\bcalf raises?\b", {"S1"}),
        (
            r"\b(?:great|big|first|1st) toe\b|\bEHL\b|\bextensor hallucis\b|\bdorsum of (?:the )?foot\b|\bdorsal (?:aspect "
            r"of the )?foot\b|\bfirst web space\b",
            {"L5"},
        ),
        (r"\b(?:knee|patellar|quadriceps)\s+(?:jerks?|reflex\w*|DTRs?)\b|\bknee jerk\b", {"L3", "L4"}),
        (r"\bmedial (?:aspect of the )?(?:leg|shin|calf|ankle|malleolus)\b", {"L4"}),
        (r"\b(?:ankle )?dorsiflex\w*|\bheel walk\w*|\btibialis anterior\b|\bfoot drop\b", {"L4", "L5"}),
        (r"\bquadriceps\b|\bknee extension\b|\banterior (?:aspect of the )?thigh\b", {"L2", "L3", "L4"}),
        # the arm
        (r"\bbiceps (?:jerks?|reflex\w*|DTRs?)\b", {"C5", "C6"}),
        (r"\bbrachioradialis\b|\bthumb\b|\bindex finger\b|\bradial (?:aspect of the )?forearm\b", {"C6"}),
        (r"\btriceps\b|\belbow extension\b|\b(?:middle|long) finger\b", {"C7"}),
        (
            r"\b(?:ring|little|small|fifth|5th) fingers?\b|\bulnar (?:aspect of the )?(?:hand|forearm)\b|\bmedial forearm\b"
            r"|\b(?:hand )?intrinsics?\b|\binterossei\b|\bfinger (?:abduction|flexion)\b",
            {"C8", "T1"},
        ),
        (r"\bdeltoid\b|\bshoulder abduction\b|\blateral (?:aspect of the )?(?:upper )?arm\b", {"C5"}),
        (r"\bwrist extens\w*\b", {"C6", "C7"}),
        (r"\belbow flexion\b", {"C5", "C6"}),
    )
)
_CLAUSE_END = re.compile(r"[;,]|\b(?:but|while|whereas|however|although)\b", re.IGNORECASE)


class ConcordanceParams(Params):
    """The facts of the radiculopathy on examination, and of the imaging or electrodiagnostic study that corroborates
    it."""

    fact_fields: ClassVar[tuple[str, ...]] = ("exam", "testing")

    exam: list[str] = Field(min_length=1, description="Radicular findings on examination or in the history.")
    testing: list[str] = Field(min_length=1, description="Nerve compression on imaging, radiculopathy on EMG.")


@dataclass
class _Where:
    """The sides and spinal segments (roots) a set of findings points to."""

    sides: set[str] = field(default_factory=set)
    roots: set[str] = field(default_factory=set)
    facts: list[Fact] = field(default_factory=list)


def _sides(text: str) -> set[str]:
    if _BOTH_SIDES.search(text):
        return {"left", "right"}
    return {side for side, pattern in _SIDES if pattern.search(text)}


def _segments(levels: list[str]) -> set[str]:
    """The roots a level or a disc space names: "L4-L5" the L4 and L5 roots, "S1" the S1 root."""
    return {part for level in levels for part in level.split("-")}


def _exam_roots(text: str) -> set[str]:
    """The roots a clause points to: those it names with a root word, else those of the dermatome, myotome or reflex
    it names."""
    if _ROOT_WORD.search(text):
        named = _segments(read_levels(text))
        if named:
            return named
    return {root for pattern, roots in _LANDMARKS if pattern.search(text) for root in roots}


_SPINE_PREFIXES = {"cervical spine": "CT", "thoracic spine": "T", "lumbar spine": "LS"}


def _prefixes(ctx: CheckContext) -> str:
    """The root prefixes of the spine part the request treats ("LS" for a lumbar injection); all when it names none."""
    by_level = "".join(dict.fromkeys(level[0] for level in ctx.treatment.levels))
    by_part = "".join(_SPINE_PREFIXES.get(part, "") for part in ctx.treatment.body_parts)
    return by_level + by_part or "CTLS"


def _findings(ctx: CheckContext, groups: list[str], testing: bool) -> _Where:
    """Where the present findings of `groups` in the request's region point (roots of its spine part only): for an
    examination finding its clause (and the sentence when the clause names no side), for a study its sentence."""
    where = _Where()
    prefixes = set(_prefixes(ctx))
    if "L" in prefixes or "C" in prefixes:
        prefixes |= {"S"} if "L" in prefixes else {"T"}
    for fact in ctx.evidence.mentions(groups):
        if fact.status != FactStatus.PRESENT or fact.experiencer != "patient":
            continue
        if not same_body_region(with_nerve_supply(fact.body_parts), ctx.treatment.body_parts):
            continue
        for placed in ctx.evidence.sentences_of(fact):
            span, sentence = placed.span, placed.sentence
            if testing:
                roots = _segments(read_levels(sentence.text)) | _exam_roots(sentence.text)
                sides = _sides(sentence.text)
            else:
                left, right = clause_bounds(sentence.text, span.start - sentence.start, span.end - sentence.start, _CLAUSE_END)
                clause = sentence.text[left:right]
                roots, sides = _exam_roots(clause), _sides(clause)
                if not sides and len(_sides(sentence.text)) == 1:
                    sides = _sides(sentence.text)
            roots = {root for root in roots if root[0] in prefixes}
            if roots or sides:
                where.roots |= roots
                where.sides |= sides
                where.facts.append(fact)
    return where


def _conflicts(first: set[str], second: set[str]) -> bool:
    return bool(first and second and not first & second)


@check("radicular_level_concordant", ConcordanceParams)
def radicular_level_concordant(ctx: CheckContext, params: ConcordanceParams) -> Outcome:
    """The injection's level and side, the radicular findings and the study that corroborates them point to the same
    root and side: not met when the findings are on one side or root and the request or every study with a level or
    side on another, or the request is for both sides and the findings are on one; met when what they state agrees;
    silent when nothing can be compared."""
    exam = _findings(ctx, params.exam, testing=False)
    studies = _findings(ctx, params.testing, testing=True)
    request_sides = _sides(ctx.treatment.laterality or "")
    request_roots = _segments(ctx.treatment.levels)
    problems = []
    if _conflicts(exam.sides, request_sides):
        problems.append(
            f"the request is for the {' and '.join(sorted(request_sides))} side while the radicular "
            f"findings are on the {' and '.join(sorted(exam.sides))}"
        )
    elif request_sides == {"left", "right"} and len(exam.sides) == 1:
        # both sides asked for, the radiculopathy documented on one: the other side has no indication (CPMTG p. 46:
        # the level and side the examination and imaging support)
        problems.append(f"the request is for both sides while the radicular findings are on the {next(iter(exam.sides))} only")
    if _conflicts(exam.roots, request_roots):
        problems.append(
            f"the request is at {', '.join(ctx.treatment.levels)} while the radicular findings point to "
            f"{', '.join(sorted(exam.roots))}"
        )
    if _conflicts(exam.sides, studies.sides) or _conflicts(exam.roots, studies.roots):
        problems.append(
            "the imaging or electrodiagnostic findings are at another level or side than the radicular "
            "findings on examination, so they do not corroborate them"
        )
    if problems:
        return Outcome(NOT_MET, exam.facts + studies.facts, "; ".join(problems))
    compared = (exam.sides and (request_sides or studies.sides)) or (exam.roots and (request_roots or studies.roots))
    if compared:
        return Outcome(
            MET, exam.facts + studies.facts, "the radicular findings, the study and the request agree in level and side"
        )
    return silence("the record does not give the level or side of the radicular findings to compare with the request")
