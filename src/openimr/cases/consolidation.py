"""Consolidation (8 CCR 9792.10.4(a)): eligible applications of one employee about the same UR decision, from the same
requesting physician and for the same date of injury, become one case and one determination.

The other cases' disputed items are added to the target case (after its own, in order), their documents move to it,
and each of them ends `consolidated` pointing at the target. All must be screened eligible and not yet assigned. A
scanned upload still waiting for its OCR moves with the rest: the target's OCR job reads it.
"""

from __future__ import annotations

from openimr.cases.context import ServiceContext, require, visible_case
from openimr.cases.domain import Actor, CaseState, OcrState, ScreeningOutcome, UserRole, case_number
from openimr.cases.eligibility import normalise
from openimr.cases.errors import InvalidInput, TransitionRefused
from openimr.cases.jobs import JobKind, JobQueue
from openimr.cases.mapping import case_documents, case_view
from openimr.cases.schemas import CaseView, ConsolidateRequest, Parties
from openimr.cases.store import CaseRow, ItemRow


def _key(case: CaseRow) -> tuple[str, str, str | None, str]:
    parties = Parties.model_validate(case.application.get("parties", {}))
    physician = normalise(parties.requesting_physician or "")
    injury = case.injury_date.isoformat() if case.injury_date else None
    return normalise(case.worker_id), case.ur_decision_date.isoformat(), injury, physician


class ConsolidationService:
    """Merging applications about the same UR decision."""

    def __init__(self, context: ServiceContext, queue: JobQueue) -> None:
        self.context = context
        self.queue = queue

    def consolidate(self, case_id: int, request: ConsolidateRequest, actor: Actor) -> CaseView:
        """Consolidate the cases named into this one."""
        require(actor, UserRole.INTAKE, UserRole.ADMIN)
        number = case_number(case_id)
        if case_id in request.case_ids or len(set(request.case_ids)) != len(request.case_ids):
            raise InvalidInput("name each other case once, and not the target itself", number)
        with self.context.transaction(number) as session:
            target = visible_case(session, case_id, actor)
            others = [visible_case(session, other, actor) for other in sorted(request.case_ids)]
            for case in (target, *others):
                if case.state != CaseState.SCREENED or case.screening_outcome != ScreeningOutcome.ELIGIBLE:
                    raise TransitionRefused(
                        f"only cases screened eligible and not yet assigned are consolidated (it is {case.state}, "
                        f"{case.screening_outcome})",
                        case_number(case.id),
                    )
                if _key(case) != _key(target):
                    raise InvalidInput(
                        "not the same employee, UR decision, date of injury and requesting physician as "
                        f"{number}: it cannot be consolidated into it",
                        case_number(case.id),
                    )
            position = max(item.position for item in target.items)
            for other in others:
                for item in other.items:
                    position += 1
                    target.items.append(
                        ItemRow(
                            position=position,
                            request=item.request,
                            ur_outcome=item.ur_outcome,
                            ur_guideline=item.ur_guideline,
                            original_request=item.original_request,
                            authorized=item.authorized,
                            excluded_reason=item.excluded_reason,
                        )
                    )
                moved = case_documents(session, other.id)
                for document in moved:
                    document.case_id = target.id
                if any(document.ocr_state == OcrState.PENDING for document in moved):
                    self.queue.enqueue(session, JobKind.OCR, target.id, actor.name)
                self.context.move(session, actor, other, CaseState.CONSOLIDATED, "consolidated", consolidated_into=target.id)
                after = {"from": other.id, "items": len(other.items), "documents": [d.id for d in moved]}
                self.context.audit(session, actor, "application consolidated", target.id, None, after)
            target.updated_at = self.context.clock()
            session.flush()
            return case_view(session, target)
