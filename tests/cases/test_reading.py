"""A scanned upload is stored at once and read by OCR in a job; drafting waits for it; a scan OCR cannot read is kept,
marked failed, and drafting goes on without it."""

from __future__ import annotations

import datetime as dt

from tests.conftest import add_reviewer, case_with_records, synthetic_application
from tests.documents.scans import scanned_pdf

from openimr.cases.domain import Actor, CaseState, DocumentType, UserRole
from openimr.cases.jobs import JobKind, JobState
from openimr.cases.schemas import AssignRequest, ConsolidateRequest, ScreeningRequest
from openimr.cases.services import Services
from openimr.cases.store import DocumentRow
from openimr.cases.worker import Worker

ADMIN = Actor("reading test", UserRole.ADMIN)


def _later(services: Services, seconds: float) -> None:
    now = services.context.clock() + dt.timedelta(seconds=seconds)
    services.context.clock = lambda: now


def test_drafting_waits_for_the_ocr_of_a_scanned_upload(services: Services) -> None:
    case = case_with_records(services, synthetic_application("w-scan", "c-scan", record="Low back pain."), ADMIN)
    upload = services.intake.add_document(case.id, scanned_pdf(), "fax.pdf", DocumentType.MEDICAL_RECORD, None, ADMIN)
    assert upload.ocr_state == "pending" and upload.ocr_pages == []
    with services.context.sessions() as session:
        assert session.get(DocumentRow, upload.id).text == "", "nothing is read on the request"
    drafting = services.queue.claim("drafter")
    assert drafting is not None and drafting.kind is JobKind.DRAFT
    services.drafting.run(drafting)
    with services.context.sessions() as session:
        job = services.queue.state_of(session, JobKind.DRAFT, case.id)
        assert job is not None and (job.state, job.attempts) == (JobState.QUEUED, 0), "put back, the attempt not counted"
    assert services.cases.get(case.id, ADMIN).state == CaseState.IN_REVIEW
    worker = Worker(services, "reader")
    assert worker.run_once(), "the OCR job runs while drafting waits"
    [read] = [d for d in services.cases.get(case.id, ADMIN).documents if d.id == upload.id]
    assert read.ocr_state == "done" and read.ocr_pages == [0, 1] and len(read.page_offsets) == 2
    with services.context.sessions() as session:
        text = services.context.documents.open_text(session.get(DocumentRow, upload.id).text, upload.id)
    assert "cyclobenzaprine" in text.lower()
    _later(services, 60)
    assert worker.run_once()
    assert services.cases.get(case.id, ADMIN).state == CaseState.DRAFTED
    actions = [e.action for e in services.cases.audit_trail(case.id, ADMIN)]
    assert "document read by OCR" in actions


def test_a_scan_ocr_finds_no_text_in_is_kept_and_marked_failed(services: Services) -> None:
    filed = services.intake.file_application(synthetic_application("w-blank", "c-blank", record="Low back pain."), ADMIN).case
    services.screening.screen(filed.id, ScreeningRequest(), ADMIN)
    blank = scanned_pdf([[]])
    upload = services.intake.add_document(filed.id, blank, "blank.pdf", DocumentType.OTHER, None, ADMIN)
    assert upload.ocr_state == "pending"
    assert Worker(services, "reader").run_once()
    [read] = [d for d in services.cases.get(filed.id, ADMIN).documents if d.id == upload.id]
    assert read.ocr_state == "failed"
    failed = [e for e in services.cases.audit_trail(filed.id, ADMIN) if e.action == "document not read by OCR"]
    assert len(failed) == 1 and "no text found" in str(failed[0].after)
    add_reviewer(services, ADMIN)
    services.assignment.assign(filed.id, AssignRequest(), ADMIN)
    services.drafting.complete_records(filed.id, ADMIN)
    assert Worker(services, "drafter").run_once()
    assert services.cases.get(filed.id, ADMIN).state == CaseState.DRAFTED, "drafted from the documents with text"


def test_a_scan_waiting_for_its_ocr_moves_with_a_consolidated_case_and_is_read_there(services: Services) -> None:
    ids = []
    for request in ("Cyclobenzaprine 7.5mg #90", "Tramadol ER 150mg #30"):
        application = synthetic_application("w-merge", "c-merge", request=request, record="Low back pain.")
        ids.append(services.intake.file_application(application, ADMIN).case.id)
        services.screening.screen(ids[-1], ScreeningRequest(), ADMIN)
    target, other = ids
    upload = services.intake.add_document(other, scanned_pdf(), "fax.pdf", DocumentType.MEDICAL_RECORD, None, ADMIN)
    services.consolidation.consolidate(target, ConsolidateRequest(case_ids=[other]), ADMIN)
    worker = Worker(services, "reader")
    while worker.run_once():  # the other case's OCR job finds nothing left there; the target's reads the scan
        pass
    [read] = [d for d in services.cases.get(target, ADMIN).documents if d.id == upload.id]
    assert read.ocr_state == "done"
