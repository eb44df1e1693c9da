"""Checks on the request itself: that it states what the guideline needs to judge it, what it names, and how much
it asks for."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field

from openimr.evidence.terms import document_role
from openimr.knowledge.lexicons import body_part_matcher, body_regions
from openimr.knowledge.schema import Patterns
from openimr.model import FactStatus
from openimr.requests.amounts import duration_days, level_count, read_level_count
from openimr.review.checks.base import MET, NOT_MET, CheckContext, Outcome, Params, check, silence
from openimr.review.structure import Line

Need = Literal["quantity", "sessions", "body_part", "frequency", "duration", "strength", "levels"]
_NEEDS: dict[str, str] = {
    "quantity": "the quantity",
    "sessions": "the number of sessions",
    "body_part": "the body part",
    "frequency": "the frequency",
    "duration": "the duration",
    "strength": "the strength",
    "levels": "the levels",
}


class SpecifiedParams(Params):
    needs: list[Need] = Field(min_length=1, description="What the request must state.")
    course_body_part: bool = Field(
        default=False,
        description="A request for more of a course the record documents is for the body part that course treated, "
        "though it does not name it (for a topic whose rule does not turn on the body part).",
    )
    record_body_part: bool = Field(
        default=False,
        description="A request that names no body part is for the one body region the record diagnoses, or, when it "
        "diagnoses none by region, the one it names (for a topic whose rule does not turn on the body part); a record "
        "diagnosing or naming several leaves it unstated.",
    )


@check("request_specified", SpecifiedParams)
def request_specified(ctx: CheckContext, params: SpecifiedParams) -> Outcome:
    """The request states what the guideline needs to judge it: a quantity, a number of sessions, a body part ..."""
    t = ctx.treatment
    stated = {
        "quantity": not t.quantity_unknown and (t.quantity is not None or t.amount is not None or t.duration is not None),
        "sessions": not t.quantity_unknown and t.sessions is not None,
        "body_part": bool(t.body_parts),
        "frequency": t.frequency is not None or t.sessions_per_week is not None,
        "duration": t.duration is not None or t.weeks is not None,
        "strength": t.strength is not None or any(i.percent for i in t.ingredients),
        "levels": bool(t.levels),
    }
    if params.course_body_part and not stated["body_part"] and _continues_course(ctx):
        stated["body_part"] = True
    if params.record_body_part and not stated["body_part"] and len(_record_regions(ctx)) == 1:
        stated["body_part"] = True
    missing = [_NEEDS[need] for need in params.needs if not stated[need]]
    if missing:
        return Outcome(NOT_MET, note="the request does not state " + " or ".join(missing))
    return Outcome(MET)


def _continues_course(ctx: CheckContext) -> bool:
    """Whether the request is for more of a course the record documents ("Acupuncture 1x6" after a documented trial,
    whether or not it says "additional"): it is for the body part that course treated, though it does not name it."""
    fact = ctx.line([ctx.treatment.name])
    return fact.name == Line.CONTINUATION and bool(fact.spans)


def _record_regions(ctx: CheckContext) -> set[str]:
    """The body regions of the record's diagnoses, else those its documents name (not the UR decision's): a request
    naming none is for the injured region the record diagnoses ("Dx: lumbar sprain ... Plan: massage", though the note
    also names the hip stretches of the home program), or for the region of a record that names one only
    ("neck pain ... Plan: massage x4")."""
    diagnoses = [f for f in ctx.evidence.of_kind("diagnosis") if f.status == FactStatus.PRESENT and f.experiencer == "patient"]
    diagnosed = body_regions(part for fact in diagnoses for part in fact.body_parts)
    if diagnosed:
        return diagnosed
    clinical = [document.text for document in ctx.case.documents if document_role(document) is None]
    return body_regions(match.value.name for text in clinical for match in body_part_matcher().find(text))


class NamesParams(Params):
    lexicon_fields = (
        ("generics", "generics"),
        ("drug_classes", "drug_classes"),
        ("procedures", "procedures"),
        ("long_acting_allowed", "generics"),
        ("body_parts", "body_parts"),
    )

    generics: list[str] = Field(default_factory=list, description="Drug generics (checked against the drug lexicon).")
    drug_classes: list[str] = Field(default_factory=list, description="Drug classes of the drug lexicon.")
    procedures: list[str] = Field(default_factory=list, description="Procedure lexicon names.")
    patterns: Patterns = Field(default_factory=list, description="Regular expressions for wording that is not a name.")
    body_parts: list[str] = Field(
        default_factory=list,
        description="Body-part lexicon names: the request is for one of them (a path of a topic that covers the neck "
        "and the thoracic spine but is the neck's alone).",
    )
    long_acting: bool | None = Field(
        default=None,
        description="Only a drug in that form: false, not an extended-release or long-acting form (the lexicon's "
        "`long_acting` names, or ER written after the name); true, only such a form.",
    )
    long_acting_allowed: list[str] = Field(
        default_factory=list,
        description="Drug generics whose long-acting form is allowed whatever `long_acting` says (a guideline that "
        "doses the extended-release form from the start: tramadol ER, CPMTG p. 94).",
    )


def _named(ctx: CheckContext, params: NamesParams) -> str | None:
    t = ctx.treatment
    for ingredient in t.ingredients:
        if ingredient.generic in params.generics:
            return ingredient.name
    if t.generic in params.generics or (t.drug_class is not None and t.drug_class in params.drug_classes):
        return t.brand or t.generic
    if t.name in params.procedures:
        return t.name
    part = next((p for p in t.body_parts if p in params.body_parts), None)
    if part is not None:
        return part
    request = t.disputed or t.text
    for pattern in params.patterns:
        found = re.search(pattern, request, re.IGNORECASE)
        if found:
            return found.group(0)
    return None


@check("request_names", NamesParams)
def request_names(ctx: CheckContext, params: NamesParams) -> Outcome:
    """Met when the request (any ingredient of it) names one of the drugs, classes, procedures or wordings given: as an
    exclusion, a non-recommended ingredient or form; as a criterion, the form the guideline supports."""
    named = _named(ctx, params)
    form = ctx.treatment.long_acting
    wrong_form = params.long_acting is not None and form != params.long_acting
    if named is not None and wrong_form and ctx.treatment.generic not in params.long_acting_allowed:
        written = "an extended-release or long-acting form" if form else "a short-acting form"
        return Outcome(NOT_MET, note=f"the request is for {written} ({named})")
    if named is not None:
        return Outcome(MET, note=f"the request includes {named}")
    return Outcome(NOT_MET, note="the request includes none of them")


Measure = Literal["sessions", "quantity", "days", "levels", "refills"]


class AmountParams(Params):
    measure: Measure
    max: float = Field(gt=0, description="At most this much.")


def _requested(ctx: CheckContext, measure: Measure) -> float | None:
    t = ctx.treatment
    if measure == "sessions":
        sessions = ctx.requested_sessions
        return float(sessions) if sessions is not None else None
    if measure == "quantity":
        return float(t.quantity) if t.quantity is not None else None
    if measure == "days":
        return duration_days(t.duration)
    if measure == "levels":
        # the joint levels a span crosses ("L3-S1": three), or the count the request states ("(3 levels)"), the more
        levels = max(level_count(t.levels), read_level_count(t.disputed or t.text) or 0)
        return float(levels) if levels else None
    return float(t.refills or 0)


@check("amount_within", AmountParams)
def amount_within(ctx: CheckContext, params: AmountParams) -> Outcome:
    """The request asks for at most `max` of `measure` (sessions of the original request when it was modified,
    quantity, days of supply or rental, spinal levels as `_requested` counts them, refills). The request not stating it
    is silence."""
    requested = _requested(ctx, params.measure)
    if requested is None:
        return silence(f"the request does not state the {params.measure}")
    if requested > params.max:
        return Outcome(NOT_MET, note=f"{requested:g} {params.measure} requested exceeds {params.max:g}")
    return Outcome(MET, note=f"{requested:g} {params.measure} requested is within {params.max:g}")
