"""The Final Determination Letter: issuing it, and reading it back exactly as stored."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from openimr.api.deps import Caller, CaseId, ServicesDep
from openimr.cases.schemas import CaseView

router = APIRouter()


@router.post("/cases/{case_id}/issue", tags=["workflow"])
def issue(case_id: CaseId, caller: Caller, services: ServicesDep) -> CaseView:
    """Issue the signed determination as a Final Determination Letter (admin, assigned reviewer)."""
    return services.signing.issue(case_id, caller)


@router.get("/cases/{case_id}/letter.pdf", tags=["letters"], response_class=Response)
def letter_pdf(case_id: CaseId, caller: Caller, services: ServicesDep) -> Response:
    """The issued letter as PDF, exactly as stored at issue."""
    return Response(services.signing.letter(case_id, "pdf", caller), media_type="application/pdf")


@router.get("/cases/{case_id}/letter.json", tags=["letters"], response_class=Response)
def letter_json(case_id: CaseId, caller: Caller, services: ServicesDep) -> Response:
    """The issued letter as JSON (a `Letter`: the determination with its addressees, identifiers and signature),
    exactly as stored at issue."""
    return Response(services.signing.letter(case_id, "json", caller), media_type="application/json")
