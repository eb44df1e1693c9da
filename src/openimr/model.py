"""The typed models every openimr stage speaks: documents and spans, case files, treatments, facts, criteria,
citations and determinations.

These are the project's contracts. Stages talk to each other only through them, and the JSON forms of
`Case` (the case file) and `Determination` (what `imr review --format json` prints) are public.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import AliasChoices, BaseModel, ConfigDict, Field


class _Model(BaseModel):
    """Base for all models: unknown fields are errors, values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Decision(StrEnum):
    """The reviewer's decision on one disputed item."""

    UPHELD = "Upheld"
    """The UR denial or modification stands: the item is not medically necessary."""
    OVERTURNED = "Overturned"
    """The item is medically necessary."""


class Priority(StrEnum):
    """Review type of an IMR application; read without regard to case ("standard" is `STANDARD`)."""

    STANDARD = "Standard"
    EXPEDITED = "Expedited"

    @classmethod
    def _missing_(cls, value: object) -> Priority | None:
        if isinstance(value, str):
            wanted = value.strip().casefold()
            return next((member for member in cls if member.value.casefold() == wanted), None)
        return None


class Span(_Model):
    """A stretch of a document's text that a fact or criterion rests on (character offsets, end exclusive)."""

    document_id: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str


class Document(_Model):
    """One document of a case file or one letter: its text and where it came from."""

    id: str
    type: str = "record"
    date: dt.date | None = None
    text: str = ""
    path: str | None = None
    page_offsets: list[int] = Field(default_factory=list, description="Character offset where each page starts.")
    ocr_pages: list[int] = Field(default_factory=list, description="Pages (from 0) whose text was read by OCR from an image.")


class Citation(_Model):
    """One guideline citation, as in a letter's "MAXIMUS guideline" line.

    Example: "MTUS Chronic Pain Medical Treatment 2016, Section(s): Muscle relaxants (for pain)" is
    `mtus=True, guideline="Chronic Pain Medical Treatment", edition="2016", sections=["Muscle relaxants (for pain)"]`.
    """

    mtus: bool
    source: str = Field(description='Family of the guideline: "MTUS", "ACOEM", "ODG", or the named non-MTUS source.')
    guideline: str = Field(default="", description='Guideline part, e.g. "Low Back Complaints".')
    edition: str | None = Field(default=None, description='Year or edition, e.g. "2004", "2009", "2016".')
    sections: list[str] = Field(default_factory=list)
    pages: str | None = Field(default=None, description='Page range as written, e.g. "63-66".')
    text: str = Field(default="", description="The citation as written.")


class Reviewer(_Model):
    """The expert reviewer's qualifications as a letter states them."""

    licensure: list[str] = Field(default_factory=list, description="States of licensure.")
    specialties: list[str] = Field(default_factory=list, description="Board certifications / specialties.")
    subspecialty: str | None = None


class CriterionStatus(StrEnum):
    """Whether the record satisfies one guideline criterion."""

    MET = "met"
    NOT_MET = "not_met"
    INSUFFICIENT = "insufficient"


class CriterionRole(StrEnum):
    """Where a criterion stands in its topic's decision path."""

    REQUIREMENT = "requirement"
    """Every path needs it (e.g. the request states its quantity)."""
    INDICATION = "indication"
    """One of the criteria of an indication: all of an indication's criteria together justify the treatment."""
    EXCLUSION = "exclusion"
    """When met, it vetoes the treatment whatever else holds (e.g. radicular findings for a facet block)."""


class CriterionOverride(_Model):
    """A physician reviewer's change of a criterion's status: what the engine had, and why the reviewer differs."""

    engine_status: CriterionStatus
    note: str = ""


class CriterionResult(_Model):
    """One guideline criterion evaluated against the record: the rule, its status, and the spans it rests on."""

    id: str
    text: str
    status: CriterionStatus
    evidence: list[Span] = Field(default_factory=list)
    note: str = ""
    role: CriterionRole = CriterionRole.REQUIREMENT
    indication: str | None = Field(default=None, description="Id of the indication the criterion belongs to.")
    silent: bool = Field(default=False, description="The record says nothing on it; the status is what silence means here.")
    override: CriterionOverride | None = Field(
        default=None, description="Set when the reviewer overrode the engine: `status` is then the reviewer's."
    )


class IndicationResult(_Model):
    """One indication of a topic (a set of criteria that together justify the treatment) evaluated against the record."""

    id: str
    text: str
    status: CriterionStatus
    missing: list[str] = Field(default_factory=list, description="Ids of its criteria that are not met.")


class Precedent(_Model):
    """A past decided item similar to a drafted one: which letter, when, what was asked, how it was decided, and why it
    was found (the matched passage, with the matched words between square brackets)."""

    case_number: str | None = None
    date: dt.date | None = Field(default=None, description="Decision date of the past letter.")
    item: str = Field(description="The past item's request as its letter states it.")
    decision: Decision
    snippet: str = ""
    score: float = Field(description="Similarity: higher is closer (full-text rank, larger for the same topic).")


class ItemDetermination(_Model):
    """The decision on one disputed item, with what it rests on."""

    request: str = Field(description="The item exactly as the letter states it (for a modified request, the whole label).")
    decision: Decision
    original_request: str | None = None
    authorized: str | None = Field(default=None, description="The part the claims administrator authorized.")
    disputed: str | None = Field(default=None, description="The remaining IMR-eligible portion.")
    claims_administrator_guideline: str | None = None
    maximus_guideline: str | None = Field(default=None, description='The "MAXIMUS guideline" line as written.')
    citations: list[Citation] = Field(default_factory=list)
    rationale: str = ""
    topic: str | None = Field(default=None, description="Knowledge-base topic the engine decided under.")
    category: str | None = Field(default=None, description="Treatment category, for statistics.")
    criteria: list[CriterionResult] = Field(default_factory=list)
    indications: list[IndicationResult] = Field(default_factory=list)
    indication: str | None = Field(
        default=None, description="The indication met (Overturned), or the nearest one and what it lacks (Upheld)."
    )
    depends_on: int | None = Field(
        default=None, description="Number (1-based) of the item this one depends on, e.g. the surgery a service accompanies."
    )
    phase: str | None = Field(default=None, description="Phase of care: acute, subacute, chronic or postoperative.")
    line: str | None = Field(default=None, description="Line of treatment: initial (a first trial) or continuation.")
    flags: list[str] = Field(default_factory=list, description="Things a reviewer must look at, e.g. 'no topic'.")
    precedents: list[Precedent] = Field(
        default_factory=list, description="Most similar past items of the corpus (drafts only; empty without a corpus)."
    )
    precedent_summary: str | None = Field(
        default=None, description='One line on the similar past items, e.g. "40 similar past items: 12% overturned".'
    )


class Determination(_Model):
    """A Final Determination Letter as structured data: header, reviewer, case summary and items."""

    case_number: str | None = None
    date_assigned: dt.date | None = None
    date_of_injury: dt.date | None = None
    decision_date: dt.date | None = None
    ur_denial_date: dt.date | None = None
    application_received: dt.date | None = None
    notice_of_assignment_date: dt.date | None = Field(
        default=None, description="When the Notice of Assignment and Request for Information went out (2013 letters state it)."
    )
    priority: Priority | None = None
    reviewer: Reviewer = Field(default_factory=Reviewer)
    summary: str = ""
    items: list[ItemDetermination] = Field(default_factory=list)
    layout: str | None = Field(default=None, description="Letter layout it was read from or is written in.")
    source: str | None = Field(default=None, description="File the letter was read from.")
    engine_version: str | None = None
    knowledge_version: str | None = None


class Organization(_Model):
    """The Independent Medical Review Organization that issues letters: its name, address and signatory."""

    name: str = Field(default="openimr Independent Medical Review Organization", min_length=1)
    short_name: str = Field(
        default="IMRO",
        pattern=r"^[A-Z][A-Za-z0-9&-]{0,39}$",
        description='One word labelling the organization\'s guideline line ("IMRO guideline:"), capitalised.',
    )
    address: list[str] = Field(default_factory=list, description="Address lines.")
    phone: str | None = None
    signatory: str | None = Field(default=None, description='Who signs for the organization, e.g. "Medical Director".')


class Addressee(_Model):
    """A party the letter is sent to, as its address block prints."""

    role: str = Field(description='"Injured Worker", "Employer", "Claims Administrator" or "Requesting Physician".')
    name: str
    address: list[str] = Field(default_factory=list)


class Signature(_Model):
    """The expert reviewer's electronic signature; the reviewer's identity stays confidential (domain.md §A.9)."""

    signed_on: dt.date
    signer: str = "Expert Reviewer"


class Letter(_Model):
    """A Final Determination Letter as sent to the parties: the determination with its letterhead, addressees,
    identifiers, signature block and appeal rights. Unsigned, it is a draft."""

    organization: Organization = Field(default_factory=Organization)
    addressees: list[Addressee] = Field(default_factory=list)
    claim_number: str | None = None
    employee: str | None = Field(default=None, description="The injured worker as the letter names them.")
    signature: Signature | None = Field(default=None, description="None while the letter is a draft.")
    determination: Determination


class CaseDates(_Model):
    """The dates of a case file that the rules use."""

    injury: dt.date | None = None
    ur_decision: dt.date | None = None
    application_received: dt.date | None = None
    assigned: dt.date | None = None


class Patient(_Model):
    """What a case file says of the injured worker (no identifiers)."""

    age: int | None = Field(default=None, ge=0, le=120)
    sex: str | None = None


class Coding(_Model):
    """A standard code an item was requested with, as received: system URI, code and display (a FHIR Coding)."""

    system: str = Field(min_length=1, description='Code system URI, e.g. "http://www.ama-assn.org/go/cpt".')
    code: str = Field(min_length=1)
    display: str | None = None


class DisputedItem(_Model):
    """One disputed item of a case file, as the application and UR decision state it."""

    request: str = Field(min_length=1)
    ur_guideline: str | None = Field(default=None, description="What the claims administrator's UR decision cited.")
    original_request: str | None = None
    authorized: str | None = None
    codes: list[Coding] = Field(
        default_factory=list, description="Standard codes the item was requested with (CPT, HCPCS, RxNorm, NDC), as received."
    )
    sequence: int | None = Field(
        default=None, ge=1, description="The item's number in the request it came from (FHIR Claim.item.sequence)."
    )


class RequestSource(_Model):
    """The prior-authorization request a case was imported from (a FHIR Da Vinci PAS Claim), so that a response can
    answer it. References and identifiers only: never a name or a member id."""

    claim: str = Field(description='The Claim as the requester knows it: "Claim/<id>" or its Bundle fullUrl.')
    identifier_system: str | None = None
    identifier: str | None = Field(default=None, description="The Claim's identifier (PAS: the requester's trace number).")
    claim_type: str = Field(default="professional", description="Claim.type code (claim-type code system).")
    patient: str = Field(description='Reference to the patient, e.g. "Patient/<id>".')
    insurer: str | None = Field(default=None, description='Reference to the insurer, e.g. "Organization/<id>".')
    provider: str | None = Field(default=None, description="Reference to the requesting provider.")
    created: dt.date | None = Field(default=None, description="When the request was created.")


class Case(_Model):
    """A case file: what a reviewer sees before deciding. Only `disputed_items` and one document are required; a
    request not yet sent (`imr check`, `POST /check`) may name its items `planned_items` instead."""

    case_number: str | None = None
    priority: Priority = Priority.STANDARD
    dates: CaseDates = Field(default_factory=CaseDates)
    patient: Patient = Field(default_factory=Patient)
    documents: list[Document] = Field(min_length=1)
    disputed_items: list[DisputedItem] = Field(
        min_length=1, validation_alias=AliasChoices("disputed_items", "planned_items")
    )
    source_request: RequestSource | None = Field(
        default=None, description="The prior-authorization request (FHIR PAS Claim) the case was imported from."
    )


class TreatmentKind(StrEnum):
    """Broad kind of a requested treatment."""

    DRUG = "drug"
    IMAGING = "imaging"
    ELECTRODIAGNOSTIC = "electrodiagnostic"
    THERAPY = "therapy"
    INJECTION = "injection"
    DME = "dme"
    PROGRAM = "program"
    CONSULTATION = "consultation"
    SURGERY = "surgery"
    LAB = "lab"
    PSYCHOLOGICAL = "psychological"
    OTHER = "other"


class Ingredient(_Model):
    """One ingredient of a compounded product."""

    name: str
    generic: str | None = None
    percent: float | None = None


class Treatment(_Model):
    """A disputed item parsed into what it asks for."""

    text: str
    kind: TreatmentKind
    name: str = Field(description="Normalised name: drug generic, procedure or therapy name.")
    brand: str | None = None
    generic: str | None = None
    drug_class: str | None = None
    strength: str | None = None
    quantity: int | None = None
    quantity_unknown: bool = False
    frequency: str | None = None
    refills: int | None = None
    sessions: int | None = None
    sessions_per_week: str | None = None
    weeks: str | None = None
    body_parts: list[str] = Field(default_factory=list)
    laterality: str | None = None
    levels: list[str] = Field(default_factory=list)
    ingredients: list[Ingredient] = Field(default_factory=list)
    retrospective: bool = False
    date_of_service: dt.date | None = None
    original_request: str | None = None
    authorized: str | None = None
    disputed: str | None = None
    category: str | None = Field(
        default=None, description='Finer grouping: drug subclass or procedure category, e.g. "spinal injection".'
    )
    route: str | None = Field(default=None, description='Route of a drug: "oral", "topical", "transdermal", ...')
    long_acting: bool = Field(
        default=False,
        description='An extended-release or long-acting form of a drug, by its name ("OxyContin", "MS Contin", '
        '"Butrans") or the form the request writes after it ("oxycodone ER", "morphine sulfate extended-release").',
    )
    amount: str | None = Field(default=None, description='Package amount of a cream, gel or liquid as written, e.g. "240g".')
    duration: str | None = Field(
        default=None, description='Supply, rental or stay length as written, e.g. "3 months", "14 days".'
    )
    postoperative: bool = Field(
        default=False,
        description='Asked for with a surgery, before or after it ("Associated surgical service: ...", "pre-op labs", '
        '"post-op PT"): it depends on the surgery.',
    )
    surgery: str | None = Field(
        default=None,
        description='The surgery a service names as the one it is for ("assistant surgeon for the right carpal tunnel '
        'release", "cold therapy unit after shoulder arthroscopy"): its procedure lexicon name.',
    )


class FactStatus(StrEnum):
    """Assertion status of a fact found in the record (ConText: negation, uncertainty, hypothetical, planned)."""

    PRESENT = "present"
    ABSENT = "absent"
    UNCERTAIN = "uncertain"
    HYPOTHETICAL = "hypothetical"
    """A condition, not a statement of fact: "if radiculopathy is present"."""
    PLANNED = "planned"
    """An order, plan or pending action, not yet done: "a urine drug screen will be obtained"."""


class DatePrecision(StrEnum):
    """How much of a date the text gave ("3/2/2016", "3/2016", "2016")."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"


def last_day(date: dt.date, precision: DatePrecision) -> dt.date:
    """The latest day a date of `precision` can stand for: the last day of its month or year ("in 2014" may be as late
    as 2014-12-31)."""
    if precision is DatePrecision.YEAR:
        return dt.date(date.year, 12, 31)
    if precision is DatePrecision.MONTH:
        following = dt.date(date.year + date.month // 12, date.month % 12 + 1, 1)
        return following - dt.timedelta(days=1)
    return date


class Fact(_Model):
    """A fact extracted from the record, with the spans it was read from."""

    kind: str = Field(description='What the fact is about, e.g. "medication", "finding", "functional_improvement".')
    name: str = Field(description='The thing itself, e.g. "muscle spasm", "tramadol".')
    status: FactStatus = FactStatus.PRESENT
    value: str | None = None
    date: dt.date | None = Field(default=None, description="The date the record gives for it (the first day of a month or year).")
    date_precision: DatePrecision = Field(
        default=DatePrecision.DAY,
        description='How much of `date` the record gave: "since 2014" is 2014-01-01 to the year, so it may be as late as '
        "2014-12-31; durations are counted from the latest day it can be where that is enough to decide.",
    )
    spans: list[Span] = Field(default_factory=list)
    treatments: list[str] = Field(
        default_factory=list,
        description="The treatments the fact is about, as its sentence names them: drug generics, procedure names, drug "
        'classes, or "medications" for the medications as a whole (e.g. functional improvement "with physical therapy").',
    )
    body_parts: list[str] = Field(default_factory=list, description="Body parts the fact's clause names (lexicon names).")
    historical: bool = Field(default=False, description='Past history ("history of lumbar fusion"): still true of the worker.')
    experiencer: str = Field(default="patient", description='Whom the fact is about: "patient" or "other" (family history).')
    cue: str | None = Field(default=None, description='The words that set the assertion status, e.g. "denies".')
    rule: str | None = Field(default=None, description="The ConText rule that set it (category and pattern).")

    @property
    def last_date(self) -> dt.date | None:
        """The latest day `date` can stand for (`last_day`): time since it counted from here is at least that long."""
        return last_day(self.date, self.date_precision) if self.date is not None else None

    @property
    def date_text(self) -> str:
        """The date as the record gave it, for a rationale ("on 03/02/2016", "in 03/2016", "in 2016"; "" when undated)."""
        if self.date is None:
            return ""
        if self.date_precision is DatePrecision.YEAR:
            return f"in {self.date:%Y}"
        if self.date_precision is DatePrecision.MONTH:
            return f"in {self.date:%m/%Y}"
        return f"on {self.date:%m/%d/%Y}"
