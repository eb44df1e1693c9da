"""Procedures the record speaks of, and what became of each: performed (with its date), certified by utilization
review, denied, or only planned or requested.

"She underwent a right carpal tunnel release on 10/3/2016" is a procedure performed (it starts the postsurgical
period); "the right knee arthroscopy was certified on 1/5/2017" is an earlier certification that the services
accompanying the surgery depend on; "the treatment plan included a lumbar MRI" is only planned. Each event is a `Fact`
of kind "procedure": `name` is the procedure's lexicon name, `value` the event, `date` the date its clause gives,
`body_parts` the body parts its clause names.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum

from openimr.evidence.context import assertion
from openimr.evidence.dates import DatePrecision, find_event_dates
from openimr.evidence.terms import UR_DECISION, document_sentences
from openimr.evidence.text import clause_bounds
from openimr.evidence.wording import SentenceRole
from openimr.knowledge.lexicons import Procedure, body_part_matcher, procedure_matcher
from openimr.model import Case, Fact, FactStatus, Span, TreatmentKind

__all__ = ["ProcedureEvent", "extract_procedure_events"]

PROCEDURE = "procedure"
"""Fact kind of a procedure event."""


class ProcedureEvent(StrEnum):
    """What the record says became of a procedure."""

    PERFORMED = "performed"
    CERTIFIED = "certified"
    DENIED = "denied"
    PLANNED = "planned"


_TRACKED = frozenset({TreatmentKind.SURGERY, TreatmentKind.IMAGING, TreatmentKind.ELECTRODIAGNOSTIC, TreatmentKind.INJECTION})
"""Kinds of procedure whose history decides something: surgeries (their services, the postoperative period), studies
(a repeat study), injections (a repeat injection)."""

_CLAUSE_BREAK = re.compile(
    r";|\bbut\b|\bhowever\b|\bwhile\b|\bwhereas\b|,\s+and\s+(?=\w+\s+(?:was|were)\b)"
    r"|\band\s+(?=(?:non-?certif|certif|authoriz|approv|denied|modif))",
    re.IGNORECASE,
)
_DENIED = re.compile(
    r"\b(?:non-?certif\w*|not\s+(?:been\s+)?(?:certified|authorized|approved|medically\s+necessary)|denied|denial|deny"
    r"|modified|upheld)\b",
    re.IGNORECASE,
)
_CERTIFIED = re.compile(r"\b(?:certif\w*|authoriz\w*|approv\w*|overturned)\b", re.IGNORECASE)
_FUTURE = re.compile(
    r"\b(?:will|would|should|(?-i:may)|might|could|if|plan\w*|scheduled|pending|upcoming|awaiting|expected|anticipated|proposed"
    r"|candidate|consider\w*|willing|wish\w*|wants?|interested|recommend\w*|request\w*)\b",
    re.IGNORECASE,
)
"""Words by which a clause speaks of a surgery yet to come or only possible ("will be homebound after surgery",
"willing to have an operation if a lesion is found")."""
_PERFORMED = re.compile(
    r"\b(?:underwent|undergone|status\s+post|s/p|post[\s-]?op\w*|performed|had\s+(?:an?\s+|the\s+)?|was\s+done"
    r"|(?:showed|revealed|demonstrated|documented|noted|indicated|found|dated|obtained|completed)|following|after\s+(?:an?\s+|the\s+|his\s+|her\s+)?"
    r"|history\s+of|prior|previous)",
    re.IGNORECASE,
)


_DECIDED = frozenset({ProcedureEvent.CERTIFIED, ProcedureEvent.DENIED})
"""What a UR decision document states as fact about a procedure: its own certifications and denials."""


def _event(clause: str, role: SentenceRole, status: FactStatus, dated: bool) -> ProcedureEvent | None:
    """What the clause says became of the procedure; a clinical statement of it with a past date ("rotator cuff repair
    on 10/1/2016") is one performed."""
    if _DENIED.search(clause):
        return ProcedureEvent.DENIED
    if _CERTIFIED.search(clause):
        return ProcedureEvent.CERTIFIED
    if role is not SentenceRole.CLINICAL or status is FactStatus.PLANNED or _FUTURE.search(clause):
        return ProcedureEvent.PLANNED
    if status is FactStatus.PRESENT and (dated or _PERFORMED.search(clause)):
        return ProcedureEvent.PERFORMED
    return None


def _date(sentence: str, left: int, right: int, before: dt.date | None) -> dt.date | None:
    """The latest date the clause `sentence[left:right]` gives for what it states (`find_event_dates`)."""
    found = find_event_dates(sentence, DatePrecision.MONTH)
    dates = [f.date for f in found if left <= f.start and f.end <= right and (before is None or f.date <= before)]
    return max(dates) if dates else None


def extract_procedure_events(case: Case) -> list[Fact]:
    """One fact per tracked procedure mention whose fate the clause states (performed, certified, denied, planned)."""
    facts: list[Fact] = []
    as_of = case.dates.ur_decision
    for document in case.documents:
        mentions = [m for m in procedure_matcher().find(document.text) if m.value.kind in _TRACKED]
        if not mentions:
            continue
        review = document.type == UR_DECISION
        sentences = document_sentences(document.text)
        for match in mentions:
            index = sentences.index(match.start)
            sentence = sentences.sentences[index]
            role = SentenceRole.REVIEW if review else sentences.role(match.start)
            start, end = match.start - sentence.start, match.end - sentence.start
            left, right = clause_bounds(sentence.text, start, end, _CLAUSE_BREAK)
            clause = sentence.text[left:right]
            asserted = assertion(sentence.text, start, end, PROCEDURE)
            date = _date(sentence.text, left, right, as_of)
            event = _event(clause, role, asserted.status, date is not None)
            if event is None or asserted.experiencer != "patient":
                continue
            if review and event not in _DECIDED:  # the UR's retelling of the history is not evidence
                continue
            procedure: Procedure = match.value
            facts.append(
                Fact(
                    kind=PROCEDURE,
                    name=procedure.name,
                    status=FactStatus.PRESENT,
                    value=event.value,
                    date=date,
                    body_parts=list(dict.fromkeys(m.value.name for m in body_part_matcher().find(clause))),
                    spans=[Span(document_id=document.id, start=match.start, end=match.end, text=match.text)],
                    cue=asserted.cue(sentence.text),
                    rule=asserted.deciding.describe() if asserted.deciding else None,
                )
            )
    return facts
