"""Review a case: for each disputed item, pick the guideline topic, evaluate its decision path against the record,
decide, and write the rationale and citation in the era's wording.

A topic is a decision path (InterQual-style): requirements every path needs, indications of which any one suffices
(each a set of criteria that together justify the treatment), exclusions of which any one vetoes. Items form a
dependency graph: a service that accompanies a surgery is decided after it, and is necessary only when the surgery is
(found necessary in the same case, or certified or performed as the record says).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from openimr import __version__
from openimr.evidence import Evidence, gather_evidence
from openimr.evidence.procedures import ProcedureEvent
from openimr.knowledge import knowledge_version
from openimr.knowledge.schema import Criterion, Era, Indication, Topic
from openimr.model import (
    Case,
    CriterionResult,
    CriterionRole,
    CriterionStatus,
    Decision,
    Determination,
    DisputedItem,
    IndicationResult,
    ItemDetermination,
    Treatment,
)
from openimr.requests import parse_disputed_item
from openimr.review.checks import CHECKS, CheckContext, Params
from openimr.review.era import era_for
from openimr.review.rationale import write_rationale
from openimr.review.structure import Phase, Primary, phase_of, primary_of, with_surgery_items
from openimr.review.topics import citations_for, maximus_line, requirements_for, select_topic, topic_params

ENGINE_VERSION = f"openimr-review {__version__}"
NO_TOPIC = "no topic"
"""Flag on an item no knowledge-base topic covers: decided on the burden of proof, for the reviewer to look at."""
UNKNOWN_ERA = "UR decision date unknown: era assumed"
RECORD_SILENT = "record silent on"
"""Flag naming the criteria the record says nothing about: the reviewer may find them in records the draft did not see."""
PRIMARY = "primary_procedure"
"""Id of the requirement a dependent service gets: the surgery it accompanies is necessary, certified or performed."""

_SILENCE = {"met": CriterionStatus.MET, "not_met": CriterionStatus.NOT_MET, "insufficient": CriterionStatus.INSUFFICIENT}
MET, NOT_MET, INSUFFICIENT = CriterionStatus.MET, CriterionStatus.NOT_MET, CriterionStatus.INSUFFICIENT


def evaluate_criterion(
    criterion: Criterion, params: Params, context: CheckContext, role: CriterionRole, indication: str | None = None
) -> CriterionResult:
    """Run one criterion's check and record the result with its evidence; silence takes the criterion's `if_silent`."""
    outcome = CHECKS[criterion.check](context, params)
    status = _SILENCE[criterion.if_silent] if outcome.silent else outcome.status
    return CriterionResult(
        id=criterion.id,
        text=criterion.text,
        status=status,
        evidence=outcome.spans(),
        note=outcome.note,
        role=role,
        indication=indication,
        silent=outcome.silent,
    )


@dataclass(frozen=True)
class PathResult:
    """A topic's decision path evaluated: each criterion's result, each indication's status, and the decision."""

    criteria: list[CriterionResult]
    indications: list[IndicationResult]
    decision: Decision
    indication: str | None
    """The indication met, or (Upheld) the nearest one."""


def _indication_status(results: list[CriterionResult]) -> CriterionStatus:
    if all(r.status == MET for r in results):
        return MET
    return NOT_MET if any(r.status == NOT_MET for r in results) else INSUFFICIENT


def _indication(indication: Indication, params: Mapping[str, Params], context: CheckContext) -> list[CriterionResult]:
    return [
        evaluate_criterion(c, params[c.id], context, CriterionRole.INDICATION, indication.id) for c in indication.criteria
    ]


def evaluate_path(topic: Topic, context: CheckContext, params: Mapping[str, Params] | None = None) -> PathResult:
    """Evaluate a topic's requirements, indications and exclusions against the record and decide: Overturned when no
    exclusion holds, every requirement is met and at least one indication has all its criteria met."""
    params = params if params is not None else topic_params(topic)
    requirements = [
        evaluate_criterion(c, params[c.id], context, CriterionRole.REQUIREMENT)
        for c in requirements_for(topic, context.treatment)
    ]
    per_indication = [(i, _indication(i, params, context)) for i in topic.indications]
    exclusions = [evaluate_criterion(c, params[c.id], context, CriterionRole.EXCLUSION) for c in topic.exclusions]
    indications = [
        IndicationResult(
            id=i.id, text=i.text, status=_indication_status(results), missing=[r.id for r in results if r.status != MET]
        )
        for i, results in per_indication
    ]
    met = [i for i in indications if i.status == MET]
    overturned = (
        topic.recommended
        and bool(met)
        and all(r.status == MET for r in requirements)
        and not any(r.status == MET for r in exclusions)
    )
    # The nearest indication has the fewest criteria the record contradicts (a path the request cannot take, such as a
    # first trial for a refill, is far), then the fewest missing, then the most met.
    sizes = {i.id: len(i.criteria) for i in topic.indications}
    contradicted = {i.id: sum(1 for r in results if r.status == NOT_MET) for i, results in per_indication}
    nearest = (
        met[0]
        if met
        else min(
            indications,
            key=lambda i: (contradicted[i.id], len(i.missing), -(sizes[i.id] - len(i.missing))),
            default=None,
        )
    )
    criteria = requirements + [r for _, results in per_indication for r in results] + exclusions
    return PathResult(
        criteria=criteria,
        indications=indications,
        decision=Decision.OVERTURNED if overturned else Decision.UPHELD,
        indication=nearest.id if nearest else None,
    )


def _primary_result(primary: Primary, decided: Mapping[int, ItemDetermination], items: list[DisputedItem]) -> CriterionResult:
    """The requirement of a dependent service: the surgery it accompanies is necessary (decided in this case), or was
    certified or performed (as the record says)."""
    text = "The surgery this service accompanies is medically necessary, certified or performed."
    role = CriterionRole.REQUIREMENT
    if primary.item is not None:
        surgery = decided[primary.item]
        status = MET if surgery.decision == Decision.OVERTURNED else NOT_MET
        verb = "is" if status == MET else "is not"
        note = f"the surgery it accompanies ({items[primary.item].request}, item {primary.item + 1}) {verb} medically necessary"
        return CriterionResult(id=PRIMARY, text=text, status=status, note=note, role=role)
    if primary.fact is not None:
        fact = primary.fact
        status = NOT_MET if fact.value == ProcedureEvent.DENIED else MET
        note = f"the record states that the {fact.name} was {fact.value}"
        return CriterionResult(id=PRIMARY, text=text, status=status, evidence=fact.spans, note=note, role=role)
    note = "the record does not show that the surgery it accompanies was certified or performed"
    return CriterionResult(id=PRIMARY, text=text, status=INSUFFICIENT, note=note, role=role, silent=True)


def _silent_flag(path: PathResult) -> list[str]:
    """Criteria the record is silent on, among those that count: requirements and the nearest indication's."""
    silent = [
        r.id
        for r in path.criteria
        if r.silent and r.status != MET and (r.role == CriterionRole.REQUIREMENT or r.indication == path.indication)
    ]
    return [f"{RECORD_SILENT}: {', '.join(silent)}"] if silent else []


def _cited_parts(treatment: Treatment, context: CheckContext) -> list[str]:
    """The body parts that choose a citation: the request's, else those of the surgery it accompanies."""
    if treatment.body_parts:
        return treatment.body_parts
    if context.primary.item is not None:
        return context.items[context.primary.item].body_parts
    return context.primary.fact.body_parts if context.primary.fact is not None else []


def _review_item(
    item: DisputedItem,
    treatment: Treatment,
    topic: Topic | None,
    era: Era,
    context: CheckContext,
    primary: CriterionResult | None,
) -> ItemDetermination:
    common = {
        "request": item.request,
        "original_request": item.original_request,
        "authorized": item.authorized,
        "disputed": treatment.disputed,
        "claims_administrator_guideline": item.ur_guideline,
        "depends_on": context.primary.item + 1 if context.primary.item is not None else None,
        "phase": str(context.phase.name),
        "line": str(context.line([treatment.name]).name),
    }
    prefix = [primary] if primary is not None else []
    if topic is None:
        unmet = primary is not None and primary.status != MET
        return ItemDetermination(
            **common,
            decision=Decision.UPHELD,
            category="uncovered",
            criteria=prefix,
            flags=[NO_TOPIC],
            rationale=write_rationale(None, prefix, [], Decision.UPHELD, treatment.disputed or item.request, None)
            if unmet
            else (
                "No guideline topic in the knowledge base addresses this request, and the submitted records do not establish "
                f"its medical necessity. Therefore, the request for {item.request} is not medically necessary."
            ),
        )
    path = evaluate_path(topic, context)
    decision = path.decision
    if primary is not None and primary.status != MET:
        decision = Decision.UPHELD
    criteria = prefix + path.criteria
    citations = citations_for(topic, era, _cited_parts(treatment, context))
    return ItemDetermination(
        **common,
        decision=decision,
        citations=citations,
        maximus_guideline=maximus_line(citations),
        rationale=write_rationale(
            topic, criteria, path.indications, decision, treatment.disputed or item.request, path.indication
        ),
        topic=topic.id,
        category=topic.category,
        criteria=criteria,
        indications=path.indications,
        indication=path.indication,
        flags=_silent_flag(path) + (["surgery not established"] if primary is not None and primary.status != MET else []),
    )


def _dependent(topic: Topic | None, treatment: Treatment) -> bool:
    return treatment.postoperative or (topic is not None and topic.dependent)


def review_case(case: Case) -> Determination:
    """Draft the determination of a case: one decision per disputed item, each with its decision path, evidence,
    citation and rationale, primary procedures decided before the services that depend on them. The engine drafts;
    a physician reviewer signs."""
    evidence: Evidence = gather_evidence(case)
    reading = evidence.case
    era = era_for(case.dates.ur_decision)
    # A modified request is decided on its disputed part, not on what the claims administrator authorized.
    treatments = with_surgery_items([parse_disputed_item(item) for item in case.disputed_items], evidence)
    phases = [phase_of(reading, t, evidence) for t in treatments]
    chosen = [select_topic(t, p.name == Phase.POSTOPERATIVE) for t, p in zip(treatments, phases, strict=True)]
    dependent = [_dependent(topic, t) for topic, t in zip(chosen, treatments, strict=True)]
    order = sorted(range(len(treatments)), key=lambda i: (dependent[i], i))
    # A test of the whole worker names where it is done, not the surgery it goes with: any surgery can be its primary.
    sites = [
        t.model_copy(update={"body_parts": []}) if topic is not None and topic.whole_worker else t
        for topic, t in zip(chosen, treatments, strict=True)
    ]
    decided: dict[int, ItemDetermination] = {}
    for index in order:
        primary = primary_of(index, sites, dependent, evidence) if dependent[index] else Primary()
        context = CheckContext(
            case=reading,
            treatment=treatments[index],
            evidence=evidence,
            item=index,
            primary=primary,
            known_phase=phases[index],
            parsed_items=tuple(treatments),
        )
        requirement = _primary_result(primary, decided, case.disputed_items) if dependent[index] else None
        result = _review_item(case.disputed_items[index], treatments[index], chosen[index], era, context, requirement)
        if case.dates.ur_decision is None:
            result = result.model_copy(update={"flags": [*result.flags, UNKNOWN_ERA]})
        decided[index] = result
    return Determination(
        case_number=case.case_number,
        date_of_injury=case.dates.injury,
        ur_denial_date=case.dates.ur_decision,
        application_received=case.dates.application_received,
        date_assigned=case.dates.assigned,
        priority=case.priority,
        summary=next((d.text for d in case.documents if d.type == "clinical_summary"), ""),
        items=[decided[i] for i in range(len(treatments))],
        engine_version=ENGINE_VERSION,
        knowledge_version=knowledge_version(),
    )
