"""The decision rationale as reviewers write it: the guideline's rule, the indication the record meets (or the
nearest one and what it lacks, or the exclusion that vetoes it), the case's facts, and the conclusion "Therefore, the
request for ... is (not) medically necessary."."""

from __future__ import annotations

from openimr.knowledge.schema import Criterion, Topic
from openimr.model import CriterionResult, CriterionRole, CriterionStatus, Decision, IndicationResult
from openimr.review.topics import criteria_by_id

_SPECIFIC = frozenset(
    {
        "visits_within",
        "injections_within",
        "postsurgical_visits",
        "amount_within",
        "request_names",
        "request_specified",
        "weeks_since_injury",
        "duration_of_use",
        "no_duplicate_class",
        "dose_within",
        "phase",
        "age",
        "conservative_care_failed",
    }
)
"""Checks whose notes carry the specifics (counts, weeks, the ingredient, the other drug) a rationale should state."""


def _sentence(text: str) -> str:
    text = text.strip().rstrip(".")
    return text[:1].upper() + text[1:] + "." if text else ""


def _reason(result: CriterionResult, criterion: Criterion | None) -> str:
    """Why a criterion fails (or, for an exclusion, why it vetoes), in a reviewer's words: the topic's phrasing made
    specific by the check's note, or the note alone."""
    if criterion is None:
        return result.note or f"the criterion '{result.text}' is not met"
    if criterion.check not in _SPECIFIC or not result.note:
        return criterion.missing or result.note or f"the criterion '{result.text}' is not met"
    if result.status == CriterionStatus.INSUFFICIENT or not criterion.missing:
        return result.note
    return f"{criterion.missing} ({result.note})"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


def write_rationale(
    topic: Topic | None,
    results: list[CriterionResult],
    indications: list[IndicationResult],
    decision: Decision,
    request: str,
    indication: str | None,
) -> str:
    """Compose the rationale for one item from its topic's decision path and criterion results."""
    by_id = criteria_by_id(topic) if topic is not None else {}
    parts = [topic.guideline_rule] if topic is not None else []
    failed_requirements = [r for r in results if r.role == CriterionRole.REQUIREMENT and r.status != CriterionStatus.MET]
    vetoes = [r for r in results if r.role == CriterionRole.EXCLUSION and r.status == CriterionStatus.MET]
    chosen = next((i for i in indications if i.id == indication), None)
    path = [r for r in results if r.role == CriterionRole.INDICATION and r.indication == indication]
    if decision == Decision.OVERTURNED:
        notes = [r.note for r in results if r.role == CriterionRole.REQUIREMENT and r.note] + [r.note for r in path if r.note]
        lead = f"In this case, the record supports {_lower_first(chosen.text).rstrip('.')}" if chosen else "In this case"
        parts.append(_sentence(lead + (": " + "; ".join(notes) if notes else "")))
    elif failed_requirements or vetoes:
        reasons = [_reason(r, by_id.get(r.id)) for r in failed_requirements + vetoes]
        parts.append(_sentence("In this case, " + "; ".join(reasons)))
    elif topic is not None and not topic.recommended:
        parts.append("The guideline does not recommend it for this worker's condition.")
    elif chosen is not None:
        met = [r.note for r in path if r.status == CriterionStatus.MET and r.note]
        failing = [_reason(r, by_id.get(r.id)) for r in path if r.status != CriterionStatus.MET]
        lead = "In this case, " + (f"{'; '.join(met)}. However, " if met else "")
        nearest = f" (the nearest indication: {_lower_first(chosen.text).rstrip('.')})" if len(indications) > 1 else ""
        parts.append(_sentence(lead + "; ".join(failing) + nearest))
    verdict = "is medically necessary" if decision == Decision.OVERTURNED else "is not medically necessary"
    parts.append(f"Therefore, the request for {request} {verdict}.")
    return " ".join(p for p in parts if p)
