"""The decision rationale as reviewers write it: the guideline's rule, the case's facts, what is missing, and the
conclusion "Therefore, the request for ... is (not) medically necessary."."""

from __future__ import annotations

from openimr.knowledge.schema import Criterion, Topic
from openimr.model import CriterionResult, CriterionStatus, Decision


def _sentence(text: str) -> str:
    text = text.strip().rstrip(".")
    return text[:1].upper() + text[1:] + "." if text else ""


_SPECIFIC = frozenset(
    {"visit_limits", "request_excludes", "weeks_since_injury", "short_term_use", "no_duplicate_class", "request_specified"}
)
"""Checks whose notes carry the specifics (counts, weeks, the ingredient, the other drug) a rationale should state."""


def _reason(result: CriterionResult, criterion: Criterion) -> str:
    """Why a criterion fails, in the words a reviewer would use: the topic's phrasing, made specific by the check's
    note (a count, an ingredient), or the note alone when the record is silent for a reason the phrasing does not say."""
    if criterion.check not in _SPECIFIC or not result.note:
        return criterion.missing or result.note or f"the criterion '{result.text}' is not met"
    if result.status == CriterionStatus.INSUFFICIENT or not criterion.missing:
        return result.note
    return f"{criterion.missing} ({result.note})"


def write_rationale(topic: Topic, results: list[CriterionResult], decision: Decision, request: str) -> str:
    """Compose the rationale for one item from its topic and criterion results."""
    by_id = {c.id: c for c in topic.criteria}
    met = [r for r in results if r.status == CriterionStatus.MET and r.note]
    failed = [r for r in results if r.status != CriterionStatus.MET and by_id[r.id].upholds]
    parts = [topic.guideline_rule]
    if met:
        parts.append("In this case, " + "; ".join(r.note for r in met) + ".")
    if failed:
        lead = "However, " if met else "In this case, "
        reasons = [_reason(r, by_id[r.id]) for r in failed]
        parts.append(_sentence(lead + "; ".join(reasons)))
    verdict = "is medically necessary" if decision == Decision.OVERTURNED else "is not medically necessary"
    parts.append(f"Therefore, the request for {request} {verdict}.")
    return " ".join(parts)
