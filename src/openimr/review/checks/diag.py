"""Checks for diagnostic studies, injections and equipment: two findings documented together, the time since a test or
procedure was last done, and how long a complaint has lasted.

* `documented_both`: two facts the guideline names together ("radiculopathy is already clinically obvious": a
  deficit on examination AND nerve compression on imaging), each read as `documented` reads it.
* `time_since_last`: the guideline's interval between tests or procedures (urine drug testing by risk level, a repeat
  neurotomy no sooner than six months, trigger point injections no more often than every two months), from the
  dates the record gives for the last one.
* `lasted_at_least`: the duration a complaint must have lasted ("insomnia for at least six months"), from the
  duration or start date written in the sentence that states it.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Self

from pydantic import Field, model_validator

from openimr.evidence.dates import DurationKind, find_durations, find_event_dates
from openimr.evidence.procedures import ProcedureEvent
from openimr.model import DatePrecision, Fact, last_day
from openimr.review.checks.base import INSUFFICIENT, MET, NOT_MET, CheckContext, Outcome, Params, check, names, silence
from openimr.review.checks.record import DocumentedParams, documented

_DAYS_A_MONTH = 365.25 / 12


class BothParams(Params):
    """Two sets of facts, one of each to be documented (each read as `documented` reads it)."""

    fact_fields: ClassVar[tuple[str, ...]] = ("any", "also", "unless")

    any: list[str] = Field(min_length=1, description="Fact names or groups of the first finding; any one will do.")
    also: list[str] = Field(min_length=1, description="Fact names or groups of the second finding; any one will do.")
    unless: list[str] = Field(
        default_factory=list,
        description="Facts that, documented or suspected, make it not met (another diagnosis still to be told apart).",
    )
    accept_uncertain: bool = Field(default=False, description="Also suspected findings (see `documented`).")
    accept_planned: bool = Field(default=False, description="Also planned ones (see `documented`).")
    also_planned: bool = Field(
        default=False,
        description="One of `also` only planned also counts (the treatment an evaluation recommended, authorized and "
        "not yet begun: the evaluation has answered its question).",
    )
    unless_planned: bool = Field(
        default=False,
        description="One of `unless` only planned also makes it not met (an implant being planned, a referral for "
        "medication management: a new question the repeat answers).",
    )


@check("documented_both", BothParams)
def documented_both(ctx: CheckContext, params: BothParams) -> Outcome:
    """Met when the record documents one of `any` AND one of `also` (each as `documented` reads it), and none of
    `unless` is documented or suspected (or, with `unless_planned`, planned); not met when it negates either, or
    documents or suspects one of `unless`; silent when it says nothing of either; insufficient otherwise."""
    options = {"accept_uncertain": params.accept_uncertain, "accept_planned": params.accept_planned}
    first = documented(ctx, DocumentedParams(any=params.any, **options))
    also_options = {**options, "accept_planned": params.accept_planned or params.also_planned}
    second = documented(ctx, DocumentedParams(any=params.also, **also_options))
    facts = first.facts + second.facts
    if first.status == MET and second.status == MET:
        other = (
            documented(ctx, DocumentedParams(any=params.unless, accept_uncertain=True, accept_planned=params.unless_planned))
            if params.unless
            else None
        )
        if other is not None and other.status == MET:
            return Outcome(NOT_MET, facts + other.facts, f"{other.note}, still to be told apart")
        return Outcome(MET, facts, f"{first.note} and {second.note.removeprefix('the record ')}")
    if NOT_MET in (first.status, second.status):
        failed = first if first.status == NOT_MET else second
        return Outcome(NOT_MET, facts, failed.note)
    if first.silent and second.silent:
        return silence("the record documents neither", facts)
    missing = second if first.status == MET else first
    return Outcome(INSUFFICIENT, facts, missing.note or "the record documents only one of them")


class SinceLastParams(Params):
    """What counts as the earlier test or procedure, and the guideline's interval."""

    fact_fields: ClassVar[tuple[str, ...]] = ("facts",)
    lexicon_fields: ClassVar[tuple[tuple[str, str], ...]] = (("procedures", "procedures"),)

    facts: list[str] = Field(default_factory=list, description="Fact names or groups that report the test done.")
    procedures: list[str] = Field(
        default_factory=list, description="Procedure lexicon names (an injection or study the record says was performed)."
    )
    min_weeks: float = Field(gt=0, description="At least this many weeks since the last one.")

    @model_validator(mode="after")
    def _names_something(self) -> Self:
        if not (self.facts or self.procedures):
            raise ValueError("give facts or procedures")
        return self


def _sentence_dates(ctx: CheckContext, fact: Fact) -> list[tuple[dt.date, dt.date]]:
    """Dates the sentence of a fact gives for it, each as the first and last day it can be (a year alone is any day of
    it): written dates and "N weeks ago", none after the UR decision."""
    as_of = ctx.ur_decision
    found: list[tuple[dt.date, dt.date]] = []
    for placed in ctx.evidence.sentences_of(fact):
        sentence = placed.sentence.text
        found += [(d.date, last_day(d.date, d.precision)) for d in find_event_dates(sentence, report_if_alone=True)]
        ago = [d.since for d in find_durations(sentence, reference=as_of) if d.kind == DurationKind.AGO]
        found += [(d, d) for d in ago if d is not None]
    return [(first, last) for first, last in found if as_of is None or first <= as_of]


def _same_part(fact: Fact, ctx: CheckContext) -> bool:
    parts = ctx.treatment.body_parts
    return not fact.body_parts or not parts or bool(set(fact.body_parts) & set(parts))


@check("time_since_last", SinceLastParams)
def time_since_last(ctx: CheckContext, params: SinceLastParams) -> Outcome:
    """At least `min_weeks` have passed since the last test or procedure of the kind the record reports (its latest
    date); not met when the last one is more recent; insufficient when the record reports one without a date, or dates
    it only to a year that straddles the interval (a month alone is read as about that month, by whole months); silent
    when it reports none."""
    events = [
        f
        for f in ctx.evidence.procedure_events(params.procedures, ProcedureEvent.PERFORMED)
        if _same_part(f, ctx)
    ]
    done = ctx.evidence.present(params.facts) + events
    if not done:
        return silence("the record reports no earlier one")
    # each date as the first and last day it can be: "in 2015" is any day of 2015
    dated = [
        (first, last, f)
        for f in done
        for first, last in ([(f.date, f.last_date or f.date)] if f.date else _sentence_dates(ctx, f))
    ]
    if not dated:
        return Outcome(INSUFFICIENT, done, f"the record reports {names(done)} without saying when")
    as_of = ctx.ur_decision
    if as_of is None:
        return silence("the date of the UR decision is not known", done)
    first, last, fact = max(dated, key=lambda found: found[1])
    least, most = max(0, (as_of - last).days) / 7, (as_of - first).days / 7
    when = f"the last {fact.name} was {least:.0f} weeks earlier"
    if least >= params.min_weeks:
        return Outcome(MET, [fact], f"{when}, at least {params.min_weeks:g} weeks")
    if most < params.min_weeks:
        return Outcome(NOT_MET, [fact], f"{when}, less than {params.min_weeks:g} weeks")
    if last == last_day(first, DatePrecision.MONTH) and first.day == 1:
        # a month alone ("last UDS 8/2014") is read as a reviewer reads it, about that month: the whole months from it
        # to the UR decision's month, against the interval in months
        months = (as_of.year - first.year) * 12 + as_of.month - first.month
        interval = params.min_weeks * 7 / _DAYS_A_MONTH
        status = MET if months >= interval else NOT_MET
        verb = "at least" if status == MET else "less than"
        note = f"the last {fact.name} was in {first:%m/%Y}, {months} months earlier, {verb} {interval:.0f} months"
        return Outcome(status, [fact], note)
    return Outcome(
        INSUFFICIENT,
        [fact],
        f"the record dates the last {fact.name} only to between {first:%m/%d/%Y} and {last:%m/%d/%Y}, which does not tell",
    )


class LastedParams(DocumentedParams):
    """A complaint and how long it must have lasted."""

    min_weeks: float = Field(gt=0, description="The complaint has lasted at least this many weeks.")


@check("lasted_at_least", LastedParams)
def lasted_at_least(ctx: CheckContext, params: LastedParams) -> Outcome:
    """The record states one of `any` and, in the same sentence, that it has lasted at least `min_weeks` (a duration,
    a start date, "since the injury"); not met when the durations it states are all shorter; insufficient when it
    states the complaint without a duration; silent when it does not state the complaint."""
    present = ctx.evidence.present(params.any)
    if not present:
        return silence(f"the record does not document {' or '.join(params.any)}")
    lengths: list[tuple[int, Fact]] = []
    for fact in present:
        for placed in ctx.evidence.sentences_of(fact):
            durations = find_durations(placed.sentence.text, reference=ctx.ur_decision, injury=ctx.case.dates.injury)
            lengths += [(d.days, fact) for d in durations if d.days is not None]
    if not lengths:
        return Outcome(INSUFFICIENT, present, f"the record does not say how long {names(present)} has lasted")
    days, fact = max(lengths, key=lambda pair: pair[0])
    weeks = days / 7
    if weeks >= params.min_weeks:
        return Outcome(MET, [fact], f"{fact.name} has lasted about {weeks:.0f} weeks, at least {params.min_weeks:g} weeks")
    return Outcome(NOT_MET, [fact], f"{fact.name} has lasted about {weeks:.0f} weeks, less than {params.min_weeks:g} weeks")
