"""The draft determination: drafting again, reading, editing items and the summary, revisions, preview, signing."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from openimr.api.deps import Caller, CaseId, Position, ServicesDep
from openimr.cases.schemas import CaseView, DraftView, ItemEdit, ItemView, RevisionView, SummaryEdit

router = APIRouter()


@router.post("/cases/{case_id}/draft", tags=["workflow"])
def redraft(case_id: CaseId, caller: Caller, services: ServicesDep) -> CaseView:
    """Run the engine again after a failed drafting (admin, assigned reviewer)."""
    return services.drafting.redraft(case_id, caller)


@router.get("/cases/{case_id}/draft", tags=["draft"], response_model=DraftView)
def get_draft(case_id: CaseId, caller: Caller, services: ServicesDep) -> Response:
    """The engine's draft with its versions, and the items as they stand."""
    return Response(services.drafts.get_json(case_id, caller), media_type="application/json")


@router.patch("/cases/{case_id}/draft/items/{position}", tags=["draft"])
def edit_item(case_id: CaseId, position: Position, edit: ItemEdit, caller: Caller, services: ServicesDep) -> ItemView:
    """Change an item's decision, rationale, guideline line or criterion statuses (assigned reviewer); quote the item's
    `version` (stale → 409)."""
    return services.drafts.edit_item(case_id, position, edit, caller)


@router.get("/cases/{case_id}/draft/items/{position}/revisions", tags=["draft"])
def item_revisions(case_id: CaseId, position: Position, caller: Caller, services: ServicesDep) -> list[RevisionView]:
    """Every version of an item, the engine's first; revision n is item version n."""
    return services.drafts.revisions(case_id, position, caller)


@router.put("/cases/{case_id}/draft/summary", tags=["draft"])
def edit_summary(case_id: CaseId, edit: SummaryEdit, caller: Caller, services: ServicesDep) -> DraftView:
    """Rewrite the Clinical Case Summary (assigned reviewer); quote the draft's `summary_version` (stale → 409)."""
    return services.drafts.edit_summary(case_id, edit, caller)


@router.get("/cases/{case_id}/draft/letter.pdf", tags=["draft"], response_class=Response)
def preview_pdf(case_id: CaseId, caller: Caller, services: ServicesDep) -> Response:
    """The letter as it would be issued now, marked DRAFT on every page until signed (admin, assigned reviewer)."""
    return Response(services.signing.preview(case_id, "pdf", caller), media_type="application/pdf")


@router.post("/cases/{case_id}/sign", tags=["workflow"])
def sign(case_id: CaseId, caller: Caller, services: ServicesDep) -> CaseView:
    """Sign the determination (the assigned reviewer only)."""
    return services.signing.sign(case_id, caller)
