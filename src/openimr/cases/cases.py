"""Reading cases: one case, filtered lists, the deadline board, the audit trail. Every read sees only what the caller may
(a reviewer, only the cases assigned to them)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select

from openimr.cases import deadlines
from openimr.cases.context import ServiceContext, visible_case
from openimr.cases.domain import Actor, CaseState, ScreeningOutcome, UserRole, case_number
from openimr.cases.mapping import case_view, document_texts, document_view
from openimr.cases.schemas import AuditEntry, CaseView, DeadlineEntry, DocumentView
from openimr.cases.store import AuditRow, CaseRow
from openimr.model import Priority

_DETERMINATION_STATES = [s.value for s in (CaseState.RECORDS_COMPLETE, CaseState.IN_REVIEW, CaseState.DRAFTED, CaseState.SIGNED)]


class CaseService:
    """Queries over cases."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    def get(self, case_id: int, actor: Actor) -> CaseView:
        """One case with its items and documents."""
        with self.context.sessions() as session:
            return case_view(session, visible_case(session, case_id, actor))

    def search(
        self,
        actor: Actor,
        state: CaseState | None = None,
        priority: Priority | None = None,
        reviewer_id: int | None = None,
        screening_outcome: ScreeningOutcome | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[CaseView]:
        """Cases, newest first, filtered; a reviewer gets only their own."""
        query = select(CaseRow).order_by(CaseRow.id.desc()).limit(limit).offset(offset)
        if actor.role is UserRole.REVIEWER:
            query = query.where(CaseRow.reviewer_id == actor.reviewer_id)
        if state is not None:
            query = query.where(CaseRow.state == state.value)
        if priority is not None:
            query = query.where(CaseRow.priority == priority.value)
        if reviewer_id is not None:
            query = query.where(CaseRow.reviewer_id == reviewer_id)
        if screening_outcome is not None:
            query = query.where(CaseRow.screening_outcome == screening_outcome.value)
        with self.context.sessions() as session:
            return [case_view(session, case) for case in session.scalars(query)]

    def deadlines(self, actor: Actor, overdue: bool, within: dt.timedelta = dt.timedelta(0)) -> list[DeadlineEntry]:
        """Open cases past their pending deadline (`overdue`), or due within `within` from now, soonest first."""
        now = self.context.clock()
        limit = now if overdue else now + within
        query = select(CaseRow).where(
            or_(
                (CaseRow.state == CaseState.ASSIGNED.value) & (CaseRow.records_due <= limit),
                CaseRow.state.in_(_DETERMINATION_STATES) & (CaseRow.determination_due <= limit),
            )
        )
        if actor.role is UserRole.REVIEWER:
            query = query.where(CaseRow.reviewer_id == actor.reviewer_id)
        entries = []
        with self.context.sessions() as session:
            for case in session.scalars(query):
                records = case.state == CaseState.ASSIGNED
                due = case.records_due if records else case.determination_due
                if due is None:
                    continue
                pending = deadlines.Deadline(
                    deadlines.DeadlineKind.RECORDS if records else deadlines.DeadlineKind.DETERMINATION, due
                )
                if not (pending.overdue(now) if overdue else pending.due_within(now, within)):
                    continue
                entries.append(
                    DeadlineEntry(
                        case_id=case.id,
                        case_number=case_number(case.id),
                        state=case.state,
                        priority=Priority(case.priority),
                        reviewer_id=case.reviewer_id,
                        deadline=pending.kind.value,
                        due=due,
                        overdue=pending.overdue(now),
                    )
                )
        return sorted(entries, key=lambda e: e.due)

    def records(self, case_id: int, actor: Actor) -> list[tuple[DocumentView, str]]:
        """The case's documents with their text (as read at upload), in the order they arrived, for the reviewer."""
        with self.context.sessions() as session:
            visible_case(session, case_id, actor)
            documents = document_texts(session, case_id, self.context.documents)
            return [(document_view(row), text) for row, text in documents if text.strip()]

    def audit_trail(self, case_id: int, actor: Actor) -> list[AuditEntry]:
        """The case's audit log, oldest first."""
        with self.context.sessions() as session:
            visible_case(session, case_id, actor)
            rows = session.scalars(select(AuditRow).where(AuditRow.case_id == case_id).order_by(AuditRow.id))
            return [
                AuditEntry(id=r.id, case_id=r.case_id, at=r.at, actor=r.actor, action=r.action, before=r.before, after=r.after)
                for r in rows
            ]
