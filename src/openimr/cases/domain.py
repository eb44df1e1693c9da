"""The vocabulary of the IMR workflow: case states, roles, document and outcome kinds, who is acting, case numbers.

These enums are the domain's, not the API's: the services, the rules (eligibility, deadlines, reviewers), the store and
the API schemas all speak them. `Decision` and `Priority` are the review engine's and live in `openimr.model`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CaseState(StrEnum):
    """Where a case stands in the IMR workflow (domain.md §A.5-A.10)."""

    RECEIVED = "received"
    """The application has been filed and not yet screened."""
    SCREENED = "screened"
    """Screened by the AD's initial review (9792.10.3); the outcome says eligible, ineligible or deferred."""
    ASSIGNED = "assigned"
    """Assigned to a reviewer; the Notice of Assignment and Request for Information has gone out (9792.10.4)."""
    RECORDS_COMPLETE = "records_complete"
    """The claims administrator's records have been received (9792.10.5); the determination clock runs."""
    IN_REVIEW = "in_review"
    """With the review engine and the reviewer."""
    DRAFTED = "drafted"
    """The engine's draft exists; the reviewer may edit any item."""
    SIGNED = "signed"
    """The assigned reviewer has signed the determination; no more edits."""
    ISSUED = "issued"
    """The Final Determination Letter has been issued; it is immutable."""
    WITHDRAWN = "withdrawn"
    """The application was withdrawn before a determination was issued; nothing more happens to it."""
    CONSOLIDATED = "consolidated"
    """Merged into another case about the same UR decision (9792.10.4(a)); its items and documents are there."""


class ScreeningOutcome(StrEnum):
    """Result of eligibility screening (9792.10.3)."""

    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    DEFERRED = "deferred"
    """A liability dispute is pending (9792.10.3(d)): the case may be screened again once it is resolved."""


class UserRole(StrEnum):
    """Who may do what: intake files and screens, admin also assigns and manages, a reviewer works their own cases."""

    INTAKE = "intake"
    REVIEWER = "reviewer"
    ADMIN = "admin"


class UrServiceMethod(StrEnum):
    """How the written UR determination was served on the employee (CCP 1013 adds 5 days for mail)."""

    MAIL = "mail"
    ELECTRONIC = "electronic"
    PERSONAL = "personal"


class NoticeMethod(StrEnum):
    """How the Notice of Assignment and Request for Information was sent (9792.10.5(a)(1))."""

    MAIL = "mail"
    ELECTRONIC = "electronic"


class Filer(StrEnum):
    """Who filed the application (9792.10.1(b)(2)): only the employee side may request IMR."""

    EMPLOYEE = "employee"
    ATTORNEY = "attorney"
    GUARDIAN = "guardian"
    DESIGNEE = "designee"


class UrOutcome(StrEnum):
    """What UR did with the item. Only medical-necessity denials, modifications and delays are IMR-eligible."""

    DENIED = "denied"
    MODIFIED = "modified"
    DELAYED = "delayed"
    CONDITIONAL_NON_CERTIFICATION = "conditional_non_certification"


class DocumentType(StrEnum):
    """Kind of a case document."""

    UR_DECISION = "ur_decision"
    APPLICATION_FORM = "application_form"
    MEDICAL_RECORD = "medical_record"
    PROGRESS_REPORT = "progress_report"
    CLINICAL_SUMMARY = "clinical_summary"
    CORRESPONDENCE = "correspondence"
    EXPEDITED_CERTIFICATION = "expedited_certification"
    """The treating physician's certification of an imminent and serious threat (converts a review to expedited)."""
    OTHER = "other"


class OcrState(StrEnum):
    """Where the OCR of a scanned upload stands (a document with nothing to read by OCR has none)."""

    PENDING = "pending"
    """Stored, its pages without text not read yet: a job of the queue reads them; drafting waits for it."""
    DONE = "done"
    FAILED = "failed"
    """OCR found no text or could not run: the document is kept, without text for the engine (the error is audited)."""


class AffiliationKind(StrEnum):
    """Kinds of affiliation a reviewer declares."""

    EMPLOYER = "employer"
    INSURER = "insurer"
    CLAIMS_ADMINISTRATOR = "claims_administrator"
    TREATING_PROVIDER = "treating_provider"
    FACILITY = "facility"
    MANUFACTURER = "manufacturer"
    OTHER = "other"


class Recipient(StrEnum):
    """The parties a Final Determination Letter is sent to."""

    EMPLOYEE = "employee"
    EMPLOYER = "employer"
    CLAIMS_ADMINISTRATOR = "claims_administrator"
    REQUESTING_PHYSICIAN = "requesting_physician"


@dataclass(frozen=True)
class Actor:
    """Who is calling: a user's name, role and, for a reviewer, their reviewer id; `user_id` None for the command line."""

    name: str
    role: UserRole
    reviewer_id: int | None = None
    user_id: int | None = None


def case_number(case_id: int) -> str:
    """The public number of a case."""
    return f"IMR-{case_id:07d}"
