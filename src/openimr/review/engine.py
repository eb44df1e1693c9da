"""Review a case: for each disputed item, pick the guideline topic, evaluate its criteria against the record, decide,
and write the rationale and citation in the era's wording."""

from __future__ import annotations

from openimr import __version__
from openimr.evidence import Evidence, gather_evidence
from openimr.knowledge import knowledge_version
from openimr.knowledge.schema import Criterion, Era, Topic
from openimr.model import (
    Case,
    CriterionResult,
    CriterionStatus,
    Decision,
    Determination,
    DisputedItem,
    ItemDetermination,
    Treatment,
)
from openimr.requests import parse_disputed_item
from openimr.review.checks import CHECKS, CheckContext
from openimr.review.era import era_for
from openimr.review.rationale import write_rationale
from openimr.review.topics import citations_for, maximus_line, select_topic

ENGINE_VERSION = f"openimr-review {__version__}"
NO_TOPIC = "no topic"
"""Flag on an item no knowledge-base topic covers: decided on the burden of proof, for the reviewer to look at."""
UNKNOWN_ERA = "UR decision date unknown: era assumed"
RECORD_SILENT = "record silent on"
"""Flag naming the criteria the record says nothing about: the reviewer may find them in records the draft did not see."""

_DEPENDENT_LAST = ("surgery-associated",)
"""Categories decided after the rest of the case, because their criteria depend on another item's decision."""


def evaluate_criterion(criterion: Criterion, context: CheckContext) -> CriterionResult:
    """Run one criterion's check and record the result with its evidence."""
    outcome = CHECKS[criterion.check](context, criterion.params)
    return CriterionResult(
        id=criterion.id, text=criterion.text, status=outcome.status, evidence=outcome.spans(), note=outcome.note
    )


def decide(topic: Topic, results: list[CriterionResult]) -> Decision:
    """Overturned only when every criterion whose failure upholds the denial is met."""
    upholding = {c.id for c in topic.criteria if c.upholds}
    failed = [r for r in results if r.id in upholding and r.status != CriterionStatus.MET]
    return Decision.UPHELD if failed else Decision.OVERTURNED


def _review_item(
    item: DisputedItem, treatment: Treatment, topic: Topic | None, era: Era, context: CheckContext
) -> ItemDetermination:
    common = {
        "request": item.request,
        "original_request": item.original_request,
        "authorized": item.authorized,
        "disputed": treatment.disputed,
        "claims_administrator_guideline": item.ur_guideline,
    }
    if topic is None:
        return ItemDetermination(
            **common,
            decision=Decision.UPHELD,
            category="uncovered",
            flags=[NO_TOPIC],
            rationale=(
                "No guideline topic in the knowledge base addresses this request, and the submitted records do not establish "
                f"its medical necessity. Therefore, the request for {item.request} is not medically necessary."
            ),
        )
    results = [evaluate_criterion(c, context) for c in topic.criteria]
    decision = decide(topic, results)
    citations = citations_for(topic, era)
    silent = [r.id for r in results if r.status == CriterionStatus.INSUFFICIENT]
    return ItemDetermination(
        **common,
        decision=decision,
        citations=citations,
        maximus_guideline=maximus_line(citations),
        rationale=write_rationale(topic, results, decision, treatment.disputed or item.request),
        topic=topic.id,
        category=topic.category,
        criteria=results,
        flags=[f"{RECORD_SILENT}: {', '.join(silent)}"] if silent else [],
    )


def _decided_last(topic: Topic | None) -> bool:
    return topic is not None and topic.category in _DEPENDENT_LAST


def review_case(case: Case) -> Determination:
    """Draft the determination of a case: one decision per disputed item, each with its criteria, evidence, citation and
    rationale. The engine drafts; a physician reviewer signs."""
    evidence: Evidence = gather_evidence(case)
    era = era_for(case.dates.ur_decision)
    parsed = [(item, parse_disputed_item(item)) for item in case.disputed_items]
    # A modified request is decided on its disputed part, not on what the claims administrator authorized.
    planned = [(item, treatment, select_topic(treatment)) for item, treatment in parsed]
    order = sorted(range(len(planned)), key=lambda i: (_decided_last(planned[i][2]), i))
    decided: dict[str, Decision] = {}
    items: dict[int, ItemDetermination] = {}
    for index in order:
        item, treatment, topic = planned[index]
        context = CheckContext(case=case, treatment=treatment, evidence=evidence, decided=dict(decided))
        result = _review_item(item, treatment, topic, era, context)
        if case.dates.ur_decision is None:
            result = result.model_copy(update={"flags": [*result.flags, UNKNOWN_ERA]})
        if result.category is not None:
            decided.setdefault(result.category, result.decision)
        items[index] = result
    return Determination(
        case_number=case.case_number,
        date_of_injury=case.dates.injury,
        ur_denial_date=case.dates.ur_decision,
        application_received=case.dates.application_received,
        date_assigned=case.dates.assigned,
        priority=case.priority,
        summary=next((d.text for d in case.documents if d.type == "clinical_summary"), ""),
        items=[items[i] for i in range(len(planned))],
        engine_version=ENGINE_VERSION,
        knowledge_version=knowledge_version(),
    )
