"""The one place where stored rows become what the rest of openimr reads: the API views, the engine's `Case`, and the
`Letter` that is issued."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openimr.cases.domain import OcrState, case_number
from openimr.cases.errors import NothingToRead
from openimr.cases.letter import addressees, final_item
from openimr.cases.schemas import Application, CaseView, DocumentView, ItemView, Parties, ReviewerProfile
from openimr.cases.store import ApplicationRow, CaseRow, DocumentRow, DraftRow, ItemRow, JobRow, ReviewerRow
from openimr.cases.uploads import DocumentStore
from openimr.model import (
    Case,
    CaseDates,
    Decision,
    Determination,
    DisputedItem,
    Document,
    Letter,
    Organization,
    Patient,
    Priority,
    Reviewer,
    Signature,
)


class ItemFields(Protocol):
    """What an item's view is made of: an `ItemRow`, or a row of `ITEM_FIELDS` read without the ORM."""

    position: int
    request: str
    ur_outcome: str
    ur_guideline: str | None
    original_request: str | None
    authorized: str | None
    excluded_reason: str | None
    decision: str | None
    rationale: str | None
    guideline: str | None
    criteria_overrides: dict[str, Any] | None
    version: int


ITEM_FIELDS = tuple(getattr(ItemRow, name) for name in ItemFields.__annotations__)
"""The columns of `ItemFields`, to select."""


def item_view(item: ItemFields) -> ItemView:
    """A disputed item as the API shows it."""
    return ItemView(
        position=item.position,
        request=item.request,
        ur_outcome=item.ur_outcome,
        ur_guideline=item.ur_guideline,
        original_request=item.original_request,
        authorized=item.authorized,
        excluded_reason=item.excluded_reason,
        decision=Decision(item.decision) if item.decision else None,
        rationale=item.rationale,
        guideline=item.guideline,
        criteria_overrides=item.criteria_overrides or {},
        version=item.version,
    )


class DocumentFields(Protocol):
    """What a document's view is made of: a `DocumentRow`, or the columns of one just written."""

    id: str
    type: str
    date: dt.date | None
    filename: str | None
    media_type: str
    size: int
    sha256: str
    page_offsets: list[Any] | None
    ocr_pages: list[Any] | None
    ocr_state: str | None
    uploaded_by: str
    created_at: dt.datetime


def document_view(row: DocumentFields) -> DocumentView:
    """A stored document's metadata (never its text)."""
    return DocumentView(
        id=row.id,
        type=row.type,
        date=row.date,
        filename=row.filename,
        media_type=row.media_type,
        size=row.size,
        sha256=row.sha256,
        page_offsets=row.page_offsets or [],
        ocr_pages=row.ocr_pages or [],
        ocr_state=OcrState(row.ocr_state) if row.ocr_state else None,
        uploaded_by=row.uploaded_by,
        created_at=row.created_at,
    )


def case_documents(session: Session, case_id: int) -> list[DocumentRow]:
    """A case's documents in the order they arrived."""
    return list(session.scalars(select(DocumentRow).where(DocumentRow.case_id == case_id).order_by(DocumentRow.created_at)))


def case_view(session: Session, case: CaseRow) -> CaseView:
    """A case with its items, documents and count of duplicate applications."""
    duplicates = session.scalar(select(func.count()).where(ApplicationRow.case_id == case.id, ApplicationRow.duplicate.is_(True)))
    drafting = session.scalar(select(JobRow.state).where(JobRow.case_id == case.id, JobRow.kind == "draft"))
    return case_view_of(case, [document_view(d) for d in case_documents(session, case.id)], duplicates or 0, drafting)


class CaseFields(Protocol):
    """What a case's view is made of: a `CaseRow`, or the columns of a case just written (`written_case`)."""

    id: int
    state: str
    screening_outcome: str | None
    screening_reasons: list[Any]
    priority: str
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
    consolidated_into: int | None
    signed_at: dt.datetime | None
    signed_by: str | None
    issued_at: dt.datetime | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def items(self) -> Sequence[ItemFields]: ...


def written_case(case_id: int, columns: dict[str, Any], items: list[dict[str, Any]]) -> CaseFields:
    """A case just inserted, from the columns written (those not given are NULL), without the ORM: what its view and
    its audit snapshot are made of."""
    item_nulls = dict.fromkeys(ItemFields.__annotations__)
    written = [SimpleNamespace(**item_nulls | item) for item in items]
    return SimpleNamespace(**dict.fromkeys(CaseFields.__annotations__) | columns | {"id": case_id, "items": written})


def case_view_of(case: CaseFields, documents: list[DocumentView], duplicates: int, drafting: str | None) -> CaseView:
    """A case's view from its row (with its items), its documents, its count of duplicate applications and the state of
    its drafting job."""
    return CaseView(
        id=case.id,
        case_number=case_number(case.id),
        state=case.state,
        screening_outcome=case.screening_outcome,
        screening_reasons=list(case.screening_reasons),
        priority=Priority(case.priority),
        worker_id=case.worker_id,
        claim_number=case.claim_number,
        injury_date=case.injury_date,
        ur_decision_date=case.ur_decision_date,
        application_received=case.application_received,
        reviewer_id=case.reviewer_id,
        assigned_at=case.assigned_at,
        notice_method=case.notice_method,
        records_due=case.records_due,
        records_received_at=case.records_received_at,
        determination_due=case.determination_due,
        drafting_error=case.drafting_error,
        consolidated_into=case.consolidated_into,
        drafting=drafting,
        signed_at=case.signed_at,
        signed_by=case.signed_by,
        issued_at=case.issued_at,
        duplicate_applications=duplicates,
        version=case.version,
        created_at=case.created_at,
        updated_at=case.updated_at,
        items=[item_view(i) for i in case.items],
        documents=documents,
    )


@dataclass(frozen=True)
class EngineInput:
    """The case file the engine reads, and the positions of the stored items its disputed items stand for."""

    case: Case
    positions: list[int]


def document_texts(session: Session, case_id: int, store: DocumentStore) -> list[tuple[DocumentRow, str]]:
    """The case's documents in the order they arrived, each with its extracted text (decrypted)."""
    return [(row, store.open_text(row.text, row.id)) for row in case_documents(session, case_id)]


def engine_case(session: Session, case: CaseRow, store: DocumentStore) -> EngineInput:
    """The `openimr.model.Case` a reviewer sees: documents with text, the disputed items not excluded, the dates.

    Raises `NothingToRead` when no document has text."""
    included = [item for item in case.items if item.excluded_reason is None]
    application = Application.model_validate(case.application)
    documents = [
        Document(id=d.id, type=d.type, date=d.date, text=text, page_offsets=d.page_offsets or [], ocr_pages=d.ocr_pages or [])
        for d, text in document_texts(session, case.id, store)
    ]
    documents = [d for d in documents if d.text.strip()]
    if not documents:
        raise NothingToRead("the case has no document with text for the engine to read", case_number(case.id))
    engine_case = Case(
        case_number=case_number(case.id),
        priority=Priority(case.priority),
        dates=CaseDates(
            injury=case.injury_date,
            ur_decision=case.ur_decision_date,
            application_received=case.application_received,
            assigned=case.assigned_at.date() if case.assigned_at else None,
        ),
        patient=Patient.model_validate(application.patient.model_dump()),
        documents=documents,
        disputed_items=[
            DisputedItem(
                request=i.request, ur_guideline=i.ur_guideline, original_request=i.original_request, authorized=i.authorized
            )
            for i in included
        ],
    )
    return EngineInput(engine_case, [item.position for item in included])


def latest_draft(session: Session, case_id: int) -> DraftRow | None:
    """The case's most recent draft, if any."""
    return session.scalar(select(DraftRow).where(DraftRow.case_id == case_id).order_by(DraftRow.id.desc()).limit(1))


def final_letter(
    case: CaseRow, draft: DraftRow, reviewer: ReviewerRow | None, decided: dt.date, organization: Organization
) -> Letter:
    """The letter as it stands: the engine's draft with the reviewer's decisions, rationales, guideline lines, criterion
    statuses and summary, the case's facts, its addressees, and the signature once the case is signed."""
    determination = Determination.model_validate(draft.determination)
    profile = ReviewerProfile.model_validate(reviewer.profile) if reviewer else None
    included = [item for item in case.items if item.excluded_reason is None]
    items = [
        final_item(drafted, item.decision, item.rationale, item.guideline, item.criteria_overrides)
        for drafted, item in zip(determination.items, included, strict=True)
    ]
    determination = determination.model_copy(
        update={
            "case_number": case_number(case.id),
            "date_assigned": case.assigned_at.date() if case.assigned_at else None,
            "decision_date": decided,
            "application_received": case.application_received,
            "ur_denial_date": case.ur_decision_date,
            "date_of_injury": case.injury_date,
            "priority": Priority(case.priority),
            "reviewer": Reviewer(licensure=profile.licensure, specialties=profile.board_certifications)
            if profile
            else Reviewer(),
            "summary": case.summary if case.summary is not None else determination.summary,
            "items": items,
        }
    )
    parties = Parties.model_validate(case.application.get("parties", {}))
    return Letter(
        organization=organization,
        addressees=addressees(parties, case.worker_id),
        claim_number=case.claim_number,
        employee=parties.employee or case.worker_id,
        signature=Signature(signed_on=case.signed_at.date()) if case.signed_at else None,
        determination=determination,
    )
