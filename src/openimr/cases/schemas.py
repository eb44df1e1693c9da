"""The shapes the services accept and return: an IMR application, reviewer profiles, screening results, item edits, views.

They are validated at the edge (API and CLI) with pydantic: unknown fields, wrong types, NUL characters and
over-long text are refused with a message naming the field. Text is stored exactly as given (HTML included) and
escaped by whatever renders it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from openimr.cases.domain import (
    AffiliationKind,
    DocumentType,
    Filer,
    NoticeMethod,
    OcrState,
    Recipient,
    UrOutcome,
    UrServiceMethod,
    UserRole,
)
from openimr.model import CriterionStatus, Decision, Patient, Priority


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


EARLIEST_DATE = dt.date(1990, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


def _plausible(value: dt.date) -> dt.date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"must be between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}")
    return value


CaseDate = Annotated[dt.date, AfterValidator(_plausible)]
"""A date of the case (injury, UR decision, filing, a document): refused outside 1990-2100."""
Name = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_no_nul)]
"""A short label: a party, a reviewer, a claim number."""
Text = Annotated[str, StringConstraints(max_length=20_000), AfterValidator(_no_nul)]
"""A free-text field: a request, a rationale, a guideline line."""
DocumentText = Annotated[str, StringConstraints(max_length=2_000_000), AfterValidator(_no_nul)]
"""The text of a document given inline."""
Address = Annotated[str, StringConstraints(min_length=1, max_length=500), AfterValidator(_no_nul)]
"""A mailing address, its lines separated by newlines."""


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Parties(_Schema):
    """The parties a reviewer must have no material affiliation with (LC 139.5, domain.md §A.9), and the letter's
    addressees."""

    employee: Name | None = Field(default=None, description="The injured worker's name, as the letter addresses them.")
    employer: Name | None = None
    claims_administrator: Name | None = None
    insurer: Name | None = None
    requesting_physician: Name | None = Field(default=None, description="The treating provider who requested the treatment.")
    facility: Name | None = None
    manufacturers: list[Name] = Field(default_factory=list, max_length=20)
    addresses: dict[Recipient, Address] = Field(
        default_factory=dict, description="Mailing addresses of the letter's addressees, lines separated by newlines."
    )


class ApplicationDates(_Schema):
    """Dates the filing and eligibility rules use."""

    injury: CaseDate | None = None
    ur_decision: CaseDate = Field(description="Date of the written UR decision.")
    ur_served: CaseDate | None = Field(default=None, description="Date the UR decision was served; defaults to its date.")
    application_received: CaseDate | None = Field(default=None, description="Date the application was filed; defaults to today.")


class ApplicationItem(_Schema):
    """One disputed item as the application and UR decision state it."""

    request: Annotated[Text, StringConstraints(min_length=1)]
    ur_outcome: UrOutcome = UrOutcome.DENIED
    ur_guideline: Text | None = None
    original_request: Text | None = None
    authorized: Text | None = None


class InlineDocument(_Schema):
    """A document given as text in the application JSON (uploads go to the documents endpoint)."""

    type: DocumentType = DocumentType.MEDICAL_RECORD
    date: CaseDate | None = None
    text: DocumentText = Field(min_length=1)


class Application(_Schema):
    """An application for IMR (DWC Form IMR, 9792.10.2) with what eligibility screening and assignment need."""

    worker_id: Name = Field(description="Pseudonymous identifier of the injured worker.")
    claim_number: Name
    priority: Priority = Priority.STANDARD
    signed: bool = Field(description="The application bears the employee's (or filer's) signature.")
    filer: Filer = Filer.EMPLOYEE
    designation_signed: CaseDate | None = Field(default=None, description="For a designee: when the designation was signed.")
    ur_service_method: UrServiceMethod = UrServiceMethod.MAIL
    dates: ApplicationDates
    liability_disputed: bool = Field(default=False, description="The claims administrator asserts a liability dispute.")
    claims_administrator_agrees_eligible: bool = False
    formulary_dispute: bool = Field(
        default=False, description="A dispute over a drug under the MTUS Drug Formulary: due in 5 business days."
    )
    parties: Parties = Field(default_factory=Parties)
    patient: Patient = Field(default_factory=Patient)
    disputed_items: list[ApplicationItem] = Field(min_length=1, max_length=50)
    documents: list[InlineDocument] = Field(default_factory=list, max_length=20)


class Affiliation(_Schema):
    """A declared professional, familial or financial affiliation."""

    kind: AffiliationKind
    name: Name


class ReviewerProfile(_Schema):
    """A reviewer in the pool: licensure, board certifications, practice, affiliations (domain.md §A.9)."""

    name: Name
    licensure: list[Annotated[str, StringConstraints(min_length=2, max_length=2, pattern=r"^[A-Z]{2}$")]] = Field(
        min_length=1, max_length=60, description="US states of licensure (two-letter codes)."
    )
    license_restricted: bool = False
    disciplinary_history: bool = False
    board_certifications: list[Name] = Field(min_length=1, max_length=20, description="Board certifications / specialties.")
    years_in_practice: int = Field(ge=0, le=80)
    practice_hours_per_week: int = Field(ge=0, le=168)
    affiliations: list[Affiliation] = Field(default_factory=list, max_length=200)
    active: bool = True


class ScreeningRequest(_Schema):
    """Options for screening; the filing rule uses the application's receipt date."""

    liability_resolved: bool = Field(default=False, description="For a deferred case: the liability dispute has been resolved.")


class AssignRequest(_Schema):
    """Assign a reviewer: a named one, or the least-loaded qualified reviewer without a conflict."""

    reviewer_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    notice_method: NoticeMethod = NoticeMethod.ELECTRONIC


class CriterionEdit(_Schema):
    """A reviewer's status for one of the engine's criteria (by its id); no status returns it to the engine's."""

    id: Name
    status: CriterionStatus | None = None
    note: Text = ""


class ExpediteRequest(_Schema):
    """Convert a standard review to expedited on the treating physician's certification (9792.10.4(c))."""

    certification_document_id: str = Field(
        pattern=r"^[0-9a-f-]{36}$", description="The case document holding the physician's certification of a serious threat."
    )


class ConsolidateRequest(_Schema):
    """Consolidate other eligible applications of the same employee about the same UR decision into this case."""

    case_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(min_length=1, max_length=20)


class ItemEdit(_Schema):
    """A reviewer's change to one item of the draft; `version` is the item version the edit was made on."""

    version: int = Field(ge=0, le=2**31 - 1)
    decision: Decision | None = None
    rationale: Text | None = None
    guideline: Text | None = Field(
        default=None, description='The organization\'s guideline line the letter prints ("Decision based on MTUS ...").'
    )
    criteria: list[CriterionEdit] = Field(default_factory=list, max_length=200)


class SummaryEdit(_Schema):
    """The reviewer's Clinical Case Summary; `version` is the summary version the edit was made on."""

    version: int = Field(ge=1, le=2**31 - 1)
    summary: Text


class NewUser(_Schema):
    """A user to provision; a reviewer user is linked to a reviewer of the pool."""

    name: Name
    role: UserRole
    reviewer_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    token_expires_in_days: int | None = Field(
        default=None, ge=1, le=3650, description="Lifetime of the first token; default: the server's token lifetime."
    )


class NewToken(_Schema):
    """A further bearer token for a user (an admin for anyone, anyone else for themselves)."""

    user_id: int | None = Field(default=None, ge=1, le=2**31 - 1, description="Whose token; default: the caller's.")
    label: Name | None = None
    expires_in_days: int | None = Field(default=None, ge=1, le=3650, description="Default: the server's token lifetime.")


class TokenView(_Schema):
    """A bearer token's record (never the token): who it is for, when it expires or was revoked, when it was last used."""

    id: int
    user_id: int
    user: str
    label: str | None
    created_at: dt.datetime
    created_by: str
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    revoked_by: str | None
    last_used_at: dt.datetime | None = Field(description="Updated at most once a minute.")
    active: bool


class TokenCreated(TokenView):
    """A new token: `token` is shown this once; only its SHA-256 is stored."""

    token: str


class DocumentView(_Schema):
    """A stored document (its text is not returned in listings)."""

    id: str
    type: str
    date: dt.date | None
    filename: str | None
    media_type: str
    size: int
    sha256: str
    page_offsets: list[int] = Field(default_factory=list, description="Character offset where each page's text starts.")
    ocr_pages: list[int] = Field(default_factory=list, description="Pages (from 0) whose text was read by OCR.")
    ocr_state: OcrState | None = Field(
        default=None, description="A scanned upload's OCR: pending (read by a job; drafting waits), done or failed."
    )
    uploaded_by: str
    created_at: dt.datetime


class ItemView(_Schema):
    """A disputed item and its current decision; `version` is what an edit must quote."""

    position: int
    request: str
    ur_outcome: str
    ur_guideline: str | None
    original_request: str | None
    authorized: str | None
    excluded_reason: str | None
    decision: Decision | None
    rationale: str | None
    guideline: str | None = Field(description="The organization's guideline line, as the letter will print it.")
    criteria_overrides: dict[str, CriterionEdit] = Field(description="The reviewer's criterion statuses, by criterion id.")
    version: int = Field(description="0 before the draft, 1 for the engine's draft, one more for each edit (= revision).")


class CaseView(_Schema):
    """A case as the API returns it."""

    id: int
    case_number: str
    state: str
    screening_outcome: str | None
    screening_reasons: list[str]
    priority: Priority
    worker_id: str
    claim_number: str
    injury_date: dt.date | None
    ur_decision_date: dt.date
    application_received: dt.date
    reviewer_id: int | None
    assigned_at: dt.datetime | None
    notice_method: str | None
    records_due: dt.datetime | None
    records_received_at: dt.datetime | None
    determination_due: dt.datetime | None
    drafting_error: str | None
    consolidated_into: int | None = Field(default=None, description="The case this one was consolidated into.")
    drafting: str | None = Field(description="The drafting job: queued, running, done or failed (None before records complete).")
    signed_at: dt.datetime | None
    signed_by: str | None
    issued_at: dt.datetime | None
    duplicate_applications: int = Field(description="Later applications found to duplicate this case and linked to it.")
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    items: list[ItemView]
    documents: list[DocumentView]


class FilingResult(_Schema):
    """What filing an application did: a new case, the existing case it duplicates, or (`corrected`) the ineligible
    case it corrects, back to received to be screened again."""

    duplicate: bool
    corrected: bool = False
    case: CaseView


class Withdrawal(_Schema):
    """Why an application is withdrawn."""

    reason: Annotated[Text, StringConstraints(min_length=1)]


class CandidateView(_Schema):
    """A reviewer of the pool as a candidate for one case: acceptable, or every reason not."""

    id: int
    name: str
    open_cases: int
    acceptable: bool
    reasons: list[str]


class UserView(_Schema):
    """A user (never their token)."""

    id: int
    name: str
    role: UserRole
    reviewer_id: int | None
    created_at: dt.datetime


class RevisionView(_Schema):
    """One version of an item's decision, rationale, guideline line and criterion statuses; `revision` is the item
    version it made."""

    revision: int
    decision: Decision
    rationale: str
    guideline: str | None
    criteria_overrides: dict[str, CriterionEdit]
    author: str
    created_at: dt.datetime


class DraftView(_Schema):
    """The draft determination: the engine's original, its versions, and the items as they stand now."""

    case_id: int
    engine_version: str | None
    knowledge_version: str | None
    created_at: dt.datetime
    engine_determination: dict[str, object]
    summary: str = Field(description="The Clinical Case Summary as it stands (prefilled from a summary document).")
    summary_version: int
    items: list[ItemView]


class AuditEntry(_Schema):
    """One audit record."""

    id: int
    case_id: int | None
    at: dt.datetime
    actor: str
    action: str
    before: dict[str, object] | None
    after: dict[str, object] | None


class DeadlineEntry(_Schema):
    """A case waiting on a deadline."""

    case_id: int
    case_number: str
    state: str
    priority: Priority
    reviewer_id: int | None
    deadline: str
    due: dt.datetime
    overdue: bool


class ReviewerView(_Schema):
    """A reviewer of the pool with their open workload."""

    id: int
    profile: ReviewerProfile
    open_cases: int


class UserCreated(_Schema):
    """A provisioned user and their first bearer token (shown once; only its hash is stored)."""

    id: int
    name: str
    role: UserRole
    reviewer_id: int | None
    token: str
    token_id: int
    expires_at: dt.datetime | None
