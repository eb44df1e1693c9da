"""The reviewer pool as a service: adding reviewers and listing them with their open workload.

The rules a reviewer is judged by (qualification, specialty, conflicts, balancing) are in `openimr.cases.reviewers`.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openimr.cases.context import ServiceContext, require
from openimr.cases.domain import Actor, UserRole
from openimr.cases.schemas import ReviewerProfile, ReviewerView
from openimr.cases.states import OPEN_STATES
from openimr.cases.store import CaseRow, ReviewerRow


def workload(session: Session) -> dict[int, int]:
    """Each reviewer's number of open cases (those with none are absent)."""
    rows = session.execute(
        select(CaseRow.reviewer_id, func.count())
        .where(CaseRow.reviewer_id.is_not(None), CaseRow.state.in_([s.value for s in OPEN_STATES]))
        .group_by(CaseRow.reviewer_id)
    )
    return {reviewer_id: count for reviewer_id, count in rows if reviewer_id is not None}


class ReviewerService:
    """The pool of physician reviewers."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    def add(self, profile: ReviewerProfile, actor: Actor) -> ReviewerView:
        """Add a reviewer to the pool."""
        require(actor, UserRole.ADMIN)
        with self.context.transaction(f"reviewer {profile.name}") as session:
            row = ReviewerRow(name=profile.name, profile=profile.model_dump(mode="json"))
            session.add(row)
            session.flush()
            self.context.audit(session, actor, "reviewer added", None, None, {"reviewer_id": row.id, "profile": row.profile})
        return ReviewerView(id=row.id, profile=profile, open_cases=0)

    def pool(self, actor: Actor) -> list[ReviewerView]:
        """The pool, with each reviewer's open workload."""
        require(actor, UserRole.ADMIN)
        with self.context.sessions() as session:
            load = workload(session)
            rows = session.scalars(select(ReviewerRow).order_by(ReviewerRow.id))
            return [
                ReviewerView(id=r.id, profile=ReviewerProfile.model_validate(r.profile), open_cases=load.get(r.id, 0))
                for r in rows
            ]
