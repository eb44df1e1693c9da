"""The draft determination: drafting again, reading, editing items, their revisions, signing."""

from __future__ import annotations

from fastapi import APIRouter

from openimr.api.deps import Caller, CaseId, Position, ServicesDep
from openimr.cases.schemas import CaseView, DraftView, ItemEdit, ItemView, RevisionView

router = APIRouter()


@router.post("/cases/{case_id}/draft", tags=["workflow"])
def redraft(case_id: CaseId, caller: Caller, services: ServicesDep) -> CaseView:
    """Run the engine again after a failed drafting (admin, assigned reviewer)."""
    return services.drafting.redraft(case_id, caller)


@router.get("/cases/{case_id}/draft", tags=["draft"])
def get_draft(case_id: CaseId, caller: Caller, services: ServicesDep) -> DraftView:
    """The engine's draft with its versions, and the items as they stand."""
    return services.drafts.get(case_id, caller)


@router.patch("/cases/{case_id}/draft/items/{position}", tags=["draft"])
def edit_item(case_id: CaseId, position: Position, edit: ItemEdit, caller: Caller, services: ServicesDep) -> ItemView:
    """Change an item's decision or rationale (assigned reviewer); quote the item's `version` (stale → 409)."""
    return services.drafts.edit_item(case_id, position, edit, caller)


@router.get("/cases/{case_id}/draft/items/{position}/revisions", tags=["draft"])
def item_revisions(case_id: CaseId, position: Position, caller: Caller, services: ServicesDep) -> list[RevisionView]:
    """Every version of an item, the engine's first."""
    return services.drafts.revisions(case_id, position, caller)


@router.post("/cases/{case_id}/sign", tags=["workflow"])
def sign(case_id: CaseId, caller: Caller, services: ServicesDep) -> CaseView:
    """Sign the determination (the assigned reviewer only)."""
    return services.signing.sign(case_id, caller)
