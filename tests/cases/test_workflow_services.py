"""The workflow's services called directly, on SQLite and PostgreSQL: screening, assignment, signing and issuing,
conversion to expedited and consolidation (the API tests drive the same services over HTTP)."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.conftest import synthetic_application

from openimr.cases.domain import Actor, CaseState, DocumentType, UserRole
from openimr.cases.errors import Forbidden, InvalidInput, NotFound, TransitionRefused
from openimr.cases.schemas import AssignRequest, ConsolidateRequest, ExpediteRequest, ReviewerProfile, ScreeningRequest
from openimr.cases.services import Services
from openimr.cases.worker import Worker
from openimr.model import Priority

ADMIN = Actor("admin", UserRole.ADMIN)
INTAKE = Actor("intake", UserRole.INTAKE)
RECORD = "Synthetic progress report: chronic low back pain; cyclobenzaprine daily for six months, no improvement."


def _reviewer(services: Services, name: str = "Dr Synthetic") -> Actor:
    profile = ReviewerProfile(
        name=name,
        licensure=["CA"],
        board_certifications=["Physical Medicine and Rehabilitation"],
        years_in_practice=10,
        practice_hours_per_week=40,
    )
    return Actor(name, UserRole.REVIEWER, reviewer_id=services.reviewers.add(profile, ADMIN).id)


def _filed(services: Services, worker: str, received: dt.date | None = None) -> int:
    received = received or dt.date.today()
    application = synthetic_application(
        worker,
        f"CLM-{worker}",
        ur_decision=(received - dt.timedelta(days=5)).isoformat(),
        received=received.isoformat(),
        record=RECORD,
    )
    return services.intake.file_application(application, INTAKE).case.id


def test_screening_records_the_outcome_and_a_late_application_is_ineligible_with_its_reason(services: Services) -> None:
    eligible = services.screening.screen(_filed(services, "w-on-time"), ScreeningRequest(), INTAKE)
    assert (eligible.state, eligible.screening_outcome, eligible.screening_reasons) == ("screened", "eligible", [])
    late = synthetic_application("w-late", "CLM-late", ur_decision="2026-01-05", received="2026-06-15")
    case = services.screening.screen(services.intake.file_application(late, INTAKE).case.id, ScreeningRequest(), INTAKE)
    assert case.screening_outcome == "ineligible" and case.screening_reasons[0].startswith("filed 2026-06-15, 126 day(s) after")
    with pytest.raises(Forbidden):
        services.screening.screen(case.id, ScreeningRequest(), Actor("r", UserRole.REVIEWER, reviewer_id=1))


def test_assignment_balances_the_workload_and_refuses_an_unscreened_case(services: Services) -> None:
    first, second = _reviewer(services, "Dr One"), _reviewer(services, "Dr Two")
    unscreened = _filed(services, "w-unscreened")
    with pytest.raises(TransitionRefused):
        services.assignment.assign(unscreened, AssignRequest(), ADMIN)
    chosen: list[int] = []
    for n in range(4):
        case_id = _filed(services, f"w-balance-{n}")
        services.screening.screen(case_id, ScreeningRequest(), INTAKE)
        assigned = services.assignment.assign(case_id, AssignRequest(), ADMIN)
        assert assigned.state == "assigned" and assigned.records_due is not None
        assert assigned.reviewer_id is not None
        chosen.append(assigned.reviewer_id)
    assert sorted(chosen) == sorted([first.reviewer_id, second.reviewer_id] * 2), "two cases each"


def _drafted(services: Services, worker: str) -> tuple[int, Actor]:
    reviewer = _reviewer(services)
    case_id = _filed(services, worker)
    services.screening.screen(case_id, ScreeningRequest(), INTAKE)
    services.assignment.assign(case_id, AssignRequest(reviewer_id=reviewer.reviewer_id), ADMIN)
    services.drafting.complete_records(case_id, INTAKE)
    assert Worker(services, "test-worker").run_once()
    assert services.cases.get(case_id, ADMIN).state == CaseState.DRAFTED
    return case_id, reviewer


def test_only_the_assigned_reviewer_signs_and_the_issued_letter_is_stored_once(services: Services) -> None:
    case_id, reviewer = _drafted(services, "w-sign")
    other = _reviewer(services, "Dr Other")
    with pytest.raises(Forbidden):
        services.signing.sign(case_id, ADMIN)
    with pytest.raises(NotFound):  # not their case: they do not even see it
        services.signing.sign(case_id, other)
    with pytest.raises(TransitionRefused):
        services.signing.issue(case_id, ADMIN)  # not signed yet
    signed = services.signing.sign(case_id, reviewer)
    assert signed.state == "signed" and signed.signed_by == reviewer.name
    issued = services.signing.issue(case_id, ADMIN)
    assert issued.state == "issued" and issued.issued_at is not None
    pdf, letter = services.signing.letter(case_id, "pdf", ADMIN), services.signing.letter(case_id, "json", ADMIN)
    assert pdf.startswith(b"%PDF-") and b'"items"' in letter.replace(b" ", b"")
    with pytest.raises(TransitionRefused):
        services.signing.issue(case_id, ADMIN)


def test_conversion_to_expedited_needs_the_certification_and_moves_the_deadline_up(services: Services) -> None:
    reviewer = _reviewer(services)
    case_id = _filed(services, "w-expedite")
    services.screening.screen(case_id, ScreeningRequest(), INTAKE)
    services.assignment.assign(case_id, AssignRequest(reviewer_id=reviewer.reviewer_id), ADMIN)
    standard = services.drafting.complete_records(case_id, INTAKE)
    assert standard.priority is Priority.STANDARD and standard.determination_due is not None
    report = next(d for d in standard.documents if d.type == DocumentType.PROGRESS_REPORT)
    with pytest.raises(InvalidInput):
        services.expediting.expedite(case_id, ExpediteRequest(certification_document_id=report.id), INTAKE)
    certification = services.intake.add_document(
        case_id,
        b"Synthetic certification of an imminent and serious threat.",
        "cert.txt",
        DocumentType.EXPEDITED_CERTIFICATION,
        None,
        INTAKE,
    )
    expedited = services.expediting.expedite(case_id, ExpediteRequest(certification_document_id=certification.id), INTAKE)
    assert expedited.priority is Priority.EXPEDITED
    assert expedited.determination_due is not None and expedited.determination_due < standard.determination_due
    with pytest.raises(TransitionRefused):
        services.expediting.expedite(case_id, ExpediteRequest(certification_document_id=certification.id), INTAKE)


def test_consolidation_moves_the_items_and_documents_to_one_case(services: Services) -> None:
    received = dt.date.today()
    ur = (received - dt.timedelta(days=5)).isoformat()
    ids = []
    for request in ("Cyclobenzaprine 7.5mg #90", "Tramadol ER 150mg #30"):
        application = synthetic_application("w-same", "CLM-same", request=request, ur_decision=ur, received=received.isoformat())
        case_id = services.intake.file_application(application, INTAKE).case.id
        services.screening.screen(case_id, ScreeningRequest(), INTAKE)
        ids.append(case_id)
    target, other = ids
    unrelated = _filed(services, "w-other")
    services.screening.screen(unrelated, ScreeningRequest(), INTAKE)
    with pytest.raises(InvalidInput):
        services.consolidation.consolidate(target, ConsolidateRequest(case_ids=[unrelated]), INTAKE)
    merged = services.consolidation.consolidate(target, ConsolidateRequest(case_ids=[other]), INTAKE)
    assert [item.request for item in merged.items] == ["Cyclobenzaprine 7.5mg #90", "Tramadol ER 150mg #30"]
    assert len(merged.documents) == 2
    gone = services.cases.get(other, ADMIN)
    assert gone.state == "consolidated" and gone.consolidated_into == target and gone.documents == []
