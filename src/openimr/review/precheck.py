"""The requesting side's pre-submission check: before a request is sent, what the guideline asks the record to
document, what it documents, and what is missing to meet the nearest indication, in the terms the reviewer will use.

It runs the review engine on the case (the planned items as disputed items) and reads each item's decision path
back as a report: for each item the guideline topic and era, each indication with its criteria (documented,
contradicted, not documented) and their spans, the advice for what is missing, and the outcome the engine would draft
today. There is no second copy of the criteria: the report is the topic's own decision path.
"""

from __future__ import annotations

from functools import cache

import jinja2
from pydantic import BaseModel, ConfigDict, Field

from openimr.errors import OpenIMRError
from openimr.knowledge.schema import Criterion, Topic
from openimr.model import Case, CriterionResult, CriterionRole, CriterionStatus, Decision, ItemDetermination, Span
from openimr.review.engine import PRIMARY, review_case
from openimr.review.era import era_for
from openimr.review.topics import criteria_by_id, topics

__all__ = ["FORMATS", "CheckReport", "CriterionCheck", "IndicationCheck", "ItemCheck", "check_case", "render_check"]

FORMATS = ("md", "html", "pdf", "json")


class _Report(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CriterionCheck(_Report):
    """One criterion as the requester sees it: what the guideline asks, whether the record documents it, and where."""

    id: str
    text: str
    role: CriterionRole
    status: str = Field(description="documented, contradicted, not documented, or (an exclusion) applies / does not apply.")
    evidence: list[Span] = Field(default_factory=list)
    note: str = ""
    advice: str = Field(default="", description="What to document or change, when the criterion is not met.")


class IndicationCheck(_Report):
    """One indication and its criteria."""

    id: str
    text: str
    met: bool
    criteria: list[CriterionCheck]


class ItemCheck(_Report):
    """One planned item: its guideline, its decision path against the record, what is missing, the likely outcome."""

    request: str
    topic: str | None
    title: str | None
    era: str
    citation: str | None
    phase: str | None
    line: str | None
    likely_outcome: Decision
    indication: str | None = Field(description="The indication met, or the nearest one.")
    requirements: list[CriterionCheck] = Field(default_factory=list)
    indications: list[IndicationCheck] = Field(default_factory=list)
    exclusions: list[CriterionCheck] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list, description="What to document to meet the nearest indication.")
    rationale: str


class CheckReport(_Report):
    """The pre-submission check of a case."""

    case_number: str | None
    items: list[ItemCheck]


def _status(result: CriterionResult) -> str:
    if result.role == CriterionRole.EXCLUSION:
        return "applies" if result.status == CriterionStatus.MET else "does not apply"
    if result.status == CriterionStatus.MET:
        return "documented"
    if result.status == CriterionStatus.NOT_MET and not result.silent:
        return "contradicted"
    return "not documented"


def _phrase(text: str) -> str:
    text = text.strip().rstrip(".")
    for ending in (" is documented", " are documented", " is documented on examination"):
        if text.endswith(ending):
            text = text[: -len(ending)]
    return text[:1].lower() + text[1:]


_UNCHANGEABLE = frozenset({"age", "phase", "weeks_since_injury"})
"""Checks on facts a request cannot change (the worker's age, the time since the injury)."""


def advice(criterion: Criterion, result: CriterionResult) -> str:
    """What the requester should document or change for a criterion that is not met (empty when it is met), in the
    words of the guideline's criterion."""
    if result.role == CriterionRole.EXCLUSION:
        if result.status != CriterionStatus.MET:
            return ""
        return f"The guideline excludes this request: {criterion.missing or _phrase(criterion.text)}."
    if result.status == CriterionStatus.MET:
        return ""
    check = criterion.check
    if check in _UNCHANGEABLE:
        return f"Not something the record can change: {result.note or _phrase(criterion.text)}."
    if check in {"request_specified", "amount_within", "visits_within", "supply_within", "postsurgical_visits", "stay_within"}:
        return f"Revise the request: {_phrase(criterion.text)}" + (f" ({result.note})." if result.note else ".")
    if check == "request_names":
        return f"Revise the request: {_phrase(criterion.text)}."
    if check == "functional_improvement":
        return (
            "Document objective functional improvement from this treatment itself: a measured change in activities of "
            "daily living or work restrictions, and less dependence on medical care (8 CCR 9792.20)."
        )
    if check == "conservative_care_failed":
        return f"Document the conservative care tried (what, for how long) and that it failed: {_phrase(criterion.text)}."
    return f"Document {_phrase(criterion.text)}."


def _primary_advice(result: CriterionResult) -> str:
    """The advice for the requirement a service accompanying a surgery gets (`engine.PRIMARY`)."""
    if result.id != PRIMARY or result.status == CriterionStatus.MET:
        return ""
    return "Document that the surgery this service accompanies is certified, performed, or requested with it."


def _criteria(topic: Topic, results: list[CriterionResult]) -> dict[str, CriterionCheck]:
    by_id = criteria_by_id(topic)
    return {
        r.id: CriterionCheck(
            id=r.id,
            text=r.text,
            role=r.role,
            status=_status(r),
            evidence=r.evidence,
            note=r.note,
            advice=advice(by_id[r.id], r) if r.id in by_id else _primary_advice(r),
        )
        for r in results
    }


def _item(item: ItemDetermination, topic: Topic | None, era: str) -> ItemCheck:
    common = {
        "request": item.request,
        "era": era,
        "phase": item.phase,
        "line": item.line,
        "likely_outcome": item.decision,
        "rationale": item.rationale,
        "indication": item.indication,
        "citation": item.maximus_guideline,
    }
    if topic is None:
        return ItemCheck(
            **common,
            topic=None,
            title=None,
            missing=["No guideline topic addresses this request: state it with the names the guidelines use."],
        )
    checks = _criteria(topic, item.criteria)
    requirements = [checks[r.id] for r in item.criteria if r.role == CriterionRole.REQUIREMENT]
    met = {i.id for i in item.indications if i.status == CriterionStatus.MET}
    indications = [
        IndicationCheck(id=i.id, text=i.text, met=i.id in met, criteria=[checks[c.id] for c in i.criteria])
        for i in topic.indications
    ]
    exclusions = [checks[c.id] for c in topic.exclusions]
    nearest = next((i for i in indications if i.id == item.indication), None)
    missing = [c.advice for c in requirements + exclusions if c.advice]
    if nearest is not None and not nearest.met:
        missing += [c.advice for c in nearest.criteria if c.advice]
    return ItemCheck(
        **common,
        topic=topic.id,
        title=topic.title,
        requirements=requirements,
        indications=indications,
        exclusions=exclusions,
        missing=list(dict.fromkeys(missing)),
    )


def check_case(case: Case) -> CheckReport:
    """The pre-submission check of a case file whose disputed items are the planned requests."""
    draft = review_case(case)
    by_id = {t.id: t for t in topics()}
    era = str(era_for(case.dates.ur_decision))
    return CheckReport(
        case_number=case.case_number,
        items=[_item(item, by_id.get(item.topic or ""), era) for item in draft.items],
    )


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("openimr.review", "templates"),
        autoescape=jinja2.select_autoescape(["html.j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_check(report: CheckReport, format: str) -> bytes:
    """The report as Markdown, HTML, PDF or JSON."""
    if format not in FORMATS:
        raise OpenIMRError(f"unknown format {format!r} (choose from {', '.join(FORMATS)})", "--format")
    if format == "json":
        return (report.model_dump_json(indent=2) + "\n").encode()
    template = "check.md.j2" if format == "md" else "check.html.j2"
    text = _environment().get_template(template).render(report=report)
    if format != "pdf":
        return text.encode()
    from weasyprint import HTML

    return bytes(HTML(string=text).write_pdf())
