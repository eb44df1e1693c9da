"""Reading scanned uploads by OCR off the request path.

An upload with pages to read by OCR is checked and stored at once (`ocr_state` pending, no text yet) and queues the
case's OCR job in the same transaction (`IntakeService.add_document`). A worker takes the job and reads each of the
case's pending documents from the store, outside any transaction; each one's text, page offsets and OCR pages are
written (and audited) only while it is still pending, so a job taken over by another worker writes nothing twice. A
document OCR cannot read (no text found, tesseract missing or failing) is kept, marked failed, with the error in the
audit trail. Drafting waits while any document of its case is pending (`DraftingService.run`).
"""

from __future__ import annotations

import logging

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from openimr.cases.context import ServiceContext
from openimr.cases.domain import Actor, OcrState, UserRole, case_number
from openimr.cases.jobs import Claim, JobQueue, JobState
from openimr.cases.store import DocumentRow
from openimr.errors import OpenIMRError
from openimr.model import Document

log = logging.getLogger(__name__)

READER = Actor("OCR reader", UserRole.ADMIN)
"""Who the audit trail names for what the OCR job did."""


def _pending(case_id: int) -> ColumnElement[bool]:
    """The case's documents that wait for their OCR."""
    return (DocumentRow.case_id == case_id) & (DocumentRow.ocr_state == OcrState.PENDING.value)


def ocr_pending(session: Session, case_id: int) -> bool:
    """Whether a document of the case still waits for its OCR."""
    return bool(session.scalar(select(exists().where(_pending(case_id)))))


class ReadingService:
    """The OCR job of a case: its scanned uploads read and their text stored."""

    def __init__(self, context: ServiceContext, queue: JobQueue) -> None:
        self.context = context
        self.queue = queue

    def run(self, claim: Claim) -> None:
        """Read the claimed case's pending documents by OCR and settle the job (retried later on any other error)."""
        number = case_number(claim.case_id)
        try:
            with self.context.sessions() as session:
                query = select(DocumentRow.id, DocumentRow.media_type).where(_pending(claim.case_id))
                pending = session.execute(query.order_by(DocumentRow.created_at)).all()
            for document_id, media_type in pending:
                try:
                    self._store(document_id, self.context.documents.read_by_ocr(document_id, media_type))
                except OpenIMRError as error:
                    self._store(document_id, error)
        except Exception as error:  # the database may be down: retried, then the documents are marked failed
            log.warning("OCR of %s failed (attempt %d): %s", number, claim.attempt, type(error).__name__)
            self._settle(claim, f"{type(error).__name__}: {error}"[:2000])
            return
        self._settle(claim, None)

    def _store(self, document_id: str, read: Document | OpenIMRError) -> None:
        """Store what OCR made of a document still pending: its text, or its failure (audited either way)."""
        with self.context.transaction(f"document {document_id}") as session:
            row = session.get(DocumentRow, document_id)
            if row is None or row.ocr_state != OcrState.PENDING.value:
                return
            if isinstance(read, OpenIMRError):
                row.ocr_state = OcrState.FAILED.value
                outcome = {"document_id": row.id, "error": str(read)}
                self.context.audit(session, READER, "document not read by OCR", row.case_id, None, outcome)
                return
            row.text = self.context.documents.seal_text(read.text)
            row.page_offsets, row.ocr_pages, row.ocr_state = read.page_offsets, read.ocr_pages, OcrState.DONE.value
            self.context.audit(
                session, READER, "document read by OCR", row.case_id, None, {"document_id": row.id, "ocr_pages": read.ocr_pages}
            )

    def _settle(self, claim: Claim, error: str | None) -> None:
        """Done; or, after an error, retried later or failed with the case's pending documents marked failed."""
        with self.context.transaction(case_number(claim.case_id)) as session:
            job = self.queue.holds(session, claim)
            if job is None:
                return
            if error is None:
                self.queue.finish(job, JobState.DONE)
            elif not self.queue.retry_later(job, error):
                self.queue.finish(job, JobState.FAILED, error)
                for row in session.scalars(select(DocumentRow).where(_pending(claim.case_id))):
                    row.ocr_state = OcrState.FAILED.value
                    outcome = {"document_id": row.id, "error": error}
                    self.context.audit(session, READER, "document not read by OCR", row.case_id, None, outcome)
