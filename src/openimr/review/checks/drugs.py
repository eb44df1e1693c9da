"""Checks on a requested drug: how long it has been used, another drug of its class, the daily opioid dose."""

from __future__ import annotations

import re

from pydantic import Field

from openimr.evidence.attribution import STOPPED
from openimr.evidence.dates import DurationKind, find_durations
from openimr.evidence.medications import ONGOING_USE, PAST_COURSE, weeks_in_use
from openimr.evidence.text import clause_bounds
from openimr.knowledge.lexicons import drug_lexicon, drug_matcher
from openimr.model import Fact, FactStatus, Treatment
from openimr.requests import parse_request
from openimr.requests.dosing import DoseBasis, MMEEstimate, morphine_equivalent, supply_days, units_requested
from openimr.review.checks.base import MET, NOT_MET, CheckContext, Outcome, Params, check, names, silence
from openimr.review.checks.record import FactsParams
from openimr.review.structure import Line, drug_facts, drug_in_use_facts, last_surgery_of_region, supply_for_surgery


def requested_drug(ctx: CheckContext) -> list[Fact]:
    """Medication facts for the drug being requested."""
    return drug_facts(ctx.treatment, ctx.evidence)


class UseParams(Params):
    max_weeks: float = Field(gt=0, description="The guideline's limit on continuous use.")
    per_day: float | None = Field(default=None, gt=0, description="Usual units a day, to judge a first supply's length.")
    since_surgery: bool = Field(
        default=False,
        description="The window opens at the surgery the request follows, not at the injury (use after an operation).",
    )
    from_start_of_use: bool = Field(
        default=False,
        description="The limit counts from the start of use the record dates, not from the injury: a drug for a condition "
        "of its own (osteoarthritis) may start long after the injury; a drug in use whose start is not dated is silence.",
    )


def _weeks_since_window(ctx: CheckContext, since_surgery: bool) -> tuple[float | None, str]:
    """Weeks from the start of the short-term window (the injury, or the surgery the request follows) to the UR
    decision, and what opened it; None when a surgery not yet done or undated opens it (use begins with it)."""
    if not since_surgery:
        return ctx.weeks_since_injury(), "the injury"
    surgery = last_surgery_of_region(ctx.treatment, ctx.evidence)
    last = surgery.last_date if surgery is not None else None
    if last is None or ctx.ur_decision is None:
        return None, "the surgery"
    # a surgery dated to its year alone is counted from the year's last day: the use since it is at least that long
    return max(0, (ctx.ur_decision - last).days) / 7, "the surgery"


_STATEMENT_BREAK = re.compile(r"[;,]|\b(?:and|but|however|whereas|although|while)\b", re.IGNORECASE)
"""What separates the statements of a sentence, each with its own length of time ("OA for 3 years, and the gel for 3
weeks")."""


def _weeks_stated(ctx: CheckContext, in_use: list[Fact]) -> list[float]:
    """Weeks of use the clause of each mention of a drug in use states, as the span of its use or the time since it
    started ("applied over the past 6 weeks", "has used it for 5 weeks", "started 4 weeks ago"): the length nearest the
    mention within its part of the sentence (`_STATEMENT_BREAK`: "knee pain for 2 years and Voltaren gel for 3 weeks")."""
    weeks: list[float] = []
    for fact in in_use:
        for placed in ctx.evidence.sentences_of(fact):
            sentence = placed.sentence
            start, end = placed.span.start - sentence.start, placed.span.end - sentence.start
            left, right = clause_bounds(sentence.text, start, end, _STATEMENT_BREAK)
            lengths = [
                d
                for d in find_durations(sentence.text[left:right], reference=ctx.ur_decision)
                if d.kind in (DurationKind.SPAN, DurationKind.AGO) and d.days is not None
            ]
            nearest = min(lengths, key=lambda d: min(abs(left + d.start - end), abs(start - left - d.end)), default=None)
            if nearest is not None and nearest.days is not None:
                weeks.append(nearest.days / 7)
    return weeks


@check("duration_of_use", UseParams)
def duration_of_use(ctx: CheckContext, params: UseParams) -> Outcome:
    """Use within `max_weeks`: not met when the record shows the drug taken longer (dated, or in use since a date of
    injury, or with `since_surgery` of the surgery, longer ago than the limit), or a first supply longer than the
    limit (`per_day`; its refills count). With `from_start_of_use`, a drug in use is judged by the start of use the
    record dates alone, or else by the length of use its clause states (`_weeks_stated`). With `since_surgery`, a supply
    the request or the record gives for the pain after the surgery is met whatever was taken before it
    (`supply_for_surgery`)."""
    limit = params.max_weeks
    in_use = drug_in_use_facts(ctx.treatment, ctx.evidence)
    if params.since_surgery and supply_for_surgery(ctx.treatment, ctx.evidence):
        return Outcome(MET, note="the supply is for the pain after the surgery: its use begins with the surgery")
    weeks = [w for w in (weeks_in_use(f, ctx.ur_decision) for f in in_use) if w is not None]
    if weeks and max(weeks) > limit:
        return Outcome(NOT_MET, in_use, f"it has been prescribed for {max(weeks):.0f} weeks, beyond {limit:.0f} weeks")
    if params.from_start_of_use and ctx.line([]).name == Line.CONTINUATION:
        # a use the record does not date may still be measured: "applied over the past 6 weeks", "started a month ago"
        weeks = weeks or _weeks_stated(ctx, in_use)
        if weeks and max(weeks) > limit:
            return Outcome(NOT_MET, in_use, f"it has been used for {max(weeks):.0f} weeks, beyond {limit:.0f} weeks")
        if weeks:
            return Outcome(MET, in_use, f"it has been used for {max(weeks):.0f} weeks, within {limit:.0f} weeks")
        return silence("the record does not date or measure the start of its use", in_use)
    if ctx.line([]).name == Line.CONTINUATION:
        window, opened_by = _weeks_since_window(ctx, params.since_surgery)
        if (window is None and params.since_surgery) or (window is not None and window <= limit):
            return Outcome(MET, in_use, f"its use began within the short-term window after {opened_by}")
        return Outcome(NOT_MET, in_use, "the request continues a drug already in use, beyond short-term treatment")
    # the refills a prescription allows are part of its supply ("#30 with 3 refills" is four months of a nightly drug)
    units = units_requested(ctx.treatment)
    if units is not None and params.per_day is not None and units > limit * 7 * params.per_day:
        return Outcome(NOT_MET, note=f"the quantity requested, with its refills, exceeds a {limit:.0f}-week course")
    return Outcome(MET, note=f"a first supply within {limit:.0f} weeks")


def stopped_drugs(ctx: CheckContext) -> set[str]:
    """The drugs (generics) the record says were stopped ("ibuprofen was discontinued"): not in current use."""
    return {match.value[0].generic for f in ctx.evidence.present([STOPPED]) for match in drug_matcher().find(f.spans[0].text)}


class InUseParams(FactsParams):
    systemic: bool = Field(default=False, description="Only a drug taken by mouth or injection, not a topical form.")


@check("drug_in_use", InUseParams)
def drug_in_use(ctx: CheckContext, params: InUseParams) -> Outcome:
    """The worker takes a drug of `any` now, or it is prescribed now: a medication the record names as taken or
    started, not one it says was stopped (with `systemic`, not a topical form either). Not met when every such drug
    the record names was stopped, is topical or is negated; silent when it names none."""
    mentioned = [f for f in ctx.evidence.mentions(params.any) if f.kind == "medication" and f.experiencer == "patient"]
    stopped = stopped_drugs(ctx)
    lexicon = drug_lexicon()

    def current(fact: Fact) -> bool:
        drug = lexicon.by_generic(fact.name)
        topical = drug is not None and drug.route == "topical"
        return fact.status in (FactStatus.PRESENT, FactStatus.PLANNED) and fact.name not in stopped and not (
            params.systemic and topical
        )

    taken = [f for f in mentioned if current(f)]
    if taken:
        return Outcome(MET, taken, f"the record documents {names(taken)} in use")
    if mentioned:
        return Outcome(NOT_MET, mentioned, f"{names(mentioned)} is not in current use (stopped, topical or negated)")
    return silence(facts=mentioned)


class ClassParams(Params):
    group: str = Field(description="Fact group of the class's drugs in the medication term list (e.g. 'nsaid').")
    counted_above_mg: dict[str, float] = Field(
        default_factory=dict,
        description="Drugs of the class that count as a second drug of it only when the record writes a strength above "
        "this many mg a dose (aspirin: at an antiplatelet dose it is taken for the heart, not as a second NSAID).",
    )


_MILLIGRAMS = re.compile(r"(\d+(?:\.\d+)?)\s*mg\b", re.IGNORECASE)


def _above_strength(ctx: CheckContext, fact: Fact, bound: float) -> bool:
    """Whether a drug mention's written strength ("aspirin 650 mg every 4 hours") is above `bound` mg a dose; a mention
    with no strength ("baby aspirin", "aspirin daily for his stent") is not."""
    sig = _written_sig(ctx, fact)
    found = _MILLIGRAMS.search(sig.strength or "") if sig is not None else None
    return found is not None and float(found.group(1)) > bound


@check("no_duplicate_class", ClassParams)
def no_duplicate_class(ctx: CheckContext, params: ClassParams) -> Outcome:
    """No other drug of the same class in current use (one the record says was stopped, or names as a course taken and
    finished or replaced by the new one, is not; nor one of `counted_above_mg` written at or below its bound), nor
    requested alongside in the same case."""
    requested = {f.name for f in requested_drug(ctx)} | {ctx.treatment.generic or ctx.treatment.name}
    stopped = stopped_drugs(ctx)
    others = [
        f
        for f in ctx.evidence.present([params.group])
        if f.kind == "medication"
        and f.name not in requested
        and f.name not in stopped
        and f.value != PAST_COURSE
        and (f.name not in params.counted_above_mg or _above_strength(ctx, f, params.counted_above_mg[f.name]))
    ]
    if others:
        return Outcome(NOT_MET, others, f"the worker already takes {names(others)}")
    drug_class, generic = ctx.treatment.drug_class, ctx.treatment.generic
    alongside = [
        item.request
        for item, other in zip(ctx.case.disputed_items, ctx.items, strict=True)
        if drug_class and other.drug_class == drug_class and other.generic != generic
    ]
    if alongside:
        return Outcome(NOT_MET, note=f"another {drug_class} is requested alongside it ({alongside[0]})")
    return Outcome(MET)


class DoseParams(Params):
    max_mme: float = Field(gt=0, description="Daily morphine milligram equivalents.")


_SIG_END = re.compile(r"[;\n]|\.\s")
"""Where one drug's entry in a list of medications ends: a semicolon, a new line or a full stop."""


def _written_sig(ctx: CheckContext, fact: Fact) -> Treatment | None:
    """The drug as the record writes it at one mention, with the strength and directions that follow its name up to the
    end of its entry ("OxyContin 40 mg 1 tab TID; Percocet 10/325 QID prn": each drug with its own sig)."""
    for placed in ctx.evidence.sentences_of(fact):
        text, name = placed.from_span, placed.span.end - placed.span.start
        stop = _SIG_END.search(text, name)
        end = stop.start() if stop else len(text)
        following = drug_matcher().find(text[name:end])
        if following:
            end = name + following[0].start
        return parse_request(text[:end])
    return None


def _record_dose(ctx: CheckContext, generic: str, facts: list[Fact]) -> MMEEstimate | None:
    """The daily dose of an opioid as the record prescribes it: the latest mention of it whose directions give a
    frequency (a count alone says nothing of the daily dose)."""
    for fact in reversed(facts):
        sig = _written_sig(ctx, fact)
        if sig is None or not sig.frequency or (sig.generic or sig.name) != generic:
            continue
        estimate = morphine_equivalent(sig)
        if estimate is not None and estimate.basis is not DoseBasis.QUANTITY:
            return estimate
    return None


def _dose_of(ctx: CheckContext, item: Treatment) -> MMEEstimate | None:
    """A requested opioid's daily dose: from the request's own directions, else from the prescription the record writes
    for it, else (a count with no directions) from the quantity spread over a month, which the estimate marks."""
    estimate = morphine_equivalent(item)
    if estimate is None or estimate.basis is not DoseBasis.QUANTITY:
        return estimate
    return _record_dose(ctx, item.generic or item.name, drug_facts(item, ctx.evidence)) or estimate


def _rest_of_regimen(ctx: CheckContext, requested: MMEEstimate | None) -> list[tuple[str, MMEEstimate]]:
    """The other opioids the worker is to take with the requested one (CPMTG p. 86: the total daily dose of all opioids):
    the case's other opioid requests, and the opioids the record shows in use and not requested (by the dose it writes
    for them), each product once. A drug the record says was stopped, finished or replaced, and a topical one, is not;
    nor is the same opioid at the same daily dose as one counted (one product named two ways: "Norco 10/325 QID",
    "hydrocodone 10 mg four times a day"). With no `requested` opioid (a service that turns on the dose: a
    pain-management consultation), all the opioids the case asks for and the record shows in use."""
    lexicon = drug_lexicon()
    counted = {ctx.treatment.generic or ctx.treatment.name}
    doses = {(requested.opioid, round(requested.daily_dose))} if requested is not None else set()
    regimen: list[tuple[str, MMEEstimate]] = []
    for index, item in enumerate(ctx.items):
        generic = item.generic or item.name
        if index == ctx.item or item.drug_class != "opioid" or generic in counted:
            continue
        counted.add(generic)
        estimate = _dose_of(ctx, item)
        if estimate is not None:
            doses.add((estimate.opioid, round(estimate.daily_dose)))
            regimen.append((ctx.case.disputed_items[index].request, estimate))
    stopped = stopped_drugs(ctx)
    in_use: dict[str, list[Fact]] = {}
    for fact in ctx.evidence.of_kind("medication"):
        drug = lexicon.by_generic(fact.name)
        ongoing = (fact.status == FactStatus.PRESENT and fact.value != PAST_COURSE) or (
            fact.status == FactStatus.PLANNED and fact.value == ONGOING_USE
        )
        if drug is None or drug.opioid is None or drug.route == "topical" or not ongoing or fact.experiencer != "patient":
            continue
        if fact.name in stopped or fact.name in counted:
            continue
        in_use.setdefault(fact.name, []).append(fact)
    for generic, facts in in_use.items():
        estimate = _record_dose(ctx, generic, facts)
        if estimate is not None and (estimate.opioid, round(estimate.daily_dose)) not in doses:
            regimen.append((generic, estimate))
    return regimen


@check("dose_within", DoseParams)
def dose_within(ctx: CheckContext, params: DoseParams) -> Outcome:
    """The total daily dose of the opioids the worker is to take is within `max_mme` morphine milligram equivalents
    (CPMTG p. 86): the requested opioid's (its directions, or the record's prescription of it) with the other opioids of
    the regimen (`_rest_of_regimen`); each product counts on its own (OxyContin and Percocet are both oxycodone, and
    both count). A dose that cannot be computed (no strength) is silence, never met; so is a total
    above the limit only when a count with no directions is read as a month's supply (how long it lasts is not stated)."""
    estimate = _dose_of(ctx, ctx.treatment)
    if estimate is None:
        return silence("the daily dose cannot be computed from the request")
    others = _rest_of_regimen(ctx, estimate)
    doses = [estimate, *(other for _, other in others)]
    total = sum(dose.mme for dose in doses)
    stated = sum(dose.mme for dose in doses if dose.basis is not DoseBasis.QUANTITY)
    with_others = f" with {', '.join(name for name, _ in others)}" if others else ""
    if stated > params.max_mme:
        return Outcome(NOT_MET, note=f"about {total:.0f} mg morphine equivalents a day{with_others}, above {params.max_mme:.0f}")
    if total > params.max_mme:
        assumed = f"about {total:.0f} mg morphine equivalents a day{with_others} if each count lasts a month"
        return silence(f"{assumed}; the directions are not stated")
    return Outcome(MET, note=f"about {total:.0f} mg morphine equivalents a day{with_others}")


class DoseAboveParams(FactsParams):
    min_mme: float = Field(gt=0, description="Daily morphine milligram equivalents the dose must exceed.")


@check("opioid_dose_above", DoseAboveParams)
def opioid_dose_above(ctx: CheckContext, params: DoseAboveParams) -> Outcome:
    """The worker's daily opioid dose is above `min_mme` (CPMTG p. 86: above 120 mg morphine equivalents a day only
    with a pain-management consultation): the record states such a dose (one of `any`), or the opioids the case asks
    for and the record shows in use, each by the directions it writes, come to more. Not met when their total is
    within it; silent when the record states no dose and gives no opioid whose daily dose can be computed."""
    stated = ctx.evidence.present(params.any)
    if stated:
        return Outcome(MET, stated, f"the record documents {names(stated)}")
    regimen = _rest_of_regimen(ctx, None)
    known = [(name, dose) for name, dose in regimen if dose.basis is not DoseBasis.QUANTITY]
    if not known:
        return silence("the record gives no opioid whose daily dose can be computed")
    total = sum(dose.mme for _, dose in known)
    taken = ", ".join(name for name, _ in known)
    status = MET if total > params.min_mme else NOT_MET
    verb = "above" if status == MET else "within"
    return Outcome(status, note=f"{taken}: about {total:.0f} mg morphine equivalents a day, {verb} {params.min_mme:.0f}")


class SupplyParams(Params):
    max_days: float = Field(gt=0, description="At most this many days of supply.")


def _as_prescribed(ctx: CheckContext) -> Treatment | None:
    """The request completed from the prescription the record writes for it: the latest sentence that prescribes or
    lists the requested drug in the quantity requested ("Norco 5/325 1-2 q6h prn, #120, 2 refills") gives the
    frequency, refills or stated supply the request leaves out; None when no such sentence is in the record."""
    request = ctx.treatment
    if request.quantity is None:
        return None
    written = [f for f in requested_drug(ctx) if f.status in (FactStatus.PRESENT, FactStatus.PLANNED)]
    for fact in reversed(written):
        for placed in ctx.evidence.sentences_of(fact):
            sig = parse_request(placed.from_span)
            if sig.quantity == request.quantity and (sig.frequency or sig.duration):
                return request.model_copy(
                    update={
                        "frequency": request.frequency or sig.frequency,
                        "duration": request.duration or sig.duration,
                        "refills": request.refills if request.refills is not None else sig.refills,
                    }
                )
    return None


@check("supply_within", SupplyParams)
def supply_within(ctx: CheckContext, params: SupplyParams) -> Outcome:
    """The supply requested lasts at most `max_days` (its stated supply, or its quantity and refills at the most units a
    day its frequency allows; what the request leaves out, from the prescription the record writes for it); a supply
    that cannot be computed is silence."""
    days = supply_days(ctx.treatment)
    if days is None:
        prescribed = _as_prescribed(ctx)
        days = supply_days(prescribed) if prescribed is not None else None
    if days is None:
        return silence("the length of the supply cannot be computed from the request")
    if days > params.max_days:
        return Outcome(NOT_MET, note=f"about {days:.0f} days of supply, beyond {params.max_days:.0f} days")
    return Outcome(MET, note=f"about {days:.0f} days of supply")
