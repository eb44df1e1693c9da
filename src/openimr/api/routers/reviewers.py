"""The reviewer pool."""

from __future__ import annotations

from fastapi import APIRouter

from openimr.api.deps import Caller, ServicesDep
from openimr.cases.schemas import ReviewerProfile, ReviewerView

router = APIRouter(tags=["reviewers"])


@router.post("/reviewers", status_code=201)
def add_reviewer(profile: ReviewerProfile, caller: Caller, services: ServicesDep) -> ReviewerView:
    """Add a reviewer to the pool (admin)."""
    return services.reviewers.add(profile, caller)


@router.get("/reviewers")
def list_reviewers(caller: Caller, services: ServicesDep) -> list[ReviewerView]:
    """The reviewer pool with each reviewer's open workload (admin)."""
    return services.reviewers.pool(caller)
