"""Intake: filing applications (a new case, a duplicate linked to its case, or the correction of an ineligible one),
correcting and withdrawing them, and the case's documents.

An application screened ineligible can be corrected (the corrected application replaces it and the case goes back to
received, to be screened again), whether intake corrects it on the case or the filer files it again: a refiling that
matches an ineligible case corrects that case instead of being linked to it as a duplicate that could never be
screened."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from openimr.cases.context import ServiceContext, require, snapshot, visible_case
from openimr.cases.domain import Actor, CaseState, DocumentType, OcrState, ScreeningOutcome, UserRole, case_number
from openimr.cases.eligibility import duplicate_key
from openimr.cases.errors import AlreadyExists, NotFound, TransitionRefused
from openimr.cases.jobs import JobKind, JobQueue
from openimr.cases.mapping import CaseFields, case_view, case_view_of, document_view, written_case
from openimr.cases.schemas import Application, CaseView, DocumentView, FilingResult
from openimr.cases.statements import DriverStatement
from openimr.cases.store import ApplicationRow, CaseRow, DocumentRow, ItemRow
from openimr.cases.uploads import PreparedDocument, StoredDocument, declares_pdf


def display_name(filename: str | None) -> str | None:
    """An uploaded file's name as kept for display: control characters dropped, at most 255 characters."""
    if filename is None:
        return None
    return "".join(ch for ch in filename if ch.isprintable())[:255] or None


# Built once, so that SQLAlchemy reuses their compiled form. A new case's statements run on the driver's cursor.
_CASE_OF_KEY = select(CaseRow.id).where(CaseRow.duplicate_key == bindparam("key"))
_INSERT_CASE_UNLESS_KEY_TAKEN = {
    dialect.dialect.name: DriverStatement(
        dialect.insert(CaseRow).on_conflict_do_nothing(index_elements=[CaseRow.duplicate_key]).returning(CaseRow.id)
    )
    for dialect in (postgresql, sqlite)
}
"""By dialect: insert a case, or nothing (no row returned) when a case has its duplicate key."""
_INSERT_ITEM = DriverStatement(insert(ItemRow))
_INSERT_APPLICATION = DriverStatement(insert(ApplicationRow))
_INSERT_DOCUMENT = DriverStatement(insert(DocumentRow))


class IntakeService:
    """Filing and documents (a scanned upload's OCR queued on `queue`)."""

    def __init__(self, context: ServiceContext, queue: JobQueue) -> None:
        self.context = context
        self.queue = queue

    def file_application(self, application: Application, actor: Actor) -> FilingResult:
        """File an application: a new case, or, for a duplicate, the existing case with this application linked to it."""
        filing = self._prepare(application, actor)
        with self.context.keeping_documents(filing.document_ids) as pending:
            self.context.documents.write(filing.documents)
            filed = self.context.grouped("application", filing.work, pending)
        return self._result(filing, filed, actor)

    def file_application_soon(self, application: Application, actor: Actor, filed: asyncio.Future[Filed]) -> Filing:
        """`file_application` for a caller on an event loop, on one of its request threads: checks the application,
        writes its documents without syncing them and queues the filing for the next group commit, then returns; an
        error up to there is raised here. `filed` gets what the filing did, or its error, on its event loop once the
        group has ended (after its COMMIT; `ServiceContext.grouped_soon`, whose leader syncs the documents first);
        `answer` makes the caller's answer of it."""
        filing = self._prepare(application, actor)
        with self.context.keeping_documents(filing.document_ids) as pending:
            self.context.documents.write(filing.documents, sync=False)
            self.context.grouped_soon("application", filing.work, pending, filing.document_ids, filed)
        return filing

    def answer(self, filing: Filing, filed: Filed, actor: Actor) -> FilingResult | None:
        """The answer to a filing committed by `file_application_soon`, when it can be made from what was written (a new
        case: no I/O); None when it must be read (`read_answer`, in a thread)."""
        return self._result(filing, filed, actor) if filed.new is not None else None

    def read_answer(self, filing: Filing, filed: Filed, actor: Actor) -> FilingResult:
        """The answer to a filing committed by `file_application_soon` whose case must be read (it reads the database)."""
        return self._result(filing, filed, actor)

    def _prepare(self, application: Application, actor: Actor) -> Filing:
        """Check an application and its inline documents and make the rows to write, doing no I/O."""
        require(actor, UserRole.INTAKE, UserRole.ADMIN)
        received = application.dates.application_received or self.context.clock().date()
        application = application.model_copy(
            update={"dates": application.dates.model_copy(update={"application_received": received})}
        )
        key = _key(application)
        store = self.context.documents
        folder = store.folder_now()  # one folder for all, and for the filings synced with it: one folder to sync
        inline = [
            store.prepare(given.text.encode(), f"documents[{n}]", folder=folder) for n, given in enumerate(application.documents)
        ]
        fields = _case_fields(application, key, received)
        documents = [
            self._document_fields(prepared.document, given.type, given.date, None, actor)
            for prepared, given in zip(inline, application.documents, strict=True)
        ]

        def work(session: Session) -> Filed:
            return self._file_in(session, application, fields, documents, actor)

        return Filing(inline, documents, work)

    def _result(self, filing: Filing, filed: Filed, actor: Actor) -> FilingResult:
        """The answer to a filing once committed: a new case's view is what was written; another's is read."""
        if filed.new is not None:
            written = [document_view(SimpleNamespace(**d)) for d in filing.rows]
            view = case_view_of(filed.new, written, 0, None)
        else:
            with self.context.sessions() as session:  # read after the commit, outside the single writer's lock
                view = case_view(session, visible_case(session, filed.case_id, actor))
        return FilingResult(duplicate=filed.duplicate, corrected=filed.corrects, case=view)

    def _file_in(
        self, session: Session, application: Application, fields: dict[str, Any], documents: list[dict[str, Any]], actor: Actor
    ) -> Filed:
        """`_file`'s work, in the transaction given: the case is inserted unless its duplicate key is taken (no look-up
        first; a concurrent filing of the same application that inserted it first makes this one its duplicate)."""
        connection = session.connection()  # Core statements: the ORM's unit of work would only add work under the lock
        now = self.context.clock()
        row = {"state": CaseState.RECEIVED.value, **fields, "summary_version": 0, "version": 1}
        row |= {"created_at": now, "updated_at": now}
        inserted = _INSERT_CASE_UNLESS_KEY_TAKEN[connection.dialect.name].execute(connection, row)
        if inserted:
            return self._new_case(session, inserted[0][0], row, documents, actor)
        key, received = fields["duplicate_key"], fields["application_received"]
        existing = session.get(CaseRow, connection.scalar(_CASE_OF_KEY, {"key": key}))
        assert existing is not None
        corrects = _ineligible(existing)
        if corrects:
            self._replace(session, existing, application, key, received, actor, "corrected application refiled")
        now = self.context.clock()
        payload = fields["application"]
        session.add(
            ApplicationRow(case_id=existing.id, duplicate=not corrects, payload=payload, received_at=now, filed_by=actor.name)
        )
        session.add_all(DocumentRow(**d, case_id=existing.id) for d in documents)
        if not corrects:
            linked = {"documents": len(documents)}
            self.context.audit(session, actor, "duplicate application linked", existing.id, None, linked)
        session.flush()
        return Filed(existing.id, not corrects, corrects, None)

    def correct(self, case_id: int, application: Application, actor: Actor) -> CaseView:
        """Replace an ineligible case's application with a corrected one; the case goes back to received, to be screened
        again. A corrected application that is another case's duplicate is refused (409)."""
        require(actor, UserRole.INTAKE, UserRole.ADMIN)
        number = case_number(case_id)
        received = application.dates.application_received
        with self.context.transaction(number) as session:
            case = visible_case(session, case_id, actor)
            if not _ineligible(case):
                raise TransitionRefused("only an application screened ineligible can be corrected", number)
            key = _key(application)
            other = session.scalar(select(CaseRow).where(CaseRow.duplicate_key == key, CaseRow.id != case.id))
            if other is not None:
                raise AlreadyExists(f"the corrected application duplicates {case_number(other.id)}", number)
            self._replace(session, case, application, key, received or case.application_received, actor, "application corrected")
            session.add(
                ApplicationRow(
                    case_id=case.id,
                    duplicate=False,
                    payload=application.model_dump(mode="json", exclude={"documents"}),
                    received_at=self.context.clock(),
                    filed_by=actor.name,
                )
            )
            session.flush()
            return case_view(session, case)

    def _replace(
        self, session: Session, case: CaseRow, application: Application, key: str, received: dt.date, actor: Actor, action: str
    ) -> None:
        """Put a corrected application in place of an ineligible one: its facts, its items, and back to received."""
        for item in list(case.items):
            session.delete(item)
        session.flush()
        session.expire(case, ["items"])
        case.items = [ItemRow(**item) for item in _item_fields(application.model_dump(mode="json"))]
        self.context.move(
            session,
            actor,
            case,
            CaseState.RECEIVED,
            action,
            screening_outcome=None,
            **_case_fields(application, key, received),
        )

    def withdraw(self, case_id: int, reason: str, actor: Actor) -> CaseView:
        """Withdraw an application that has no issued determination; the reason is kept in the audit log."""
        require(actor, UserRole.INTAKE, UserRole.ADMIN)
        number = case_number(case_id)
        if not reason.strip():
            raise TransitionRefused("give the reason for the withdrawal", number)
        with self.context.transaction(number) as session:
            case = visible_case(session, case_id, actor)
            self.context.move(session, actor, case, CaseState.WITHDRAWN, "withdrawn")
            self.context.audit(session, actor, "withdrawal reason", case.id, None, {"reason": reason.strip()})
            session.flush()
            return case_view(session, case)

    def application(self, case_id: int, actor: Actor) -> Application:
        """The application as it stands on the case (the first filed, or its correction)."""
        require(actor, UserRole.INTAKE, UserRole.ADMIN)
        with self.context.sessions() as session:
            return Application.model_validate(visible_case(session, case_id, actor).application)

    def _new_case(
        self, session: Session, case_id: int, row: dict[str, Any], documents: list[dict[str, Any]], actor: Actor
    ) -> Filed:
        """Insert the items, application, documents and audit entry of the case just inserted (`row`); the case as
        written."""
        connection = session.connection()
        now = row["created_at"]
        items = [{**item, "case_id": case_id, "version": 0} for item in _item_fields(row["application"])]
        _INSERT_ITEM.execute_many(connection, items)
        filed = {"case_id": case_id, "duplicate": False, "payload": row["application"], "received_at": now}
        _INSERT_APPLICATION.execute(connection, filed | {"filed_by": actor.name})
        _INSERT_DOCUMENT.execute_many(connection, [{**d, "case_id": case_id} for d in documents])
        case = written_case(case_id, row, items)
        self.context.audit(session, actor, "case received", case_id, None, snapshot(case))
        return Filed(case_id, False, False, case)

    def _document_fields(
        self, stored: StoredDocument, type_: DocumentType, date: dt.date | None, filename: str | None, actor: Actor
    ) -> dict[str, Any]:
        """A document row's columns but its case."""
        return {
            "id": stored.id,
            "type": type_.value,
            "date": date,
            "filename": filename,
            "media_type": stored.media_type,
            "size": stored.size,
            "sha256": stored.sha256,
            "text": self.context.documents.seal_text(stored.text),
            "page_offsets": stored.page_offsets,
            "ocr_pages": stored.ocr_pages,
            "ocr_state": OcrState.PENDING.value if stored.ocr_pending else None,
            "uploaded_by": actor.name,
            "created_at": self.context.clock(),
        }

    def add_document(
        self,
        case_id: int,
        data: bytes,
        filename: str | None,
        type_: DocumentType,
        date: dt.date | None,
        actor: Actor,
        declared_media_type: str | None = None,
    ) -> DocumentView:
        """Upload a document to a case (before it is signed); its content is checked and stored under a new id. A scanned
        one is stored at once and read by OCR in a job of the queue (its `ocr_state` pending until then)."""
        require(actor, UserRole.INTAKE, UserRole.ADMIN)
        with self.context.sessions() as session:
            _open_for_documents(session, case_id, actor)
        declared_pdf = declares_pdf(filename, declared_media_type)
        stored = self.context.documents.save(data, filename or "upload", declared_pdf, ocr_later=True)
        with (
            self.context.keeping_documents([stored.id]) as pending,
            self.context.transaction(case_number(case_id), pending) as session,
        ):
            case = _open_for_documents(session, case_id, actor)
            row = DocumentRow(**self._document_fields(stored, type_, date, display_name(filename), actor), case_id=case.id)
            session.add(row)
            audited = {
                "document_id": stored.id,
                "type": type_.value,
                "media_type": stored.media_type,
                "sha256": stored.sha256,
            }
            self.context.audit(session, actor, "document added", case_id, None, audited)
            if stored.ocr_pending:
                self.queue.enqueue(session, JobKind.OCR, case.id, actor.name)
            return document_view(row)

    def document(self, case_id: int, document_id: str, actor: Actor) -> tuple[DocumentView, bytes]:
        """A document's metadata and bytes."""
        with self.context.sessions() as session:
            visible_case(session, case_id, actor)
            row = session.get(DocumentRow, document_id)
            if row is None or row.case_id != case_id:
                raise NotFound("no such document", f"case {case_id} document {document_id}")
            return document_view(row), self.context.documents.read(row.id)


def _key(application: Application) -> str:
    return duplicate_key(
        application.worker_id,
        application.claim_number,
        application.dates.ur_decision,
        [item.request for item in application.disputed_items],
    )


def _case_fields(application: Application, key: str, received: dt.date) -> dict[str, Any]:
    """What a case keeps of its application (a new one, or a correction)."""
    return {
        "screening_reasons": [],
        "priority": application.priority.value,
        "worker_id": application.worker_id,
        "claim_number": application.claim_number,
        "duplicate_key": key,
        "application": application.model_dump(mode="json", exclude={"documents"}),
        "injury_date": application.dates.injury,
        "ur_decision_date": application.dates.ur_decision,
        "application_received": received,
    }


def _item_fields(application: dict[str, Any]) -> list[dict[str, Any]]:
    """The item rows' columns (but their case) of an application as JSON (`Application.model_dump(mode="json")`)."""
    return [
        {
            "position": n,
            "request": item["request"],
            "ur_outcome": item["ur_outcome"],
            "ur_guideline": item.get("ur_guideline"),
            "original_request": item.get("original_request"),
            "authorized": item.get("authorized"),
        }
        for n, item in enumerate(application["disputed_items"], start=1)
    ]


@dataclass(frozen=True)
class Filing:
    """An application checked and ready to file: its documents (not yet written), their rows, and the work that files
    it in a transaction (`IntakeService._file_in`)."""

    documents: list[PreparedDocument]
    rows: list[dict[str, Any]]
    work: Callable[[Session], Filed]

    @property
    def document_ids(self) -> list[str]:
        """The ids of its documents."""
        return [prepared.document.id for prepared in self.documents]


@dataclass(frozen=True)
class Filed:
    """What one filing transaction did: its case, whether the application was a duplicate or a correction, and the new
    case as written (None unless the filing made one)."""

    case_id: int
    duplicate: bool
    corrects: bool
    new: CaseFields | None


def _ineligible(case: CaseRow) -> bool:
    return case.state == CaseState.SCREENED and case.screening_outcome == ScreeningOutcome.INELIGIBLE


def _open_for_documents(session: Session, case_id: int, actor: Actor) -> CaseRow:
    case = visible_case(session, case_id, actor)
    if case.state in (CaseState.SIGNED, CaseState.ISSUED, CaseState.WITHDRAWN):
        raise TransitionRefused(f"no documents can be added once the case is {case.state}", case_number(case_id))
    return case
