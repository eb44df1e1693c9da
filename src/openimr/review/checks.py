"""The checks topics name: small functions that evaluate one guideline criterion against the record.

Knowledge is data, mechanisms are code: a topic's YAML says *which* check evaluates a criterion and with which
parameters (fact names, visit limits, week limits); the check says *how*. Each check returns a status (met, not
met, insufficient), the facts it rests on and a short note for the rationale.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from openimr.evidence import Evidence
from openimr.evidence.attribution import MEDICATIONS, treatment_classes
from openimr.evidence.medications import FIRST_PRESCRIPTION, weeks_in_use
from openimr.evidence.terms import term_lists
from openimr.model import Case, CriterionStatus, Decision, Fact, FactStatus, Span, Treatment
from openimr.requests import parse_disputed_item, parse_request
from openimr.requests.dosing import morphine_equivalent


@dataclass(frozen=True)
class CheckContext:
    """What a check may look at: the case, the parsed request, the evidence and decisions already made in the case."""

    case: Case
    treatment: Treatment
    evidence: Evidence
    decided: dict[str, Decision] = field(default_factory=dict)
    """Decisions on the case's other items so far, by topic category (e.g. "surgery")."""

    @property
    def ur_decision(self) -> dt.date | None:
        """The UR decision date, the "as of" date for durations."""
        return self.case.dates.ur_decision

    def weeks_since_injury(self) -> float | None:
        """Weeks from the date of injury to the UR decision, when both are known."""
        injury, ur = self.case.dates.injury, self.case.dates.ur_decision
        return (ur - injury).days / 7 if injury and ur else None


@dataclass(frozen=True)
class Outcome:
    """A check's verdict on one criterion."""

    status: CriterionStatus
    facts: list[Fact] = field(default_factory=list)
    note: str = ""

    def spans(self) -> list[Span]:
        """The evidence spans of the facts the verdict rests on."""
        return [span for fact in self.facts for span in fact.spans]


Check = Callable[[CheckContext, dict[str, Any]], Outcome]
CHECKS: dict[str, Check] = {}


def check(name: str) -> Callable[[Check], Check]:
    """Register a check under the name topics use."""

    def register(function: Check) -> Check:
        CHECKS[name] = function
        return function

    return register


MET, NOT_MET, INSUFFICIENT = CriterionStatus.MET, CriterionStatus.NOT_MET, CriterionStatus.INSUFFICIENT


def _names(facts: Iterable[Fact]) -> str:
    return ", ".join(dict.fromkeys(f.name for f in facts))


def _requested_drug(ctx: CheckContext) -> list[Fact]:
    """Medication facts for the drug being requested (by generic or brand name in the request)."""
    request = ctx.treatment.text
    return [f for f in ctx.evidence.of_kind("medication") if _names_drug(f, request)]


def _names_drug(fact: Fact, request: str) -> bool:
    return fact.name in request.lower() or any(
        name == fact.name and pattern.search(request) for name, _, pattern in term_lists()["medication"]
    )


@check("not_recommended")
def not_recommended(ctx: CheckContext, params: dict[str, Any]) -> Outcome:
    """The guideline does not recommend the treatment (for this use): never met."""
    return Outcome(NOT_MET, note=str(params.get("because", "the guideline does not recommend it")))


@check("documented")
def documented(ctx: CheckContext, params: dict[str, Any]) -> Outcome:
    """Met when the record asserts any of `any` (fact names or groups); not met when they are only negated;
    insufficient when the record is silent. `accept_uncertain` also meets it on a suspected finding ("rule out
    carpal tunnel syndrome"); `unless` names facts that make the criterion moot (a red flag warrants imaging whatever
    else); `or_age_at_least` meets it on the worker's age."""
    keys = list(params["any"])
    age = ctx.case.patient.age
    if "or_age_at_least" in params and age is not None and age >= int(params["or_age_at_least"]):
        return Outcome(MET, note=f"the worker is {age} years old")
    overriding = ctx.evidence.present(params.get("unless", []))
    if overriding:
        return Outcome(MET, overriding, f"the record documents {_names(overriding)}")
    present = ctx.evidence.present(keys)
    if params.get("accept_uncertain"):
        present += [f for f in ctx.evidence.mentions(keys) if f.status == FactStatus.UNCERTAIN]
    if present:
        return Outcome(MET, present, f"the record documents {_names(present)}")
    mentioned = ctx.evidence.mentions(keys)
    if mentioned and all(f.status == FactStatus.ABSENT for f in mentioned):
        return Outcome(NOT_MET, mentioned, f"the record notes no {_names(mentioned)}")
    return Outcome(INSUFFICIENT, mentioned, "the record does not document it")


@check("conservative_care_failed")
def conservative_care_failed(ctx: CheckContext, params: dict[str, Any]) -> Outcome:
    """Conservative care has been tried and has failed: stated as such, or a course of care done and symptoms persisting."""
    failed = ctx.evidence.present(["failed_conservative_care"])
    if failed:
        return Outcome(MET, failed, "the record documents that conservative care failed")
    tried = [f for f in ctx.evidence.present(["conservative_care"]) if f.kind == "prior_treatment"]
    persisting = ctx.evidence.present(["persistent_symptoms"])
    if tried and persisting:
        return Outcome(MET, tried + persisting, f"symptoms persist despite {_names(tried)}")
    if tried:
        return Outcome(INSUFFICIENT, tried, f"the response to {_names(tried)} is not documented")
    return Outcome(NOT_MET, note="there is no documentation of a course of conservative care")


@check("not_documented")
def not_documented(ctx: CheckContext, params: dict[str, Any]) -> Outcome:
    """Met unless the record asserts any of `any` (an exclusion, e.g. radicular findings for a facet block)."""
    present = ctx.evidence.present(params["any"])
    if present:
        return Outcome(NOT_MET, present, f"the record documents {_names(present)}")
    return Outcome(MET)


@check("request_specified")
def request_specified(ctx: CheckContext, params: dict[str, Any]) -> Outcome:
    """The request states what the guideline needs to judge it (`needs`: quantity, sessions, body_part)."""
    treatment = ctx.treatment
    missing = []
    for need in params.get("needs", ["quantity"]):
        if need == "quantity" and (treatment.quantity_unknown or (treatment.quantity is None and treatment.amount is None)):
            missing.append("the quantity")
        elif need == "sessions" and (treatment.quantity_unknown or treatment.sessions is None):
            missing.append("the number of sessions")
        elif need == "body_part" and not treatment.body_parts:
            missing.append("the body part")
    if missing:
        return Outcome(INSUFFICIENT, note="the request does not state " + " or ".join(missing))
    return Outcome(MET)


@check("weeks_since_injury")
def weeks_since_injury(ctx: CheckContext, params: dict[str, Any]) -> Outcome:
    """The request falls at least `min_weeks` and/or at most `max_weeks` after the injury (acute phase, chronic pain)."""
    weeks = ctx.weeks_since_injury()
    if weeks is None:
        return Outcome(INSUFFICIENT, note="the date of injury or of the UR decision is not known")
    if "min_weeks" in params and weeks < float(params["min_weeks"]):
        return Outcome(NOT_MET, note=f"the request came {weeks:.0f} weeks after the injury, before {params['min_weeks']} weeks")
    if "max_weeks" in params and weeks > float(params["max_weeks"]):
        return Outcome(NOT_MET, note=f"the request came {weeks:.0f} weeks after the injury, beyond {params['max_weeks']} weeks")
    return Outcome(MET, note=f"the request came {weeks:.0f} weeks after the injury")


@check("request_excludes")
def request_excludes(ctx: CheckContext, params: dict[str, Any]) -> Outcome:
    """Not met when the request itself names something the guideline excludes (`patterns`): a non-recommended
    ingredient, a body part, a non-medical service."""
    for pattern in params["patterns"]:
        found = re.search(pattern, ctx.treatment.text, re.IGNORECASE)
        if found:
            return Outcome(NOT_MET, note=f"the request includes {found.group(0)!r}")
    return Outcome(MET)


@check("short_term_use")
def short_term_use(ctx: CheckContext, params: dict[str, Any]) -> Outcome:
    """The drug is for short-term use only (`max_weeks`): not met when the record shows it in use longer, or the
    request is for continued use; met for a first prescription."""
    limit = float(params["max_weeks"])
    in_use = [f for f in _requested_drug(ctx) if f.status == FactStatus.PRESENT]
    weeks = [w for w in (weeks_in_use(f, ctx.ur_decision) for f in in_use) if w is not None]
    if weeks and max(weeks) > limit:
        return Outcome(NOT_MET, in_use, f"it has been prescribed for {max(weeks):.0f} weeks, beyond {limit:.0f} weeks")
    if in_use:
        injury_weeks = ctx.weeks_since_injury()
        if injury_weeks is not None and injury_weeks <= limit:
            return Outcome(MET, in_use, "its use began within the short-term window after the injury")
        return Outcome(NOT_MET, in_use, "the request continues a drug already in use, beyond short-term treatment")
    if (
        ctx.treatment.quantity is not None
        and "per_day" in params
        and ctx.treatment.quantity > limit * 7 * float(params["per_day"])
    ):
        return Outcome(NOT_MET, note=f"the quantity requested exceeds a {limit:.0f}-week course")
    return Outcome(MET, note="it is a first prescription")


@check("first_or_effective")
def first_or_effective(ctx: CheckContext, params: dict[str, Any]) -> Outcome:
    """A first prescription, or continued use with documented functional improvement from it: improvement the record
    ties to this drug, its class or the medications as a whole (see `functional_improvement`)."""
    mentions = _requested_drug(ctx)
    first = [f for f in mentions if f.value == FIRST_PRESCRIPTION]
    in_use = [f for f in mentions if f.status == FactStatus.PRESENT and f.value != FIRST_PRESCRIPTION]
    if first or not in_use:
        return Outcome(MET, first, "it is a first prescription")
    improvement = [f for f in ctx.evidence.present(["functional_improvement"]) if _about(f, _requested_treatments(ctx))]
    if improvement:
        return Outcome(MET, in_use + improvement, "the record documents functional improvement with it")
    return Outcome(NOT_MET, in_use, "it is already in use and the record documents no functional improvement from it")


@check("no_duplicate_class")
def no_duplicate_class(ctx: CheckContext, params: dict[str, Any]) -> Outcome:
    """No other drug of the same class (`group`) in current use, nor requested alongside in the same case."""
    requested = {f.name for f in _requested_drug(ctx)}
    others = [f for f in ctx.evidence.present([params["group"]]) if f.kind == "medication" and f.name not in requested]
    if others:
        return Outcome(NOT_MET, others, f"the worker already takes {_names(others)}")
    drug_class, generic = ctx.treatment.drug_class, ctx.treatment.generic
    alongside = [
        item.request
        for item in ctx.case.disputed_items
        if drug_class and (other := parse_disputed_item(item)).drug_class == drug_class and other.generic != generic
    ]
    if alongside:
        return Outcome(NOT_MET, note=f"another {drug_class} is requested alongside it ({alongside[0]})")
    return Outcome(MET)


@check("dose_within")
def dose_within(ctx: CheckContext, params: dict[str, Any]) -> Outcome:
    """The requested opioid's daily dose is within `max_mme` morphine milligram equivalents (when it can be computed)."""
    estimate = morphine_equivalent(ctx.treatment)
    if estimate is None:
        return Outcome(MET, note="the daily dose cannot be computed from the request")
    limit = float(params["max_mme"])
    if estimate.mme > limit:
        return Outcome(NOT_MET, note=f"about {estimate.mme:.0f} mg morphine equivalents a day, above {limit:.0f}")
    return Outcome(MET, note=f"about {estimate.mme:.0f} mg morphine equivalents a day")


@check("functional_improvement")
def functional_improvement(ctx: CheckContext, params: dict[str, Any]) -> Outcome:
    """Documented objective functional improvement (9792.20) FROM the requested treatment: activities of daily living,
    work restrictions.

    Continuing a treatment rests on improvement from that treatment (9792.20; CPMTG "On-going management" of
    opioids), so only improvement its sentence ties to it counts: for a drug, the drug itself, its class ("the
    opioids") or the medications as a whole ("function improved with her medications"); for a therapy or procedure,
    the same treatment (`family` may name more). Improvement tied to another treatment ("with physical therapy"), or
    to none, does not support it. Not met when the record states the improvement is absent (from it, or without
    naming a treatment); insufficient otherwise.
    """
    requested = _requested_treatments(ctx, params.get("family", []))
    mentioned = ctx.evidence.mentions(["functional_improvement"])
    present = [f for f in mentioned if f.status == FactStatus.PRESENT and _about(f, requested)]
    if present:
        return Outcome(MET, present, f"the record documents {_names(present)} with it")
    negated = [f for f in mentioned if f.status == FactStatus.ABSENT and (not f.treatments or _about(f, requested))]
    if negated:
        return Outcome(NOT_MET, negated, f"the record notes no {_names(negated)}")
    elsewhere = [f for f in mentioned if f.status == FactStatus.PRESENT]
    if elsewhere:
        return Outcome(INSUFFICIENT, elsewhere, "the functional improvement the record documents is not tied to it")
    return Outcome(INSUFFICIENT, note="the record does not document it")


def _requested_treatments(ctx: CheckContext, family: Iterable[str] = ()) -> set[str]:
    """What improvement must be tied to, to count for the request: a drug's generic, its class and the medications as
    a whole; a therapy's or procedure's name and the `family` of treatments the topic groups with it."""
    treatment = ctx.treatment
    if treatment.generic or treatment.drug_class:
        return {name for name in (treatment.generic, treatment.drug_class, MEDICATIONS) if name} | set(family)
    return {treatment.name, *family}


def _about(fact: Fact, requested: set[str]) -> bool:
    """Whether a fact's sentence ties it to one of `requested` (a drug named counts for its class too)."""
    return bool(treatment_classes(fact.treatments) & requested)


_MORE_OF_THE_SAME = re.compile(r"\b(?:additional|continu\w+|further|extension|extended|more|repeat)\b", re.IGNORECASE)
"""Words by which a request itself says a course of the therapy has already been given ("additional physical therapy")."""


def _prior_course(ctx: CheckContext, family: list[str]) -> tuple[list[Fact], int | None, bool]:
    """Prior course of a therapy: its facts, the most sessions stated, and whether there was one at all (stated in
    the record, or implied by a request for more of it)."""
    facts = [f for f in ctx.evidence.mentions(family) if f.kind == "prior_treatment"]
    done = [f for f in facts if f.status == FactStatus.PRESENT]
    counts = [int(f.value) for f in done if f.value]
    implied = _MORE_OF_THE_SAME.search(ctx.treatment.original_request or ctx.treatment.text) is not None
    return done, (max(counts) if counts else None), bool(done) or implied


def _requested_sessions(ctx: CheckContext) -> int | None:
    """Visits the request asks for in all: for a modified request, the original request (authorized plus disputed)."""
    if ctx.treatment.original_request:
        original = parse_request(ctx.treatment.original_request).sessions
        if original is not None:
            return original
    return ctx.treatment.sessions


@check("visit_limits")
def visit_limits(ctx: CheckContext, params: dict[str, Any]) -> Outcome:
    """Visits within the guideline: a first course within `trial` visits; with a prior course of the same therapy
    (`family`), the total within `max` visits."""
    sessions = _requested_sessions(ctx)
    if sessions is None:
        return Outcome(INSUFFICIENT, note="the request does not state the number of visits")
    done, count, had_course = _prior_course(ctx, list(params["family"]))
    if not had_course:
        if sessions <= int(params["trial"]):
            return Outcome(MET, note=f"{sessions} visits is within an initial trial of {params['trial']}")
        return Outcome(NOT_MET, note=f"{sessions} visits exceeds an initial trial of {params['trial']}")
    if count is None:
        return Outcome(INSUFFICIENT, done, "the number of visits already completed is not documented")
    total = count + sessions
    if total <= int(params["max"]):
        return Outcome(MET, done, f"{count} completed and {sessions} requested is within {params['max']} visits")
    return Outcome(NOT_MET, done, f"{count} completed and {sessions} requested exceeds {params['max']} visits")


@check("prior_course_effective")
def prior_course_effective(ctx: CheckContext, params: dict[str, Any]) -> Outcome:
    """No prior course of the same therapy (`family`), or documented functional improvement from it: improvement the
    record ties to that therapy (CPMTG Physical Medicine, chiropractic; Acupuncture 9792.24.1), not to another
    treatment or to none."""
    done, _, had_course = _prior_course(ctx, list(params["family"]))
    if not had_course:
        return Outcome(MET, note="there is no prior course of this therapy")
    requested = _requested_treatments(ctx, params["family"])
    improvement = [f for f in ctx.evidence.present(["functional_improvement"]) if _about(f, requested)]
    if improvement:
        return Outcome(MET, done + improvement, "the prior course produced functional improvement")
    return Outcome(NOT_MET, done, "the record documents no objective functional improvement from the prior course")


@check("primary_service_necessary")
def primary_service_necessary(ctx: CheckContext, params: dict[str, Any]) -> Outcome:
    """A service that depends on another (e.g. surgery) is necessary only if that service is."""
    primary = ctx.decided.get(str(params["category"]))
    if primary == Decision.UPHELD:
        return Outcome(NOT_MET, note=f"the associated {params['category']} is not medically necessary")
    if primary == Decision.OVERTURNED:
        return Outcome(MET, note=f"the associated {params['category']} is medically necessary")
    return Outcome(INSUFFICIENT, note=f"the record does not show that the associated {params['category']} was authorized")
