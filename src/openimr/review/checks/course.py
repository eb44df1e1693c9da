"""Checks on a course of treatment: first course or continuation, how many visits, functional improvement from the
treatment itself, and the postsurgical course."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import Field

from openimr.evidence.attribution import MEDICATIONS, treatment_classes
from openimr.evidence.prior_treatment import injections_told
from openimr.knowledge.lexicons import same_body_region
from openimr.model import Fact, FactStatus
from openimr.review.checks.base import INSUFFICIENT, MET, NOT_MET, CheckContext, Outcome, Params, check, names, silence
from openimr.review.structure import Line, certified_to_come, surgeries_performed


class FamilyParams(Params):
    lexicon_fields = (("family", "treatments"),)

    family: list[str] = Field(
        default_factory=list,
        description="Prior-treatment names that count as the same treatment (e.g. physical therapy and occupational "
        "therapy); the requested treatment itself always counts.",
    )


class LineParams(FamilyParams):
    expected: Literal["initial", "continuation"]
    after_surgery: bool = Field(
        default=False,
        description="Count only the courses given after the surgery the service follows: while that surgery is still "
        "to come (asked for in the same case, or none performed in the record), none has been; once performed, a course "
        "the record places before it is not counted.",
    )


@check("line", LineParams)
def line(ctx: CheckContext, params: LineParams) -> Outcome:
    """The request is a first course (an initial trial, a new prescription) or a continuation, as `expected`."""
    if params.after_surgery and (ctx.primary.item is not None or not surgeries_performed(ctx.evidence)):
        fact = Fact(kind="line", name=Line.INITIAL, value="the surgery it follows has not been performed yet")
    else:
        fact = ctx.line([ctx.treatment.name, *params.family], params.after_surgery)
    if fact.name == Line.UNKNOWN:
        return silence(str(fact.value), [fact] if fact.spans else [])
    status = MET if fact.name == params.expected else NOT_MET
    label = "a first course" if fact.name == Line.INITIAL else "a continuation"
    return Outcome(status, [fact], f"the request is {label}: {fact.value}")


def _prior_counts(ctx: CheckContext, family: Iterable[str]) -> tuple[list[Fact], list[int]]:
    given = [f for f in ctx.evidence.present(family) if f.kind == "prior_treatment"]
    return given, [int(f.value) for f in given if f.value]


class VisitsParams(FamilyParams):
    max: int = Field(gt=0, description="At most this many visits.")
    count_prior: bool = Field(default=False, description="Count the visits already completed (a total for the course).")


@check("visits_within", VisitsParams)
def visits_within(ctx: CheckContext, params: VisitsParams) -> Outcome:
    """The visits requested (with `count_prior`, plus those already completed) are within `max`."""
    sessions = ctx.requested_sessions
    if sessions is None:
        return Outcome(INSUFFICIENT, note="the request does not state the number of visits")
    if not params.count_prior:
        status = MET if sessions <= params.max else NOT_MET
        verb = "is within" if status == MET else "exceeds"
        return Outcome(status, note=f"{sessions} visits {verb} {params.max}")
    given, counts = _prior_counts(ctx, [ctx.treatment.name, *params.family])
    if given and not counts:
        return silence("the number of visits already completed is not documented", given)
    done = max(counts, default=0)
    total = done + sessions
    status = MET if total <= params.max else NOT_MET
    verb = "is within" if status == MET else "exceeds"
    return Outcome(status, given, f"{done} completed and {sessions} requested {verb} {params.max} visits")


class InjectionsParams(FamilyParams):
    max: int = Field(gt=0, description="At most this many injections at the site: those given and those requested.")


@check("injections_within", InjectionsParams)
def injections_within(ctx: CheckContext, params: InjectionsParams) -> Outcome:
    """The injections the record says were given at the request's body region, with those requested (its quantity,
    else one), are at most `max`. The injections given are the most any mention counts (a number it states, "x3") or
    the distinct dates the mentions list, and at least one when one is reported; silent when none is."""
    given = [
        f
        for f in _prior_counts(ctx, [ctx.treatment.name, *params.family])[0]
        if same_body_region(f.body_parts, ctx.treatment.body_parts)
    ]
    if not given:
        return silence("the record reports no earlier injection")
    told = [
        injections_told(placed.sentence.text, start, start + placed.span.end - placed.span.start)
        for fact in given
        for placed in ctx.evidence.sentences_of(fact)
        for start in [placed.span.start - placed.sentence.start]
    ]
    dates = {date for each in told for date in each.dates}
    done = max([1, len(dates), *(each.count for each in told if each.count)])
    requested = ctx.treatment.quantity or 1
    status = MET if done + requested <= params.max else NOT_MET
    verb = "is within" if status == MET else "exceeds"
    return Outcome(status, given, f"{done} given and {requested} requested {verb} {params.max} injections")


def _requested_treatments(ctx: CheckContext, family: Iterable[str]) -> set[str]:
    """What improvement must be tied to, to count for the request: a drug's generic, its class and the medications as
    a whole; a therapy's or procedure's name and the `family` of treatments the topic groups with it."""
    t = ctx.treatment
    if t.generic or t.drug_class:
        return {name for name in (t.generic, t.drug_class, MEDICATIONS) if name} | set(family)
    return {t.name, *family}


def _about(fact: Fact, requested: set[str]) -> bool:
    return bool(treatment_classes(fact.treatments) & requested)


def _documents(fact: Fact) -> set[str]:
    return {span.document_id for span in fact.spans}


def _reported_in_a_note_about_it(ctx: CheckContext, requested: set[str], mentioned: list[Fact]) -> list[Fact]:
    """Gains whose sentences name no treatment, in a note that ties its results (pain relief, gains) to the requested
    treatment and to no other: the note reports what that treatment did, as a reader takes "Leg pain 8/10 before
    gabapentin -> 4/10 now. Walks 45 min daily. Returned to modified duty." """
    results = [f for f in ctx.evidence.present(["pain_relief", "functional_improvement"]) if f.treatments]
    about_it = {doc for f in results if _about(f, requested) for doc in _documents(f)}
    elsewhere = {doc for f in results if not _about(f, requested) for doc in _documents(f)}
    notes = about_it - elsewhere
    return [
        f for f in mentioned if f.status == FactStatus.PRESENT and not f.treatments and _documents(f) and _documents(f) <= notes
    ]


class ImprovementParams(FamilyParams):
    fact_fields = ("also",)

    also: list[str] = Field(
        default_factory=list,
        description="Fact groups that also count as improvement for this treatment (the range of motion or strength a "
        "postoperative course of therapy gained, which the postsurgical guideline reads with function).",
    )


@check("functional_improvement", ImprovementParams)
def functional_improvement(ctx: CheckContext, params: ImprovementParams) -> Outcome:
    """Documented objective functional improvement (9792.20: activities of daily living or work restrictions, and less
    dependence on care) FROM the requested treatment: improvement the sentence ties to it (for a drug: the drug, its
    class or the medications as a whole). Improvement tied to another treatment, or to none, does not count. Not met
    when the record states there was none."""
    requested = _requested_treatments(ctx, params.family)
    mentioned = ctx.evidence.mentions(["functional_improvement", *params.also])
    present = [f for f in mentioned if f.status == FactStatus.PRESENT and _about(f, requested)]
    present += _reported_in_a_note_about_it(ctx, requested, mentioned)
    if present:
        return Outcome(MET, present, f"the record documents {names(present)} with it")
    negated = [f for f in mentioned if f.status == FactStatus.ABSENT and (not f.treatments or _about(f, requested))]
    if negated:
        return Outcome(NOT_MET, negated, f"the record notes no {names(negated)}")
    elsewhere = [f for f in mentioned if f.status == FactStatus.PRESENT]
    if elsewhere:
        return Outcome(INSUFFICIENT, elsewhere, "the functional improvement the record documents is not tied to it")
    return silence("the record does not document functional improvement from it")


class Course(Params):
    """The postsurgical guideline's general course for one group of procedures."""

    fact_fields = ("findings",)
    lexicon_fields = (("procedures", "procedures"), ("body_parts", "body_parts"))

    procedures: list[str] = Field(default_factory=list, description="Procedure lexicon names.")
    terms: list[str] = Field(default_factory=list, description="Words of the surgery (e.g. 'rotator cuff', 'meniscectomy').")
    findings: list[str] = Field(
        default_factory=list,
        description="Facts of the lesion the surgery treated: with them, the course is for the surgery (one of "
        "`procedures`, or named by `terms`) when the record documents one of them (the repair of a complete rotator "
        "cuff rupture, a full-thickness tear, has a longer course than an arthroscopic decompression).",
    )
    body_parts: list[str] = Field(
        default_factory=list,
        description="Body-part lexicon names: with them, the course is for one of `procedures` on one of these parts (a "
        "fracture fixation of the ankle), the part named by the request or the surgery.",
    )
    visits: int = Field(gt=0, description="Visits of the general course.")
    weeks: int = Field(gt=0, description="Weeks of the general course.")
    period_months: int = Field(gt=0, description="Postsurgical physical medicine treatment period.")


class PostsurgicalParams(Params):
    part: Literal["initial", "general", "period"] = Field(
        description="initial: within one half of the general course; general: the whole course, with what was done; "
        "period: within the postsurgical physical medicine period after the surgery's date."
    )
    courses: list[Course] = Field(min_length=1)
    default: Course


def _surgeries(ctx: CheckContext) -> list[Fact]:
    """The surgery facts the therapy follows: the primary fact and the latest surgery the record says was performed (not
    when the surgery it follows is asked for in the same case: an earlier operation is not the one it follows)."""
    primary = [ctx.primary.fact] if ctx.primary.fact is not None else []
    return primary if ctx.primary.item is not None else primary + surgeries_performed(ctx.evidence)[:1]


def _surgery_words(ctx: CheckContext, surgeries: list[Fact]) -> tuple[set[str], str]:
    """Names and words of the surgery the therapy follows: the primary item, the request itself and the `surgeries`
    (`_surgeries`)."""
    names_: set[str] = set()
    words = [ctx.treatment.text]
    if ctx.primary.item is not None:
        item = ctx.case.disputed_items[ctx.primary.item]
        names_.add(ctx.items[ctx.primary.item].name)
        words.append(item.request)
    for surgery in surgeries:
        names_.add(surgery.name)
        words.extend(span.text for span in surgery.spans)
    return names_, " ".join(words).lower()


def course_for(ctx: CheckContext, params: PostsurgicalParams) -> Course:
    """The general course for the surgery the therapy follows (the default when the surgery is not named): by the
    surgery and the lesion the record documents it treated, then by the surgery's words, then by its procedure on the
    body part the request or the surgery names, then by its procedure."""
    surgeries = _surgeries(ctx)
    names_, words = _surgery_words(ctx, surgeries)
    for course in params.courses:
        named = bool(names_ & set(course.procedures)) or any(term.lower() in words for term in course.terms)
        if course.findings and named and ctx.evidence.present(course.findings):
            return course
    for course in params.courses:
        if not course.findings and any(term.lower() in words for term in course.terms):
            return course
    parts = set(ctx.treatment.body_parts) | {part for surgery in surgeries for part in surgery.body_parts}
    for course in params.courses:
        if course.body_parts and names_ & set(course.procedures) and parts & set(course.body_parts):
            return course
    for course in params.courses:
        if not course.body_parts and not course.findings and names_ & set(course.procedures):
            return course
    return params.default


def _within_period(ctx: CheckContext, course: Course) -> Outcome:
    if ctx.primary.item is not None:  # the surgery it follows is asked for in the same case: the therapy will follow it
        return Outcome(MET, note="the surgery has not been performed yet: the therapy will follow it")
    if certified_to_come(ctx.treatment, ctx.evidence):
        # a surgery of the region certified and still to come is the one the therapy follows, not an older one done
        return Outcome(MET, note="the surgery was certified and is still to come: the therapy will follow it")
    # the surgery the therapy follows is one of its body region (an operation elsewhere opens no course for it)
    done = [s for s in surgeries_performed(ctx.evidence) if same_body_region(s.body_parts, ctx.treatment.body_parts)]
    dated = [f for f in done if f.date is not None]
    as_of = ctx.ur_decision
    if not dated or as_of is None:
        if done:
            return Outcome(MET, done[:1], "the surgery has been performed (its date is not stated)")
        return Outcome(MET, note="the surgery has not been performed yet: the therapy will follow it")
    surgery = dated[0]
    last = surgery.last_date
    assert last is not None
    months = max(0, (as_of - last).days) / 30.44
    status = MET if months <= course.period_months else NOT_MET
    verb = "within" if status == MET else "beyond"
    note = f"{months:.0f} months after the surgery, {verb} the {course.period_months}-month postsurgical period"
    return Outcome(status, [surgery], note)


@check("postsurgical_visits", PostsurgicalParams)
def postsurgical_visits(ctx: CheckContext, params: PostsurgicalParams) -> Outcome:
    """Postsurgical physical medicine within the guideline's course for the surgery: an initial course of one half of
    the general course, (`general`) the whole general course counting the visits already completed, or (`period`)
    within the procedure's postsurgical physical medicine period."""
    course = course_for(ctx, params)
    if params.part == "period":
        return _within_period(ctx, course)
    sessions = ctx.requested_sessions
    if sessions is None:
        return Outcome(INSUFFICIENT, note="the request does not state the number of visits")
    if params.part == "initial":
        limit = course.visits // 2
        status = MET if sessions <= limit else NOT_MET
        verb = "is within" if status == MET else "exceeds"
        return Outcome(status, note=f"{sessions} visits {verb} the initial course of {limit} ({course.visits} visits in all)")
    given, counts = _prior_counts(ctx, [ctx.treatment.name])
    if given and not counts:
        return silence("the number of postoperative visits already completed is not documented", given)
    total = max(counts, default=0) + sessions
    status = MET if total <= course.visits else NOT_MET
    verb = "is within" if status == MET else "exceeds"
    return Outcome(status, given, f"{total} visits in all {verb} the general course of {course.visits}")
