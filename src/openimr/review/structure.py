"""The structure of a case: the phase of care, the line of treatment, and which items depend on which.

* Phase: acute (up to 4 weeks from the injury), subacute (up to 12 weeks), chronic (beyond 12 weeks: pain lasting
  three months or more, 9792.20 as revised), or postoperative (within the postsurgical physical medicine period after
  a surgery of the same body part the record says was performed, or a service that accompanies a surgery not yet
  performed). Once that period is over, the phase is counted from the injury again.
* Line: a first course (an initial trial, a new prescription) or a continuation (more of a therapy already given, a
  drug already taken), read from the request's own words and from the record.
* Dependencies: a service that accompanies a surgery (pre-operative clearance, post-operative therapy, equipment,
  assistant) depends on the surgery: on a surgery item of the same case, decided first, or on a surgery the record
  says was certified or performed.

Each is a `Fact` with the spans it rests on, so a draft can show where it was read.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache

from openimr.evidence import Evidence
from openimr.evidence.dates import find_event_dates
from openimr.evidence.medications import FIRST_PRESCRIPTION, ONGOING_USE, PAST_COURSE, PRESCRIBED_NOW, same_drug, shows_use
from openimr.evidence.procedures import ProcedureEvent
from openimr.evidence.text import list_lead_in
from openimr.evidence.wording import AFTER_SURGERY
from openimr.knowledge.lexicons import procedure_lexicon, same_body_region
from openimr.model import Case, Fact, FactStatus, Treatment, TreatmentKind, last_day
from openimr.requests import parse_request

__all__ = [
    "ACUTE_WEEKS",
    "SUBACUTE_WEEKS",
    "Line",
    "Phase",
    "Primary",
    "drug_facts",
    "line_of",
    "phase_of",
    "primary_of",
    "supply_for_surgery",
    "surgeries_performed",
]

ACUTE_WEEKS = 4
SUBACUTE_WEEKS = 12
POSTSURGICAL_MONTHS = 6
"""Default postsurgical physical medicine period when a topic does not state the procedure's own."""
POSTOPERATIVE_OPIOID_WEEKS = 6
"""[U] The weeks after a surgery in which an opioid is for post-operative pain (DWC Opioids 2016 §1.4, within the acute
period; the bound of the post-operative opioid topic): an opioid asked for later is judged as chronic or first-time
treatment."""


class Phase(StrEnum):
    """Phase of care at the time of the request."""

    ACUTE = "acute"
    SUBACUTE = "subacute"
    CHRONIC = "chronic"
    POSTOPERATIVE = "postoperative"
    UNKNOWN = "unknown"


class Line(StrEnum):
    """Line of treatment: a first course or more of the same."""

    INITIAL = "initial"
    CONTINUATION = "continuation"
    UNKNOWN = "unknown"


@cache
def _surgical_procedures() -> dict[str, int]:
    """The surgeries of the procedure lexicon, each with its `principal` rank (lower: the more definitive)."""
    return {p.name: p.principal for p in procedure_lexicon().procedures if p.kind is TreatmentKind.SURGERY}


def surgeries_performed(evidence: Evidence) -> list[Fact]:
    """Surgeries the record says were performed, latest first by the latest day each can have been (undated ones
    last)."""
    surgical = _surgical_procedures()
    done = evidence.procedure_events(surgical, ProcedureEvent.PERFORMED)
    return sorted(done, key=lambda f: f.last_date or dt.date.min, reverse=True)


def _months_between(earlier: dt.date, later: dt.date) -> float:
    return (later - earlier).days / 30.44


def last_surgery_of_region(treatment: Treatment, evidence: Evidence) -> Fact | None:
    """The latest surgery the record says was performed on the request's body region (or naming none), if any."""
    return next((s for s in surgeries_performed(evidence) if same_body_region(s.body_parts, treatment.body_parts)), None)


_RECENT_OPERATION = re.compile(
    r"\b(?:POD|post[\s-]?op(?:erative)?\s+day)\s*#?\s*\d{1,2}\b"
    r"|\b(?:\d{1,2}|one|two|three|four|five|six|a\s+few|several)\s+(?:days?|weeks?|wks?)\s+(?:post\b|out\s+(?:from|of)\b|ago\b|after\b|following\b|since\b)"
    r"|\b(?:yesterday|last\s+week|this\s+week|earlier\s+this\s+month|recent(?:ly)?|just\s+(?:had|underwent))\b",
    re.IGNORECASE,
)
"""Words by which the record tells an operation it does not date as recent ("POD #3 after the carpal tunnel release",
"two weeks out from the ORIF", "recently underwent an arthroscopy")."""


def _told_as_recent(surgery: Fact, evidence: Evidence) -> bool:
    """Whether a sentence that names the operation tells it as recent (`_RECENT_OPERATION`)."""
    return any(_RECENT_OPERATION.search(placed.sentence.text) for placed in evidence.sentences_of(surgery))


def phase_of(case: Case, treatment: Treatment, evidence: Evidence, period_months: float = POSTSURGICAL_MONTHS) -> Fact:
    """The phase of care for one request, as a fact whose value is a `Phase` and whose spans show where it was read."""
    as_of = case.dates.ur_decision
    if treatment.drug_class == "opioid":
        period_months = min(period_months, POSTOPERATIVE_OPIOID_WEEKS * 7 / 30.44)
    surgery = last_surgery_of_region(treatment, evidence)
    if surgery is not None:
        when = f" {surgery.date_text}" if surgery.date else ""
        # a surgery dated only to its year ("s/p fusion 2014") is within the period unless even its last day is not
        last = surgery.last_date
        # an operation of unknown date does not make an opioid in use post-operative: the worker's supply is for an
        # operation only when the request or the record ties it to one, or one is certified and to come (DWC Opioids
        # 2016 §1.4)
        long_term_opioid = (
            last is None
            and treatment.drug_class == "opioid"
            and bool(drug_in_use_facts(treatment, evidence))
            and not supply_for_surgery(treatment, evidence)
            and not certified_to_come(treatment, evidence)
            and not _told_as_recent(surgery, evidence)
        )
        within = last is None or as_of is None or _months_between(last, as_of) <= period_months
        if within and not long_term_opioid:
            return Fact(kind="phase", name=Phase.POSTOPERATIVE, value=f"after {surgery.name}{when}", spans=surgery.spans)
    # a request that goes with a surgery still to come (certified, not yet done) is postoperative, whatever earlier
    # operation of the region is past its period
    if treatment.postoperative and (surgery is None or certified_to_come(treatment, evidence)):
        return Fact(kind="phase", name=Phase.POSTOPERATIVE, value="the request accompanies a surgery")
    injury = case.dates.injury
    if injury is None or as_of is None:
        return Fact(kind="phase", name=Phase.UNKNOWN, value="the date of injury or of the UR decision is not known")
    weeks = (as_of - injury).days / 7
    phase = Phase.ACUTE if weeks <= ACUTE_WEEKS else Phase.SUBACUTE if weeks <= SUBACUTE_WEEKS else Phase.CHRONIC
    # a date of injury the record states (no case header gives it) is shown where it was read
    stated = [evidence.injury_span] if evidence.injury_span is not None else []
    return Fact(kind="phase", name=phase, value=f"{weeks:.0f} weeks after the injury", spans=stated)


_MORE_OF_THE_SAME = re.compile(
    r"\b(?:additional|continu\w+|further|extension|extended|more|repeat|remaining|ongoing|refills?|renewal|maintenance)\b"
    # a later injection of a series, however its first is to be given ("second lumbar ESI in two weeks", "3rd block")
    r"|\b(?:second|third|2nd|3rd|subsequent|follow[\s-]?up)\s+(?:[\w/-]+\s+){0,5}?(?:injections?|blocks?|[A-Z]*ESIs?)\b",
    re.IGNORECASE,
)
"""Words by which a request itself says the treatment has already been given ("additional physical therapy") or is to
follow an earlier one ("a second epidural injection"): a repeat, judged on the response to the earlier one (CPMTG p. 46:
no series of injections)."""
_FIRST_COURSE = re.compile(r"\b(?:initial|trial|first|new|start\w*|begin|initiat\w+)\b", re.IGNORECASE)


def drug_facts(treatment: Treatment, evidence: Evidence) -> list[Fact]:
    """Medication facts naming the requested drug (any of its names; a combination product and its active drug are
    the same drug)."""
    generic = treatment.generic or treatment.name
    return evidence.of_kind("medication", lambda name: same_drug(name, generic))


def drug_in_use_facts(treatment: Treatment, evidence: Evidence) -> list[Fact]:
    """Mentions of the requested drug that show the worker taking it: asserted, and neither the prescription being
    written at the visit the record reports nor a course taken and finished before; or a plan to go on with it
    ("Plan: continue gabapentin")."""
    return [f for f in drug_facts(treatment, evidence) if shows_use(f)]


@lru_cache(maxsize=1024)
def _treatment_name(request: str) -> str:
    """The normalised name of what a request asks for."""
    return parse_request(request).name


def _whole_request_disputed(treatment: Treatment) -> bool:
    """Whether the disputed item is the original request itself (the letter's "leaving the original request IMR
    eligible"), not the remainder left after the authorized part: its words hold the original request's."""
    disputed, original = treatment.disputed, treatment.original_request
    if not (disputed and original):
        return False
    return " ".join(original.lower().split()).rstrip(".") in " ".join(disputed.lower().split())


def asks_for_more(treatment: Treatment) -> bool:
    """Whether the request itself says it continues a course ("additional", "more", "extension")."""
    return bool(_MORE_OF_THE_SAME.search(treatment.original_request or treatment.text))


_STRENGTH_IN_PERCENT = re.compile(r"\s*\(?\d{1,2}(?:\.\d+)?\s?%")
"""A strength in percent after a drug's name: an ingredient of a cream, gel or compound ("gabapentin 10%")."""
_TOPICAL_BEFORE = re.compile(r"\b(?:topical|transdermal|compounded)\s+$", re.IGNORECASE)
"""A word before a drug's name that makes it the topical form ("topical ketoprofen")."""


def _in_a_topical_product(fact: Fact, evidence: Evidence) -> bool:
    """Whether a medication mention names a drug as the ingredient of a topical product (its strength in percent after
    it, "topical" before it), not the drug taken by mouth."""
    if not fact.spans:
        return False
    span = fact.spans[0]
    text = evidence.document_texts.get(span.document_id, "")
    return bool(_STRENGTH_IN_PERCENT.match(text, span.end) or _TOPICAL_BEFORE.search(text, max(0, span.start - 30), span.start))


_BEFORE_SURGERY = re.compile(
    r"\b(?:pre[\s-]?op(?:erative(?:ly)?)?|pre[\s-]?surg(?:ical|ery)|(?:before|prior\s+to)\s+(?:the\s+|his\s+|her\s+|their\s+)?"
    r"(?:\w+\s+){0,2}?(?:surgery|operation|procedure))\b",
    re.IGNORECASE,
)
"""Words by which the record places care before an operation ("pre-operative therapy", "PT prior to surgery")."""
_THEN_OPERATED = re.compile(
    r"^(?!.*\b(?:after|since|following|post|status\s+post|s/p)\b)[^.;]*"
    r"\b(?:underwent|undergo(?:es|ing)?|went\s+on\s+to|proceeded|(?:was|were)\s+(?:then\s+)?(?:taken|referred)\s+(?:to|for)"
    r"|then|subsequently|eventually|ultimately|led\s+to|leading\s+to)\b[^.;]*$",
    re.IGNORECASE,
)
"""What stands between care and the operation named after it when the care came first: a word telling the operation
as what followed ("After therapy and injections failed, he underwent a decompression", "then had the repair"), and no
word that puts the care after it ("12 PT visits since his TKA"); a heading that names the operation the care is for
("PT progress report - L TKA") tells no order."""


def given_before_surgery(fact: Fact, evidence: Evidence, surgery: Fact) -> bool:
    """Whether the record places a course of care before `surgery` (a performed surgery of its region): a sentence of
    it that says nothing of the time after an operation (`AFTER_SURGERY`) tells it as pre-operative, dates it before
    the operation, or names it ahead of the operation with no word that puts it after (`_THEN_OPERATED`: "After failing
    therapy and injections, he underwent a decompression"). Such care led to the operation; it is no postoperative
    course (Postsurgical Treatment Guidelines: the initial course starts after the surgery)."""
    texts = evidence.document_texts
    for placed in evidence.sentences_of(fact):
        text, sentence = placed.sentence.text, placed.sentence
        if AFTER_SURGERY.search(text):
            continue
        if _BEFORE_SURGERY.search(text):
            return True
        dates = find_event_dates(text)
        if surgery.date is not None and dates and all(last_day(d.date, d.precision) < surgery.date for d in dates):
            return True
        if any(
            span.document_id == placed.span.document_id
            and placed.span.end <= span.start < sentence.end
            and _THEN_OPERATED.match(texts[span.document_id][placed.span.end : span.start])
            for span in surgery.spans
        ):
            return True
    return False


def line_of(treatment: Treatment, evidence: Evidence, family: list[str], after_surgery: bool = False) -> Fact:
    """Whether a request starts a treatment or continues one, as a fact whose value is a `Line`.

    A drug continues when the record shows the worker taking it (not the prescription written at the visit the record
    reports, a drug a note's plan names, nor a course taken and finished before); a therapy or procedure continues
    when the record shows a course of it given (`family`: the prior-treatment names that count), or when the request
    asks for more of it. The record saying it was never given, or the request calling it initial or new, makes it a first course.
    When the claims administrator authorized part of the request (the same treatment, less of it), the disputed
    remainder continues the authorized part; when the whole original request stays disputed, the authorized part is
    that request cut down, not an earlier course, and the record decides. With `after_surgery`, a course the record
    places before the latest surgery of the request's region (`given_before_surgery`) is not counted; without it, a
    course the record gives only to other body regions makes the request a first course for its own. Silence is
    `Line.UNKNOWN`."""
    request = treatment.original_request or treatment.text
    authorized = treatment.authorized
    if authorized and _treatment_name(authorized) == treatment.name and not _whole_request_disputed(treatment):
        return Fact(kind="line", name=Line.CONTINUATION, value=f"it continues the authorized {authorized}")
    if treatment.kind is TreatmentKind.DRUG:
        facts = drug_facts(treatment, evidence)
        first = [f for f in facts if f.value == FIRST_PRESCRIPTION]
        if first:
            return Fact(kind="line", name=Line.INITIAL, value="a new prescription", spans=first[0].spans)
        in_use = drug_in_use_facts(treatment, evidence)
        if treatment.route != "topical":
            # gabapentin in a cream is not gabapentin taken by mouth: its topical form does not make a request for the
            # drug by mouth a continuation
            in_use = [f for f in in_use if not _in_a_topical_product(f, evidence)]
        if in_use:
            return Fact(kind="line", name=Line.CONTINUATION, value="the worker already takes it", spans=in_use[0].spans)
        now = [f for f in facts if f.value == PRESCRIBED_NOW or f.status == FactStatus.PLANNED]
        if now:
            return Fact(kind="line", name=Line.INITIAL, value="it is prescribed at this visit", spans=now[0].spans)
    else:
        # a course for another body region is not this one's ("PT for the back; none yet for the shoulder")
        told = [f for f in evidence.mentions(family) if f.kind == "prior_treatment" and f.experiencer == "patient"]
        here = [f for f in told if same_body_region(f.body_parts, treatment.body_parts)]
        surgery = last_surgery_of_region(treatment, evidence) if after_surgery else None
        prior = [f for f in here if surgery is None or not given_before_surgery(f, evidence, surgery)]
        given = [f for f in prior if f.status == FactStatus.PRESENT]
        if given:
            return Fact(kind="line", name=Line.CONTINUATION, value="a course of it has been given", spans=given[0].spans)
        never = [f for f in prior if f.status == FactStatus.ABSENT]
        if never:
            return Fact(kind="line", name=Line.INITIAL, value="the record says it has not been given", spans=never[0].spans)
        if asks_for_more(treatment):
            return Fact(kind="line", name=Line.CONTINUATION, value="the request asks for more of it")
        elsewhere = [f for f in told if f.status == FactStatus.PRESENT and f not in here]
        if elsewhere and all(f.status != FactStatus.PRESENT for f in here):
            # the record accounts for the care given, all of it to other body regions: a body part added to the claim,
            # or injured with others but not yet treated, starts its own course (CPMTG Physical Medicine: the visits
            # are those of the condition treated)
            value = "the record shows it given only for another body region"
            return Fact(kind="line", name=Line.INITIAL, value=value, spans=elsewhere[0].spans)
    if _FIRST_COURSE.search(request):
        return Fact(kind="line", name=Line.INITIAL, value="the request asks for a first course")
    if treatment.kind is TreatmentKind.DRUG:
        return Fact(kind="line", name=Line.INITIAL, value="the record does not show the worker taking it")
    return Fact(kind="line", name=Line.UNKNOWN, value="the record does not say whether a course has been given")


_ACCOMPANYING = {
    TreatmentKind.DME: None,
    TreatmentKind.THERAPY: frozenset({"physical medicine", "home health"}),
    TreatmentKind.LAB: frozenset({"laboratory", "diagnostic testing"}),
    TreatmentKind.DRUG: frozenset({"anticoagulant", "antiemetic"}),
}
"""Kinds of service (and, where given, their categories or drug classes) that go with a surgery: equipment,
postoperative therapy and home care, preoperative tests, anticoagulants (prophylaxis of venous thrombosis) and
antiemetics (post-operative nausea and vomiting, ODG Pain: ondansetron, promethazine). Other drugs, injections and
other therapies are left as the record frames them."""


_FOR_A_CERTIFIED_SURGERY = frozenset({TreatmentKind.DME, TreatmentKind.LAB, TreatmentKind.DRUG})
"""Kinds of service that, asked for while a surgery of their region is certified and still to come, are for it
(equipment, preoperative tests, thrombosis prophylaxis; therapy may come before the surgery too)."""


def certified_to_come(treatment: Treatment, evidence: Evidence) -> bool:
    """Whether the record says a surgery of the request's body region was certified and it has not been done."""
    performed = {f.name for f in surgeries_performed(evidence)}
    return any(
        f.value == ProcedureEvent.CERTIFIED and f.name not in performed and same_body_region(f.body_parts, treatment.body_parts)
        for f in evidence.procedure_events(_surgical_procedures())
    )


def _prescribed_for_surgery(treatment: Treatment, evidence: Evidence, new_supply: bool = False) -> bool:
    """Whether the record prescribes or plans the requested drug for the pain after an operation: a sentence naming
    it, as taken or planned, or the lead-in of the list it is an item of ("Post-op medications:"), speaks of the time
    after the surgery (with `new_supply`, not a sentence about the drug in use before: "he continued his Norco after
    the surgery" carries a long-term drug through it)."""
    texts = evidence.document_texts
    return any(
        AFTER_SURGERY.search(placed.sentence.text)
        or AFTER_SURGERY.search(list_lead_in(texts[placed.span.document_id], placed.span.start))
        for fact in drug_facts(treatment, evidence)
        if fact.status in (FactStatus.PRESENT, FactStatus.PLANNED)
        and not (new_supply and fact.value in (ONGOING_USE, PAST_COURSE))
        for placed in evidence.sentences_of(fact)
    )


def supply_for_surgery(treatment: Treatment, evidence: Evidence) -> bool:
    """Whether a drug request is a supply for the pain after an operation: the request says so ("for post-op pain",
    "Associated surgical service: ...") or goes with a surgery still to come, or the record prescribes, plans or asks
    for the drug for the time after the surgery ("Plan: Norco for two weeks following surgery", "Percocet requested
    for post-operative pain"), in a sentence that does not speak of it in use before. A worker on long-term opioids
    who has surgery is given such a supply for the operation's pain (DWC Opioids 2016 §1.4): its use begins with the
    surgery, while a refill of the long-term drug carried through the operation does not."""
    return treatment.postoperative or _prescribed_for_surgery(treatment, evidence, new_supply=True)


def _opioid_for_surgery_to_come(treatment: Treatment, evidence: Evidence, certified: list[list[str]]) -> bool:
    """Whether an opioid is asked for the pain of a surgery certified and still to come: the record prescribes it for
    after the operation (DWC Opioids 2016, opioids for post-operative pain: a short course from the surgery, whatever
    opioid the worker took before it)."""
    return (
        treatment.kind is TreatmentKind.DRUG
        and treatment.drug_class == "opioid"
        and any(same_body_region(parts, treatment.body_parts) for parts in certified)
        and _prescribed_for_surgery(treatment, evidence)
    )


def with_surgery_items(treatments: list[Treatment], evidence: Evidence) -> list[Treatment]:
    """The requests, each service that goes with a surgery made postoperative when it names the surgery it is for, when
    the same case requests a surgery of its body region (or it names none), or, for equipment, tests and
    anticoagulants, when the record says such a surgery was certified and it has not been done: a cold therapy unit or
    a knee brace asked for with a knee arthroscopy goes with the arthroscopy and is necessary only if the arthroscopy
    is. An opioid the record prescribes for after a certified surgery still to come is for that surgery too."""
    requested = [t.body_parts for t in treatments if t.kind is TreatmentKind.SURGERY and not t.postoperative]
    performed = {f.name for f in surgeries_performed(evidence)}
    certified = [
        f.body_parts
        for f in evidence.procedure_events(_surgical_procedures())
        if f.value == ProcedureEvent.CERTIFIED and f.name not in performed
    ]
    result = []
    for treatment in treatments:
        surgeries = requested + (certified if treatment.kind in _FOR_A_CERTIFIED_SURGERY else [])
        accompanies = not treatment.postoperative and (
            (
                _goes_with_surgery(treatment)
                and (
                    treatment.surgery is not None
                    or any(same_body_region(parts, treatment.body_parts) for parts in surgeries)
                )
            )
            or _opioid_for_surgery_to_come(treatment, evidence, certified)
        )
        result.append(treatment.model_copy(update={"postoperative": True}) if accompanies else treatment)
    return result


def _goes_with_surgery(treatment: Treatment) -> bool:
    if treatment.kind not in _ACCOMPANYING:
        return False
    categories = _ACCOMPANYING[treatment.kind]
    return categories is None or treatment.category in categories or treatment.drug_class in categories


@dataclass(frozen=True)
class Primary:
    """The surgery a dependent service accompanies: an item of the same case (`item`, 0-based) or a surgery the record
    says was certified or performed (`fact`), or neither (both None)."""

    item: int | None = None
    fact: Fact | None = None


def primary_of(index: int, treatments: list[Treatment], dependent: list[bool], evidence: Evidence) -> Primary:
    """The surgery item `index` depends on: a surgery item of the same case that is the surgery the service names, or
    names the same body part (else the first surgery item), or a surgery of the same body part the record says was
    certified or performed, else denied (the one the service names, when it is among them)."""
    treatment = treatments[index]
    surgeries = [
        i for i, t in enumerate(treatments) if i != index and not dependent[i] and t.kind is TreatmentKind.SURGERY
    ]
    named = [i for i in surgeries if treatments[i].name == treatment.surgery]
    same_part = [i for i in surgeries if same_body_region(treatments[i].body_parts, treatment.body_parts)]
    if named or same_part or surgeries:
        return Primary(item=(named or same_part or surgeries)[0])
    principal = _surgical_procedures()
    events = [
        f
        for f in evidence.procedure_events(principal)
        if f.value in (ProcedureEvent.CERTIFIED, ProcedureEvent.PERFORMED, ProcedureEvent.DENIED)
        and same_body_region(f.body_parts, treatment.body_parts)
    ]
    events = [f for f in events if f.name == treatment.surgery] or events
    # a surgery denied counts only when none was certified or performed (a denial may be followed by a certification)
    settled = [f for f in events if f.value != ProcedureEvent.DENIED] or events
    if not settled:
        return Primary()
    # the most definitive procedure named, the latest of equals ("laminectomy and fusion certified" is a fusion;
    # "surgery" is the least specific name)
    return Primary(fact=min(reversed(settled), key=lambda f: principal[f.name]))
