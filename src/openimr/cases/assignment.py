"""Assigning an eligible case to a reviewer: a named one if acceptable, else the least-loaded acceptable one.

Assignments are serialized so that simultaneous ones see each other's workload and balance: each locks the reviewer
pool's rows (`SELECT ... FOR UPDATE` on PostgreSQL, in id order and after the audit chain's head, so they cannot deadlock)
before counting workload; on SQLite the single writer does it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from openimr.cases import audit, deadlines, reviewers
from openimr.cases.context import ServiceContext, require, visible_case
from openimr.cases.domain import Actor, CaseState, ScreeningOutcome, UserRole, case_number
from openimr.cases.errors import AssignmentRefused, NotFound
from openimr.cases.mapping import case_view
from openimr.cases.reviewer_pool import workload
from openimr.cases.schemas import AssignRequest, CandidateView, CaseView, Parties, ReviewerProfile
from openimr.cases.states import check_transition
from openimr.cases.store import ReviewerRow
from openimr.model import Priority


class AssignmentService:
    """Reviewer assignment with conflict checks and workload balancing."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    def candidates(self, case_id: int, actor: Actor) -> list[CandidateView]:
        """Every reviewer of the pool for this case: acceptable, or each reason they may not take it (qualification,
        specialty for every item, conflicts of interest with the parties)."""
        require(actor, UserRole.ADMIN)
        with self.context.sessions() as session:
            case = visible_case(session, case_id, actor)
            requests = [item.request for item in case.items if item.excluded_reason is None]
            parties = Parties.model_validate(case.application.get("parties", {}))
            load = workload(session)
            views = []
            for row in session.scalars(select(ReviewerRow).order_by(ReviewerRow.id)):
                reasons = reviewers.refusals(ReviewerProfile.model_validate(row.profile), requests, parties)
                views.append(
                    CandidateView(
                        id=row.id, name=row.name, open_cases=load.get(row.id, 0), acceptable=not reasons, reasons=reasons
                    )
                )
            return views

    def assign(self, case_id: int, request: AssignRequest, actor: Actor) -> CaseView:
        """Assign an eligible case to a named reviewer or to the least-loaded acceptable one, and start the records clock."""
        require(actor, UserRole.ADMIN)
        number = case_number(case_id)
        with self.context.transaction(number) as session:
            case = visible_case(session, case_id, actor)
            outcome = ScreeningOutcome(case.screening_outcome) if case.screening_outcome else None
            check_transition(CaseState(case.state), CaseState.ASSIGNED, outcome, number)
            _lock_pool(session)
            requests = [item.request for item in case.items if item.excluded_reason is None]
            parties = Parties.model_validate(case.application.get("parties", {}))
            if request.reviewer_id is not None:
                row = session.get(ReviewerRow, request.reviewer_id)
                if row is None:
                    raise NotFound("no such reviewer", f"reviewer {request.reviewer_id}")
                reasons = reviewers.refusals(ReviewerProfile.model_validate(row.profile), requests, parties)
                if reasons:
                    raise AssignmentRefused(f"reviewer {row.id} refused: {'; '.join(reasons)}", number)
                chosen = row.id
            else:
                pool = {r.id: ReviewerProfile.model_validate(r.profile) for r in session.scalars(select(ReviewerRow))}
                choice = reviewers.choose_reviewer(pool, requests, parties, workload(session))
                if choice.reviewer_id is None:
                    detail = "; ".join(f"reviewer {rid}: {', '.join(r)}" for rid, r in sorted(choice.refused.items()))
                    raise AssignmentRefused(f"no qualified reviewer without a conflict ({detail or 'the pool is empty'})", number)
                chosen = choice.reviewer_id
            now = self.context.clock()
            self.context.move(
                session,
                actor,
                case,
                CaseState.ASSIGNED,
                "assigned",
                reviewer_id=chosen,
                assigned_at=now,
                notice_method=request.notice_method.value,
                records_due=deadlines.records_due(now, Priority(case.priority), request.notice_method),
            )
            session.flush()
            return case_view(session, case)


def _lock_pool(session: Session) -> None:
    """Hold the pool's rows until the transaction ends (PostgreSQL; SQLite writers are serial already), after the audit
    chain's head, which the assignment's audit entry takes anyway (`audit.lock_head`: one order of locks)."""
    audit.lock_head(session)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(ReviewerRow.id).order_by(ReviewerRow.id).with_for_update()).all()
