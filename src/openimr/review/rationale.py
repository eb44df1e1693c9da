"""The decision rationale as reviewers write it: the guideline's rule, the case's facts, what is missing, and the
conclusion "Therefore, the request for ... is (not) medically necessary."."""

from __future__ import annotations

from openimr.knowledge.schema import Topic
from openimr.model import CriterionResult, CriterionStatus, Decision


def _sentence(text: str) -> str:
    text = text.strip().rstrip(".")
    return text[:1].upper() + text[1:] + "." if text else ""


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
        reasons = [by_id[r.id].missing or r.note or f"the criterion '{r.text}' is not met" for r in failed]
        parts.append(_sentence(lead + "; ".join(reasons)))
    verdict = "is medically necessary" if decision == Decision.OVERTURNED else "is not medically necessary"
    parts.append(f"Therefore, the request for {request} {verdict}.")
    return " ".join(parts)
