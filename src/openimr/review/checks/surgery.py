"""Checks on the surgery a dependent service accompanies: which procedure it is, and the stay it usually needs."""

from __future__ import annotations

from pydantic import Field

from openimr.model import TreatmentKind
from openimr.requests.amounts import duration_days
from openimr.review.checks.base import MET, NOT_MET, CheckContext, Outcome, Params, check, silence
from openimr.review.structure import last_surgery_of_region


def primary_procedure(ctx: CheckContext) -> str | None:
    """The lexicon name of the surgery a service accompanies or follows (the case's surgery item, the surgery the
    record says was certified or performed, the one the request itself names, or the last one the record says was
    done on its body region), or None."""
    if ctx.primary.item is not None:
        return ctx.items[ctx.primary.item].name
    if ctx.primary.fact is not None:
        return ctx.primary.fact.name
    if ctx.treatment.surgery is not None:
        return ctx.treatment.surgery
    done = last_surgery_of_region(ctx.treatment, ctx.evidence)
    return done.name if done is not None else None


class ProceduresParams(Params):
    lexicon_fields = (("procedures", "procedures"),)

    procedures: list[str] = Field(min_length=1, description="Procedure lexicon names.")


@check("primary_is", ProceduresParams)
def primary_is(ctx: CheckContext, params: ProceduresParams) -> Outcome:
    """The surgery the service accompanies is one of `procedures` (e.g. a major or intermediate-risk surgery: an
    arthroplasty, a fusion); silent when the case names no surgery."""
    name = primary_procedure(ctx)
    if name is None:
        return silence("the surgery the service accompanies is not identified")
    if name in params.procedures:
        return Outcome(MET, note=f"it accompanies a {name}")
    return Outcome(NOT_MET, note=f"it accompanies a {name}")


class Stay(Params):
    """The usual length of stay for a group of procedures."""

    lexicon_fields = (("procedures", "procedures"),)

    procedures: list[str] = Field(min_length=1)
    days: float = Field(ge=0, description="Days of inpatient stay (0: outpatient).")


class StayParams(Params):
    stays: list[Stay] = Field(min_length=1)


@check("stay_within", StayParams)
def stay_within(ctx: CheckContext, params: StayParams) -> Outcome:
    """The inpatient stay requested is within the usual stay for the surgery it accompanies (a surgery done as an
    outpatient needs none); silent when the surgery or the days requested are not known."""
    name = primary_procedure(ctx)
    stay = next((s for s in params.stays if name in s.procedures), None)
    if name is None or stay is None:
        return silence("the usual stay for the surgery is not known")
    requested = duration_days(ctx.treatment.duration)
    if requested is None and ctx.treatment.kind is not TreatmentKind.OTHER:
        requested = float(ctx.treatment.quantity) if ctx.treatment.quantity is not None else None
    if requested is None:
        return silence("the request does not state the days of stay")
    if requested <= stay.days:
        return Outcome(MET, note=f"{requested:g} days is within the usual {stay.days:g} for a {name}")
    return Outcome(NOT_MET, note=f"{requested:g} days exceeds the usual {stay.days:g} for a {name}")
