"""Cases: filing, listing, reading, the workflow steps before the draft (screen, assign, records complete), the audit trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Response

from openimr.api.deps import Caller, CaseId, ServicesDep
from openimr.api.responses import json_model
from openimr.cases.domain import CaseState, ScreeningOutcome
from openimr.cases.schemas import (
    Application,
    AssignRequest,
    AuditEntry,
    CandidateView,
    CaseView,
    ConsolidateRequest,
    ExpediteRequest,
    FilingResult,
    ScreeningRequest,
    Withdrawal,
)
from openimr.model import Priority

router = APIRouter()


@router.post(
    "/cases",
    status_code=201,
    response_model=FilingResult,
    tags=["cases"],
    responses={200: {"description": "A duplicate, linked to its case; or the correction of an ineligible case."}},
)
def file_application(application: Application, caller: Caller, services: ServicesDep) -> Response:
    """File an IMR application (intake, admin). A duplicate returns 200 with the existing case it was linked to; a
    refiling of an application screened ineligible returns 200 with that case corrected, to be screened again."""
    result = services.intake.file_application(application, caller)
    return json_model(result, 200 if result.duplicate or result.corrected else 201)


@router.put("/cases/{case_id}/application", tags=["cases"])
def correct_application(case_id: CaseId, application: Application, caller: Caller, services: ServicesDep) -> CaseView:
    """Correct an application screened ineligible (intake, admin): it replaces the one filed and the case goes back to
    received, to be screened again."""
    return services.intake.correct(case_id, application, caller)


@router.post("/cases/{case_id}/withdraw", tags=["workflow"])
def withdraw(case_id: CaseId, withdrawal: Withdrawal, caller: Caller, services: ServicesDep) -> CaseView:
    """Withdraw an application with no issued determination (intake, admin)."""
    return services.intake.withdraw(case_id, withdrawal.reason, caller)


@router.get("/cases/{case_id}/candidates", tags=["workflow"])
def candidates(case_id: CaseId, caller: Caller, services: ServicesDep) -> list[CandidateView]:
    """Every reviewer of the pool for this case, acceptable or with each reason not (admin)."""
    return services.assignment.candidates(case_id, caller)


@router.get("/cases", tags=["cases"])
def list_cases(
    caller: Caller,
    services: ServicesDep,
    state: CaseState | None = None,
    priority: Priority | None = None,
    reviewer_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    screening_outcome: ScreeningOutcome | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> list[CaseView]:
    """Cases, newest first, filtered; a reviewer sees only the cases assigned to them."""
    return services.cases.search(caller, state, priority, reviewer_id, screening_outcome, limit, offset)


@router.get("/cases/{case_id}", tags=["cases"], response_model=CaseView)
def get_case(case_id: CaseId, caller: Caller, services: ServicesDep) -> Response:
    """One case."""
    return json_model(services.cases.get(case_id, caller))


@router.post("/cases/{case_id}/screen", tags=["workflow"])
def screen_case(
    case_id: CaseId, caller: Caller, services: ServicesDep, request: Annotated[ScreeningRequest | None, Body()] = None
) -> CaseView:
    """Screen for eligibility (intake, admin): eligible, ineligible with reasons, or deferred."""
    return services.screening.screen(case_id, request or ScreeningRequest(), caller)


@router.post("/cases/{case_id}/assign", tags=["workflow"])
def assign(
    case_id: CaseId, caller: Caller, services: ServicesDep, request: Annotated[AssignRequest | None, Body()] = None
) -> CaseView:
    """Assign a reviewer (admin): the one named, if qualified and without conflict, or the least-loaded acceptable."""
    return services.assignment.assign(case_id, request or AssignRequest(), caller)


@router.post("/cases/{case_id}/records-complete", tags=["workflow"])
def complete_records(case_id: CaseId, caller: Caller, services: ServicesDep) -> CaseView:
    """The claims administrator's records are in (intake, admin): start the determination clock and draft."""
    return services.drafting.complete_records(case_id, caller)


@router.post("/cases/{case_id}/expedite", tags=["workflow"])
def expedite(case_id: CaseId, request: ExpediteRequest, caller: Caller, services: ServicesDep) -> CaseView:
    """Convert a standard review to expedited on the physician's certification (intake, admin): deadlines move up."""
    return services.expediting.expedite(case_id, request, caller)


@router.post("/cases/{case_id}/consolidate", tags=["workflow"])
def consolidate(case_id: CaseId, request: ConsolidateRequest, caller: Caller, services: ServicesDep) -> CaseView:
    """Consolidate other eligible applications about the same UR decision into this case (intake, admin)."""
    return services.consolidation.consolidate(case_id, request, caller)


@router.get("/cases/{case_id}/audit", tags=["cases"])
def audit_trail(case_id: CaseId, caller: Caller, services: ServicesDep) -> list[AuditEntry]:
    """The case's append-only audit log."""
    return services.cases.audit_trail(case_id, caller)
