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
from openimr.evidence.dates import FoundDate, find_event_dates, report_frame_end
from openimr.evidence.terms import UR_DECISION, document_sentences
from openimr.evidence.text import Sentence, clause_bounds
from openimr.evidence.wording import CONDITIONAL_DECISION, DECISION_BREAK, DENIAL, SentenceRole
from openimr.knowledge.lexicons import Procedure, body_part_matcher, procedure_matcher
from openimr.knowledge.terms import TermMatch, anchored_search, regex_fold
from openimr.model import Case, DatePrecision, Document, Fact, FactStatus, Span, TreatmentKind

__all__ = ["ProcedureEvent", "extract_procedure_events", "may_be", "procedure_event", "procedure_mentions"]

PROCEDURE = "procedure"
"""Fact kind of a procedure event."""

OPERATIVE_REPORTS = frozenset({"operative_report", "operative_note", "procedure_report", "procedure_note"})
"""Document types of the report of an operation or procedure (an operative report or note, LOINC 11504-8, or a
procedure report or note, LOINC 28570-0): the account of what was done, on its date."""


class ProcedureEvent(StrEnum):
    """What the record says became of a procedure."""

    PERFORMED = "performed"
    CERTIFIED = "certified"
    DENIED = "denied"
    PLANNED = "planned"


_TRACKED = frozenset({TreatmentKind.SURGERY, TreatmentKind.IMAGING, TreatmentKind.ELECTRODIAGNOSTIC, TreatmentKind.INJECTION})
"""Kinds of procedure whose history decides something: surgeries (their services, the postoperative period), studies
(a repeat study), injections (a repeat injection)."""

_CLAUSE_BREAK = re.compile(rf"{DECISION_BREAK.pattern}|,\s+and\s+(?=\w+\s+(?:was|were)\b)", re.IGNORECASE)
"""Where the clause of a procedure ends: where one item's decision ends (`DECISION_BREAK`: "the laminectomy has been
authorized and the assistant surgeon was not approved" decides two items), or a second clause with a subject of its
own begins ("..., and pain was worse")."""
_DENIED = re.compile(rf"\b(?:{DENIAL}|modified)\b", re.IGNORECASE)
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
    r"|history\s+of|prior|previous|POD\s*#?\s*\d"
    r"|(?:is|was|were|came\s+back|returned)\s+(?:negative|positive|normal|abnormal|unremarkable|clean)"
    r"|(?:days?|weeks?|wks?|months?|mos?)\s+(?:post\b|out\s+(?:from|of)\b))",
    re.IGNORECASE,
)


_ORDERED = re.compile(
    r"\b(?:order(?:s|ed|ing)?|(?:to|will|would)\s+(?:rule\s+out|r/o|exclude|evaluate|assess|look\s+for|check\s+for"
    r"|confirm|further\s+(?:evaluate|assess|delineate))|r/o|for\s+(?:further\s+)?evaluation\s+of|referr(?:al|ed)\s+for)\b",
    re.IGNORECASE,
)
"""Words by which a clause orders a study or states what it is for ("MRI of the lumbar spine to rule out a herniated
disc", "ordered a lumbar MRI", "referred for EMG to assess for radiculopathy"): a study yet to be done, unless the
clause also reports what it found (`_RESULT`)."""
_RESULT = re.compile(
    r"\b(?:show(?:s|ed|n)?|reveal(?:s|ed)?|demonstrat(?:es|ed)|confirm(?:s|ed)|was\s+(?:done|performed|obtained|completed)"
    r"|were\s+(?:done|performed|obtained|completed)|underwent|undergone|impressions?|findings?|results?|notable\s+for"
    r"|significant\s+for|consistent\s+with|positive\s+for|negative\s+for|unremarkable|normal|within\s+normal\s+limits)\b",
    re.IGNORECASE,
)
"""Words by which a clause reports a study's result or says it was done ("the MRI obtained to rule out a tear showed
none"): a study done."""


def _stated(clause: str, role: SentenceRole) -> ProcedureEvent | None:
    """What the clause's words alone say became of the procedure (denied, certified, or only planned: a statement
    outside the clinical record, or of what is to come); None when that rests on its assertion and date."""
    folded = regex_fold(clause)
    if anchored_search(CONDITIONAL_DECISION, clause, folded):
        return ProcedureEvent.PLANNED
    if anchored_search(_DENIED, clause, folded):
        return ProcedureEvent.DENIED
    if anchored_search(_CERTIFIED, clause, folded):
        return ProcedureEvent.CERTIFIED
    if role is not SentenceRole.CLINICAL or anchored_search(_FUTURE, clause, folded):
        return ProcedureEvent.PLANNED
    if anchored_search(_ORDERED, clause, folded) and not anchored_search(_RESULT, clause, folded):
        return ProcedureEvent.PLANNED
    return None


_DONE = re.compile(r"\b(?:underwent|undergone|status\s+post|s/p|post[\s-]?op(?:erative)?\s+day)\b", re.IGNORECASE)
"""Words by which a clinical clause says the procedure was done, whatever else it says of its authorization."""


def _event(clause: str, role: SentenceRole, status: FactStatus, dated: bool) -> ProcedureEvent | None:
    """What the clause says became of the procedure; a clinical statement of it with a past date ("rotator cuff repair
    on 10/1/2016") is one performed, and so is one the clause says was done on a past date though it also notes the
    authorization ("s/p L TKA 04/22/2016 (certified)")."""
    if role is SentenceRole.CLINICAL and status is FactStatus.PRESENT and dated and anchored_search(_DONE, clause):
        return ProcedureEvent.PERFORMED
    stated = _stated(clause, role)
    if stated is not None:
        return stated
    if status is FactStatus.PLANNED:
        return ProcedureEvent.PLANNED
    if status is FactStatus.PRESENT and (dated or anchored_search(_PERFORMED, clause)):
        return ProcedureEvent.PERFORMED
    return None


_OWN_DATE = re.compile(
    r"(?:\s*(?:/|&|\+|\band\b|\bwith\b|\bw/)\s*[a-z][a-z-]*(?:\s+[a-z][a-z-]*){0,2}?)?"
    r"[\s,(]*(?:(?:in|on|dated|done|performed)\s+)?",
    re.IGNORECASE,
)
"""What may stand between a procedure and the date written right after it, its own date ("s/p fusion 2014", "ACDF
in 2011", "TKA (04/22/2016)"), a procedure done with it in between ("arthroscopy/SAD 2014", "rotator cuff repair and
biceps tenodesis 5/2016")."""


def _date(sentence: str, left: int, right: int, mention_end: int, before: dt.date | None) -> FoundDate | None:
    """The date the clause `sentence[left:right]` gives for what it states (`find_event_dates`), with its precision:
    the date written right after the procedure (`mention_end`), a year alone among them, else the latest date of month
    precision. A year alone is kept to the year (the fact's `last_date`, the end of the year, is the latest the
    procedure can have been: durations are counted from it); it dates a procedure the clause says was done, but does
    not by itself make the mention one done."""
    found = [
        f
        for f in find_event_dates(sentence, DatePrecision.YEAR)
        if left <= f.start and f.end <= right and (before is None or f.date <= before)
    ]
    own = next((f for f in found if f.start >= mention_end and _OWN_DATE.fullmatch(sentence, mention_end, f.start)), None)
    if own is not None:
        return own
    return max((f for f in found if f.precision is not DatePrecision.YEAR), key=lambda f: f.date, default=None)


def procedure_mentions(case: Case) -> list[tuple[Document, TermMatch[Procedure]]]:
    """Every mention of a tracked procedure in the case's documents, in document order."""
    return [
        (document, match)
        for document in case.documents
        for match in procedure_matcher().find(document.text)
        if match.value.kind in _TRACKED
    ]


_DECIDED = frozenset({ProcedureEvent.CERTIFIED, ProcedureEvent.DENIED})
"""What a UR decision document states as fact about a procedure: its own certifications and denials (its retelling of
the history is not evidence)."""


def _clause(document: Document, match: TermMatch[Procedure]) -> tuple[Sentence, SentenceRole, int, int]:
    """The sentence of a procedure mention, its role, and the bounds of the mention's clause in the sentence."""
    sentences = document_sentences(document.text)
    sentence = sentences.at(match.start)
    role = SentenceRole.REVIEW if document.type == UR_DECISION else sentences.role(match.start)
    left, right = clause_bounds(sentence.text, match.start - sentence.start, match.end - sentence.start, _CLAUSE_BREAK)
    # the words of a reporting frame opening the sentence ("Per the report dated 3/2/2016,", "On 3/2/2016, the
    # physician noted") date and cite the report, not the procedure it speaks of
    frame = report_frame_end(sentence.text)
    if frame <= match.start - sentence.start:
        left = max(left, frame)
    return sentence, role, left, right


def _possible(document: Document) -> frozenset[ProcedureEvent]:
    """The events a document can state as fact."""
    return _DECIDED if document.type == UR_DECISION else frozenset(ProcedureEvent)


def may_be(event: ProcedureEvent, document: Document, match: TermMatch[Procedure]) -> bool:
    """Whether the event of a procedure mention (`procedure_event`) may be `event`, by its clause's words alone (no
    assertion made): false when they state another."""
    if event not in _possible(document):
        return False
    sentence, role, left, right = _clause(document, match)
    stated = _stated(sentence.text[left:right], role)
    return event == stated if stated is not None else event in (ProcedureEvent.PERFORMED, ProcedureEvent.PLANNED)


def procedure_event(document: Document, match: TermMatch[Procedure], as_of: dt.date | None) -> Fact | None:
    """The event of one procedure mention, when its clause states the procedure's fate (the latest date of its clause
    not after `as_of`, the UR decision)."""
    sentence, role, left, right = _clause(document, match)
    clause = sentence.text[left:right]
    asserted = assertion(sentence.text, match.start - sentence.start, match.end - sentence.start, PROCEDURE)
    # a study or block whose result is negated ("the MRI was negative", "negative EMG") was done
    status = FactStatus.PRESENT if asserted.result_only else asserted.status
    found = _date(sentence.text, left, right, match.end - sentence.start, as_of)
    date, precision = (found.date, found.precision) if found else (None, DatePrecision.DAY)
    dated = found is not None and found.precision is not DatePrecision.YEAR
    # an operative report (of no later date than the decision) states the operation it reports as done, on its date
    reported = document.type in OPERATIVE_REPORTS and (as_of is None or document.date is None or document.date <= as_of)
    if date is None and reported:
        date = document.date
    event = _event(clause, role, status, dated or reported)
    if reported and event is ProcedureEvent.CERTIFIED:
        # the report of the operation states it done on its own date, whatever it recalls of its authorization
        # ("(certified 7/14)")
        event = ProcedureEvent.PERFORMED
        if document.date is not None:
            date, precision = document.date, DatePrecision.DAY
    if event is None or event not in _possible(document) or asserted.experiencer != "patient":
        return None
    return Fact(
        kind=PROCEDURE,
        name=match.value.name,
        status=FactStatus.PRESENT,
        value=event.value,
        date=date,
        date_precision=precision,
        body_parts=list(dict.fromkeys(m.value.name for m in body_part_matcher().find(clause))),
        spans=[Span(document_id=document.id, start=match.start, end=match.end, text=match.text)],
        cue=asserted.cue(sentence.text),
        rule=asserted.deciding.describe() if asserted.deciding else None,
    )


def extract_procedure_events(case: Case) -> list[Fact]:
    """One fact per tracked procedure mention whose fate the clause states (performed, certified, denied, planned)."""
    events = (procedure_event(document, match, case.dates.ur_decision) for document, match in procedure_mentions(case))
    return [event for event in events if event is not None]
