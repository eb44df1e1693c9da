"""Checks on what the record documents: findings, diagnoses, care tried, the worker's age, the phase of care,
earlier studies and the relief earlier procedures gave."""

from __future__ import annotations

import re
from typing import ClassVar, Self

from pydantic import Field, model_validator

from openimr.evidence.attribution import treatment_classes
from openimr.evidence.dates import DurationKind, find_durations
from openimr.evidence.numbers import TENS, number_value
from openimr.evidence.procedures import ProcedureEvent
from openimr.evidence.scores import pain_score_against_before
from openimr.knowledge.lexicons import laterality_matcher, same_body_region, same_spine_part, with_nerve_supply
from openimr.knowledge.schema import Patterns
from openimr.knowledge.terms import PERCENT
from openimr.model import Fact, FactStatus
from openimr.review.checks.base import INSUFFICIENT, MET, NOT_MET, CheckContext, Outcome, Params, check, names, silence
from openimr.review.checks.request import NamesParams, request_names
from openimr.review.structure import Phase


class FactsParams(Params):
    """Facts of the record, by name or group (checked against the evidence term lists on load)."""

    fact_fields: ClassVar[tuple[str, ...]] = ("any",)

    any: list[str] = Field(min_length=1, description="Fact names or groups; any one of them will do.")


class DocumentedParams(FactsParams):
    fact_fields: ClassVar[tuple[str, ...]] = ("any", "unless")
    lexicon_fields: ClassVar[tuple[tuple[str, str], ...]] = (("body_parts", "body_parts"), ("or_requested", "procedures"))

    unless: list[str] = Field(
        default_factory=list,
        description="Facts that, asserted, make it not met: the record states what undoes `any` (a surgical "
        "consultation that found the worker no candidate; a return to work that ended in time off work again).",
    )

    accept_uncertain: bool = Field(
        default=False, description='Also a suspected finding ("rule out carpal tunnel syndrome"), e.g. to justify a test.'
    )
    accept_planned: bool = Field(
        default=False, description='Also a plan ("surgery is recommended"), when the plan itself is what the criterion asks.'
    )
    same_region: bool = Field(
        default=False,
        description="Only facts whose sentence names no body part or one in the request's region (osteoarthritis of the "
        "knee for a knee surgery, not of the spine), and, for a study of the spine, not another part of the spine.",
    )
    same_spine_part: bool = Field(
        default=False,
        description="Only facts whose sentence places nothing at the spine or places them at the requested part of it "
        "(a limb counting as the spine part whose roots supply it): arm weakness is a finding of the neck, not of the "
        "thoracic spine, though both are one region.",
    )
    same_side: bool = Field(
        default=False,
        description="For a request for one side (a left knee injection), only facts the record places on no side, on "
        "that side or on both (`Evidence.sides_of`): findings of one knee do not support treating the other.",
    )
    body_parts: list[str] = Field(
        default_factory=list,
        description="Only facts whose sentence names no body part or one in these parts' regions, whatever the request "
        "names (a topical NSAID: osteoarthritis of the knee or the hand, not of the hip or the spine).",
    )
    or_requested: list[str] = Field(
        default_factory=list,
        description="Procedure lexicon names: also met when another disputed item of the case asks for one of them (the "
        "program a treatment belongs to, requested with it: biofeedback with cognitive behavioral therapy), or the "
        "request names one as the procedure it is for (a psychological evaluation before a spinal cord stimulator trial).",
    )


def _in_region(ctx: CheckContext, facts: list[Fact], nerve_supply: bool = False) -> list[Fact]:
    """The facts whose clause names no body part or one in the request's region, and places them at no other part of
    the spine than the requested one; with `nerve_supply`, also a limb whose nerve roots the requested spine part
    supplies (leg pain for a lumbar request)."""
    widen = with_nerve_supply if nerve_supply else list
    parts = ctx.treatment.body_parts
    return [
        f for f in facts if same_body_region(widen(f.body_parts), parts) and same_spine_part(f.body_parts, parts)
    ]


def _on_side(ctx: CheckContext, facts: list[Fact]) -> list[Fact]:
    """The facts that may be of the side the request names, when it names one side only: those the record places on no
    side, on that side or on both (a request for both sides, or for no side, keeps them all)."""
    requested = {m.value for m in laterality_matcher().find(ctx.treatment.laterality or "")}
    if len(requested) != 1 or requested == {"bilateral"}:
        return facts
    kept = requested | {"bilateral"}
    return [f for f in facts if not (sides := ctx.evidence.sides_of(f)) or sides & kept]


@check("documented", DocumentedParams)
def documented(ctx: CheckContext, params: DocumentedParams) -> Outcome:
    """Met when the record asserts any of `any` and none of `unless`; not met when it mentions them only to negate
    them, or asserts one of `unless`; insufficient when it only suspects them (unless `accept_uncertain`), plans them or
    says nothing (silent)."""
    mentioned = [f for f in ctx.evidence.mentions(params.any) if f.experiencer == "patient"]
    if params.same_region:
        mentioned = _in_region(ctx, mentioned)
    if params.same_spine_part:
        mentioned = [f for f in mentioned if same_spine_part(f.body_parts, ctx.treatment.body_parts)]
    if params.body_parts:
        mentioned = [f for f in mentioned if same_body_region(f.body_parts, params.body_parts)]
    if params.same_side:
        mentioned = _on_side(ctx, mentioned)
    present = [f for f in mentioned if f.status == FactStatus.PRESENT]
    if params.accept_uncertain:
        present += [f for f in mentioned if f.status == FactStatus.UNCERTAIN]
    if params.accept_planned:
        present += [f for f in mentioned if f.status == FactStatus.PLANNED]
    if present and params.unless:
        undone = [
            f for f in ctx.evidence.mentions(params.unless) if f.experiencer == "patient" and f.status == FactStatus.PRESENT
        ]
        if undone:
            return Outcome(NOT_MET, present + undone, f"the record documents {names(present)}, but also {names(undone)}")
    if present:
        return Outcome(MET, present, f"the record documents {names(present)}")
    requested = [t.name for i, t in enumerate(ctx.items) if i != ctx.item and t.name in params.or_requested]
    if requested:
        return Outcome(MET, note=f"{requested[0]} is requested in the same case")
    if ctx.treatment.surgery in params.or_requested:
        return Outcome(MET, note=f"the request is for a {ctx.treatment.surgery}")
    if mentioned and all(f.status == FactStatus.ABSENT for f in mentioned):
        return Outcome(NOT_MET, mentioned, f"the record notes no {names(mentioned)}")
    if any(f.status == FactStatus.UNCERTAIN for f in mentioned):
        return Outcome(INSUFFICIENT, mentioned, f"the record only suspects {names(mentioned)}")
    return silence(facts=mentioned)


@check("not_documented", DocumentedParams)
def not_documented(ctx: CheckContext, params: DocumentedParams) -> Outcome:
    """The reverse of `documented`, for a finding that bars one path of a topic (an unexpected drug test result bars
    continuing an opioid, not weaning it): not met when the record asserts any of `any` (or suspects, plans them, as
    `accept_uncertain` and `accept_planned` say); met when it mentions them only to negate them; silent otherwise."""
    found = documented(ctx, params)
    if found.status == MET:
        return Outcome(NOT_MET, found.facts, found.note)
    if found.status == NOT_MET:
        return Outcome(MET, found.facts, found.note)
    return silence(facts=found.facts)


class DocumentedWhenParams(DocumentedParams):
    """A finding the guideline asks for only in one condition of the record ("for neuropathic pain, after first-line
    drugs") or of the request ("a custom-fabricated brace, for a limb a prefabricated one cannot fit")."""

    fact_fields: ClassVar[tuple[str, ...]] = ("any", "unless", "when")

    when: list[str] = Field(default_factory=list, description="Fact names or groups of the condition; any one of them will do.")
    when_request: Patterns = Field(
        default_factory=list,
        description="Regular expressions of the request's wording the condition is (a custom-fabricated brace): the "
        "criterion applies only to a request that one of them matches.",
    )

    @model_validator(mode="after")
    def _one_condition(self) -> Self:
        if not self.when and not self.when_request:
            raise ValueError("give the condition: when, when_request or both")
        return self


@check("documented_when", DocumentedWhenParams)
def documented_when(ctx: CheckContext, params: DocumentedWhenParams) -> Outcome:
    """Read as `documented` reads `any`, but only when the record asserts one of `when` (the condition the guideline
    ties the criterion to) and the request matches one of `when_request`, of those given; met otherwise, as the
    criterion does not apply."""
    if params.when_request and request_names(ctx, NamesParams(patterns=params.when_request)).status != MET:
        return Outcome(MET, note="the request is not one the criterion applies to")
    condition = documented(ctx, DocumentedParams(any=params.when)) if params.when else None
    if condition is not None and condition.status != MET:
        return Outcome(MET, note="the condition it applies to is not documented")
    found = documented(ctx, params)
    facts = (condition.facts if condition else []) + found.facts
    note = f"{condition.note}; {found.note}" if condition else found.note
    return Outcome(found.status, facts, note, silent=found.silent)


class NamesUnlessParams(NamesParams):
    """A request wording the guideline bars, unless the record documents what makes it necessary (a short series of
    visits while a medication is being titrated)."""

    fact_fields: ClassVar[tuple[str, ...]] = ("unless",)

    unless: list[str] = Field(min_length=1, description="Fact names or groups that, documented, lift the bar.")
    accept_planned: bool = Field(default=False, description='Also a plan of them ("to titrate the dose").')


@check("request_names_unless", NamesUnlessParams)
def request_names_unless(ctx: CheckContext, params: NamesUnlessParams) -> Outcome:
    """As `request_names` reads the request, but not met when the record documents one of `unless` (as `documented`
    reads it): as an exclusion, a request the guideline bars except in a condition of the record."""
    named = request_names(ctx, params)
    if named.status != MET:
        return named
    lifted = documented(ctx, DocumentedParams(any=params.unless, accept_planned=params.accept_planned))
    if lifted.status == MET:
        return Outcome(NOT_MET, lifted.facts, f"{named.note}, but {lifted.note}")
    return named


class AgeParams(Params):
    min: int | None = Field(default=None, ge=0, le=120, description="At least this age.")
    max: int | None = Field(default=None, ge=0, le=120, description="At most this age.")


@check("age", AgeParams)
def age(ctx: CheckContext, params: AgeParams) -> Outcome:
    """The worker's age is within `min` and `max` (silent when the case file does not give it)."""
    years = ctx.case.patient.age
    if years is None:
        return silence("the worker's age is not given")
    if (params.min is not None and years < params.min) or (params.max is not None and years > params.max):
        return Outcome(NOT_MET, note=f"the worker is {years} years old")
    return Outcome(MET, note=f"the worker is {years} years old")


class ConservativeCareParams(Params):
    fact_fields = ("symptoms",)

    min_weeks: float | None = Field(
        default=None, gt=0, description="Conservative care must have lasted this long (counted from the injury)."
    )
    symptoms: list[str] = Field(
        default_factory=list,
        description="Complaints that, still documented once a course of care has been given, show that care and "
        "observation have not improved them (a guideline that asks only that symptoms fail to improve, not that the "
        "record call the care a failure).",
    )
    basic_care: bool = Field(
        default=False,
        description="Basic care (medication, rest, splinting, activity modification) counts as a course of care, as "
        "it does in a guideline's 'period of conservative care and observation'.",
    )
    medications: bool = Field(
        default=False,
        description="A drug the record says the worker takes or has taken counts as a modality tried, as it does in a "
        "guideline's 'other appropriate pain modalities have been tried (including medication)'.",
    )
    same_side: bool = Field(
        default=False,
        description="For a request for one side, only failed care and persisting symptoms the record places on no side, "
        "on that side or on both: the other knee's pain does not show that care failed this one.",
    )


_IMPROVEMENT = ("symptom_improvement", "pain_relief", "functional_improvement")
_STEROID_INJECTIONS = ["epidural steroid injection", "joint injection", "trigger point injection", "facet injection"]
"""Injections of a steroid (epidural, joint or bursa, trigger point, facet): care tried before a procedure or study that
asks for failed conservative care (MTUS ACOEM: symptoms that persist after an injection); their relief is not the
success of a course of care (a block that helped for a while is a reason to go on, not a failed indication)."""


_MEASURES = frozenset({"measured activity tolerance"})
"""Functional terms that measure what the worker does ("walks 30 minutes", "sits for an hour"), not that it changed:
the state a course of care left, which says nothing of whether the care improved the symptoms."""


_RESOLVING_RELIEF = 50
"""Percent pain relief below which care eased the pain only in part (the CPMTG's measure of a meaningful response to a
block, at least 50% relief, p. 46)."""
_LASTING_RELIEF_DAYS = 42
"""Days of relief below which care eased the pain only for a while (the same measure: relief for six to eight weeks)."""


def _partial_or_passing(ctx: CheckContext, fact: Fact) -> bool:
    """The record quantifies the relief below `_RESOLVING_RELIEF` percent or says it lasted less than
    `_LASTING_RELIEF_DAYS`: care that eased the pain in part or for a while has failed to resolve the symptoms (MTUS
    ACOEM p. 305-306: "failure of conservative treatment to resolve disabling radicular symptoms")."""
    percents = relief_percents(fact.spans[0].text if fact.spans else "")
    lengths = _relief_lengths(ctx, fact)
    return (bool(percents) and max(percents) < _RESOLVING_RELIEF) or (bool(lengths) and max(lengths) < _LASTING_RELIEF_DAYS)


def _care_responses(ctx: CheckContext) -> tuple[list[Fact], list[Fact]]:
    """What the record says a therapy given did: the statements that it improved the symptoms, pain or function
    (first), and the pain relief it gave that was partial or passing (`_partial_or_passing`, second: symptoms the care
    has not resolved). A change, not a measure of what the worker does (`_MEASURES`); tied to a conservative therapy (not
    the medications: drugs that ease pain do not make a course of care a success), and not to an earlier course of the
    requested treatment itself (the relief an earlier block gave is a reason to repeat it, the repeat's own criterion,
    not care that made the request unnecessary)."""
    therapies = {f.name for f in ctx.evidence.present(["conservative_care"]) if f.kind == "prior_treatment"}
    requested = ctx.treatment.name
    responses = [
        f
        for f in ctx.evidence.present(_IMPROVEMENT)
        if f.name not in _MEASURES and therapies & set(f.treatments) and requested not in f.treatments
    ]
    relief = ctx.evidence.present(["pain_relief"])
    short = [f for f in responses if f in relief and _partial_or_passing(ctx, f)]
    return [f for f in responses if f not in short], short


def _therapies(facts: list[Fact]) -> str:
    return ", ".join(dict.fromkeys(t for f in facts for t in f.treatments))


@check("conservative_care_failed", ConservativeCareParams)
def conservative_care_failed(ctx: CheckContext, params: ConservativeCareParams) -> Outcome:
    """Conservative care has been tried and has failed: stated as such (or said to have stopped progressing, a plateau:
    care that no longer improves the symptoms has failed to resolve them), or a course of care given and symptoms
    persisting (said to persist or to worsen, or one of `symptoms` still documented), the failure or the symptoms in
    the request's region (leg pain counts for the lumbar spine); with `min_weeks`, for at least that long since the
    injury. Not met when the record says a therapy tried improved the symptoms and says of none that it failed: care
    that improves symptoms has not failed; relief it gave only in part or for a while is symptoms persisting."""

    def in_place(facts: list[Fact]) -> list[Fact]:
        """The facts of the request's region (leg pain for a lumbar request) and, with `same_side`, of its side."""
        facts = _in_region(ctx, facts, nerve_supply=True)
        return _on_side(ctx, facts) if params.same_side else facts

    failed = in_place(ctx.evidence.present(["failed_conservative_care", "therapy_plateau"]))
    care = ["conservative_care", *_STEROID_INJECTIONS, *(["basic_care"] if params.basic_care else [])]
    tried = [f for f in ctx.evidence.present(care) if f.kind == "prior_treatment"]
    if params.medications:
        tried += [f for f in ctx.evidence.of_kind("medication") if f.status == FactStatus.PRESENT]
    helped, short = ([], []) if failed else _care_responses(ctx)
    if helped:
        note = f"the record documents {names(helped)} with {_therapies(helped)}: the care has not failed"
        return Outcome(NOT_MET, helped, note)
    symptoms = ["persistent_symptoms", "progressive_symptoms", *params.symptoms]
    persisting = in_place(ctx.evidence.present(symptoms)) + short
    facts = failed or (tried + persisting if tried and persisting else [])
    if not facts:
        if tried:
            return Outcome(INSUFFICIENT, tried, f"the response to {names(tried)} is not documented")
        return silence("there is no documentation of a course of conservative care")
    weeks = ctx.weeks_since_injury()
    if params.min_weeks is not None and weeks is not None and weeks < params.min_weeks:
        return Outcome(
            NOT_MET,
            facts,
            f"the UR decision came {weeks:.1f} weeks after the injury: conservative care cannot have "
            f"lasted {params.min_weeks:g} weeks",
        )
    note = "the record documents that conservative care failed" if failed else f"symptoms persist despite {names(tried)}"
    return Outcome(MET, facts, note)


class PhaseParams(Params):
    allowed: list[Phase] = Field(min_length=1, description="Phases of care in which the criterion holds.")


@check("phase", PhaseParams)
def phase(ctx: CheckContext, params: PhaseParams) -> Outcome:
    """The phase of care (acute, subacute, chronic, postoperative) is one of `allowed`."""
    fact = ctx.phase
    if fact.name == Phase.UNKNOWN:
        return silence(f"the phase of care is not known ({fact.value})")
    status = MET if fact.name in params.allowed else NOT_MET
    return Outcome(status, [fact], f"the request falls in the {fact.name} phase ({fact.value})")


class WeeksParams(Params):
    min_weeks: float | None = Field(default=None, ge=0)
    max_weeks: float | None = Field(default=None, ge=0)


@check("weeks_since_injury", WeeksParams)
def weeks_since_injury(ctx: CheckContext, params: WeeksParams) -> Outcome:
    """The request falls at least `min_weeks` and at most `max_weeks` after the injury."""
    weeks = ctx.weeks_since_injury()
    if weeks is None:
        return silence("the date of injury or of the UR decision is not known")
    if params.min_weeks is not None and weeks < params.min_weeks:
        return Outcome(NOT_MET, note=f"the request came {weeks:.0f} weeks after the injury, before {params.min_weeks:.0f} weeks")
    if params.max_weeks is not None and weeks > params.max_weeks:
        return Outcome(NOT_MET, note=f"the request came {weeks:.0f} weeks after the injury, beyond {params.max_weeks:.0f} weeks")
    return Outcome(MET, note=f"the request came {weeks:.0f} weeks after the injury")


class RepeatParams(Params):
    fact_fields = ("change",)
    lexicon_fields = (("procedures", "procedures"),)

    procedures: list[str] = Field(min_length=1, description="Procedure lexicon names of the same study or procedure.")
    change: list[str] = Field(
        default_factory=list, description="Facts that justify a repeat (a new or progressive finding, a new injury)."
    )


@check("repeat_without_change", RepeatParams)
def repeat_without_change(ctx: CheckContext, params: RepeatParams) -> Outcome:
    """Met (an exclusion) when the record shows the same study or procedure already done on the same body part and
    nothing that justifies repeating it (`change`); not met when there was none, or a change is documented."""
    done = _in_region(ctx, ctx.evidence.procedure_events(params.procedures, ProcedureEvent.PERFORMED))
    if not done:
        return Outcome(NOT_MET, note="the record shows no earlier study of this kind")
    change = ctx.evidence.present(params.change) if params.change else []
    if change:
        return Outcome(NOT_MET, done + change, f"a repeat is justified by {names(change)}")
    return Outcome(MET, done, f"{done[0].name} was already done and no significant change is documented since")


_PERCENT = re.compile(rf"(\d{{1,3}}){PERCENT}|\b({TENS})\s+per\s?cent\b", re.IGNORECASE)
_SCORES = re.compile(
    r"\bfrom\s+(?:a\s+)?(\d{1,2}(?:\.\d)?)(?:\s*/\s*10|\s+out\s+of\s+(?:10|ten))?\s+(?:down\s+)?to\s+(?:a\s+)?"
    r"(\d{1,2}(?:\.\d)?)\s*(?:/\s*10|out\s+of\s+(?:10|ten))",
    re.IGNORECASE,
)
_ARROW_SCORES = re.compile(
    r"\b(\d{1,2}(?:\.\d)?)(?:\s*/\s*10)?\s*(?:-+>|\u2192|=>)\s*(\d{1,2}(?:\.\d)?)\s*/\s*10\b"
    r"|\b(?:pain|VAS|NRS)\s+(?:\w+\s+){0,2}?(\d{1,2}(?:\.\d)?)\s*(?:-+>|\u2192|=>)\s*(\d{1,2}(?:\.\d)?)\b(?!\s*/)",
    re.IGNORECASE,
)
"""A pain score's change written with an arrow, the scale given once or not at all after a word naming the score
("8/10 -> 4/10", "8 -> 4/10", "pain 7 -> 3")."""
_BEFORE_AND_NOW = re.compile(
    r"\b(\d{1,2}(?:\.\d)?)\s*/\s*10\s+(?:before|prior\s+to|pre-?)(?:\s+[\w-]+){0,3}?\s*(?:-+>|\u2192|=>)\s*(\d{1,2}(?:\.\d)?)\s*/\s*10\b"
    r"|\b(\d{1,2}(?:\.\d)?)\s*/\s*10\s+(?:before|prior\s+to)\b[^.;]{0,40}?\b(\d{1,2}(?:\.\d)?)\s*/\s*10\s+"
    r"(?:now|currently|at\s+present|today|since)\b",
    re.IGNORECASE,
)
"""The score before a treatment and the score now, the treatment or "before" between them ("8/10 before gabapentin ->
4/10 now", "7/10 prior to Lyrica and 3/10 now")."""
_FRACTIONS = {"half": 50, "a third": 33, "one third": 33, "two third": 67, "a quarter": 25, "three quarter": 75}
_BARE_SCORES = re.compile(
    r"\b(?:VAS|NRS|pain(?:\s+(?:scores?|levels?|ratings?|intensity))?)\b[^.;]{0,30}?\bfrom\s+(\d{1,2}(?:\.\d)?)\s+(?:down\s+)?to\s+"
    r"(\d{1,2}(?:\.\d)?)\b(?!\s*/)(?!\s*(?:hours?|days?|weeks?|months?|years?|times?|am|pm)\b)",
    re.IGNORECASE,
)
"""A pain score's drop written without its scale, after a word that names the pain or its score ("VAS went from 8 to
3", "Norco brings her pain from 8 to 5")."""
_SCORE = r"\d{1,2}(?:\.\d)?(?:\s*/\s*10(?![\d/])|\s+out\s+of\s+(?:10|ten))?"
_WITH_WITHOUT = re.compile(
    rf"(?P<word>\b(?:without|w/o|off|with|w/|on)(?![\w/]))|(?P<score>(?<![\w/.]){_SCORE})",
    re.IGNORECASE,
)
"""The words "with" and "without" (and their shorthand, "on" and "off" a drug) and the pain scores of a statement of
pain with and without a treatment ("3/10 with medication, 6/10 without", "with Norco 4/10; off it 8/10")."""


def _with_and_without(text: str) -> tuple[float, float] | None:
    """The pain score without the treatment and the score with it, in a statement that gives both: each score belongs
    to the word after it when the statement opens with a score ("3/10 with medication and 6/10 without"), else to the
    word before it ("with medication 3/10, without 6/10"); None unless one score is with and one without."""
    tokens = [(m.group("word"), m.group("score")) for m in _WITH_WITHOUT.finditer(text)]
    if not tokens:
        return None
    score_first = tokens[0][1] is not None
    scores: dict[bool, float] = {}
    for index, (_, score) in enumerate(tokens):
        if score is None:
            continue
        neighbour = tokens[index + 1 : index + 2] if score_first else tokens[index - 1 : index] if index else []
        if not neighbour or neighbour[0][0] is None:
            continue
        without = neighbour[0][0].lower() in ("without", "w/o", "off")
        scores.setdefault(without, float(score.split("/")[0].split()[0]))
    if True in scores and False in scores:
        return scores[True], scores[False]
    return None


_FRACTION = re.compile(
    r"\b(?:by|in)\s+(?:about\s+|approximately\s+|around\s+|nearly\s+|almost\s+|more\s+than\s+|over\s+)?"
    r"(?P<f>half|(?:a|one|two)[\s-]thirds?|(?:a|three)[\s-]quarters?)\b",
    re.IGNORECASE,
)


_SCORE_RANGE = re.compile(r"(?<![/\d.])(\d{1,2})\s*-\s*(\d{1,2})(?=\s*/\s*10\b)")
_PERCENT_RANGE = re.compile(r"(?<![/\d.])(\d{1,3})\s*(?:-|to)\s*(\d{1,3})(?=\s*(?:%|percent\b|per\s+cent\b))", re.IGNORECASE)


def _midpoints(text: str) -> str:
    """`text` with each range of a pain score or a percent written as its midpoint ("8/10 -> 2-3/10" as "8/10 ->
    2.5/10", "60-70% relief" as "65% relief"): a range states the score or the relief as a reader averages it."""

    def middle(match: re.Match[str], whole: bool) -> str:
        low, high = int(match.group(1)), int(match.group(2))
        if low >= high:
            return match.group(0)
        mid = (low + high) / 2
        return f"{round(mid)}" if whole else f"{mid:g}"

    text = _SCORE_RANGE.sub(lambda m: middle(m, whole=False) if int(m.group(2)) <= 10 else m.group(0), text)
    return _PERCENT_RANGE.sub(lambda m: middle(m, whole=True) if int(m.group(2)) <= 100 else m.group(0), text)


def relief_percents(text: str) -> list[int]:
    """The pain relief a statement quantifies, in percent: "50% relief", "70 percent", "sixty percent", a pain score
    "from 8/10 to 4/10", "8/10 -> 4/10", "8/10 before it -> 4/10 now", "VAS from 8 to 4" or "4/10 with it, 8/10
    without" or "4/10 compared with 8/10 before it" (the drop over the score before or without: 50), "reduced by
    (about) half" (50); a range of scores or of percents read as its midpoint ("8/10 -> 2-3/10": 69; "60-70%": 65)."""
    text = _midpoints(text)
    found = [int(m.group(1)) if m.group(1) else number_value(m.group(2)) or 0 for m in _PERCENT.finditer(text)]
    scores = (_SCORES, _ARROW_SCORES, _BARE_SCORES, _BEFORE_AND_NOW)
    for match in (found for pattern in scores for found in pattern.finditer(text)):
        before, after = (float(group) for group in match.groups() if group is not None)
        if 0 < before <= 10 and after <= before:
            found.append(round(100 * (before - after) / before))
    for paired in (_with_and_without(text), pain_score_against_before(text)):
        if paired is not None and 0 < paired[0] <= 10 and paired[1] <= paired[0]:
            found.append(round(100 * (paired[0] - paired[1]) / paired[0]))
    for match in _FRACTION.finditer(text):
        found.append(_FRACTIONS[" ".join(match.group("f").lower().replace("-", " ").split()).removesuffix("s")])
    return found


class ReliefParams(Params):
    lexicon_fields = (("family", "treatments"),)

    percent: int = Field(gt=0, le=100, description="At least this much pain relief.")
    family: list[str] = Field(min_length=1, description="What the relief must be from (procedure names, drug names).")


class ReliefLastedParams(Params):
    lexicon_fields = (("family", "treatments"),)
    fact_fields: ClassVar[tuple[str, ...]] = ("stated",)

    weeks: float = Field(gt=0, description="The relief lasted at least this many weeks.")
    family: list[str] = Field(min_length=1, description="What the relief must be from (procedure names, drug names).")
    stated: list[str] = Field(
        default_factory=list,
        description="Facts that state in words an improvement lasting at least `weeks` (\"improvement for eight "
        "months\"): met by them when no relief from `family` is measured.",
    )


def _relief_from(ctx: CheckContext, family: list[str]) -> list[Fact]:
    """The pain relief the record ties to a treatment of `family` (a drug's class among them: relief from tramadol is
    relief from an opioid)."""
    return [f for f in ctx.evidence.present(["pain_relief"]) if treatment_classes(list(f.treatments)) & set(family)]


def _relief_lengths(ctx: CheckContext, fact: Fact) -> list[int]:
    """The lengths in days the sentence stating the relief gives it: a span written after the relief ("60% relief for
    three months"; not "back pain for two years, and the injection gave 60% relief"), or one bounded by two dates or
    events that closes after it ("the injection in March relieved her pain until July", "good relief since the 4/2016
    block until recently": "recently" and "N weeks ago" counted from the date of the note, else of the UR decision)."""
    dated = {document.id: document.date for document in ctx.evidence.case.documents}
    lengths = []
    for placed in ctx.evidence.sentences_of(fact):
        at = placed.span.start - placed.sentence.start
        reference = dated.get(placed.span.document_id) or ctx.ur_decision
        for duration in find_durations(placed.sentence.text, reference=reference):
            after = duration.start >= at if duration.kind == DurationKind.SPAN else duration.end > at
            if duration.kind in (DurationKind.SPAN, DurationKind.BOUNDED) and after and duration.days is not None:
                lengths.append(duration.days)
    return lengths


@check("relief_lasted", ReliefLastedParams)
def relief_lasted(ctx: CheckContext, params: ReliefLastedParams) -> Outcome:
    """The pain relief from the earlier treatment of `family` lasted at least `weeks`: the longest span of time the
    sentence stating the relief gives it (`_relief_lengths`), else one of `stated`; not met when every such span is
    shorter, insufficient when there is none."""
    relief = _relief_from(ctx, params.family)
    lengths = [(days, fact) for fact in relief for days in _relief_lengths(ctx, fact)]
    stated = [f for f in ctx.evidence.present(params.stated) if f.experiencer == "patient"] if params.stated else []
    if stated and not lengths:
        return Outcome(MET, stated, f"the record documents {names(stated)}")
    if not relief:
        return silence("the relief from the earlier treatment is not documented")
    if not lengths:
        return Outcome(INSUFFICIENT, relief, "the record does not say how long the relief lasted")
    days, fact = max(lengths, key=lambda pair: pair[0])
    weeks = days / 7
    status, verb = (MET, "at least") if weeks >= params.weeks else (NOT_MET, "less than")
    return Outcome(status, [fact], f"the relief lasted about {weeks:.0f} weeks, {verb} {params.weeks:g}")


@check("relief_at_least", ReliefParams)
def relief_at_least(ctx: CheckContext, params: ReliefParams) -> Outcome:
    """The record states at least `percent` pain relief from the earlier treatment of `family`."""
    relief = _relief_from(ctx, params.family)
    stated = [(f, value) for f in relief for value in relief_percents(f.spans[0].text if f.spans else "")]
    if any(value >= params.percent for _, value in stated):
        facts = [f for f, value in stated if value >= params.percent]
        return Outcome(MET, facts, f"the earlier treatment gave at least {params.percent}% relief")
    if stated:
        best = max(value for _, value in stated)
        return Outcome(NOT_MET, [f for f, _ in stated], f"the earlier treatment gave {best}% relief, short of {params.percent}%")
    if relief:
        return Outcome(INSUFFICIENT, relief, "the relief from the earlier treatment is not quantified")
    return silence("the relief from the earlier treatment is not documented")
