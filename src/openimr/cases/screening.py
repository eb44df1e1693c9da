"""Screening a filed (or deferred) case for eligibility, with the rules of `openimr.cases.eligibility`."""

from __future__ import annotations

from sqlalchemy import func, select

from openimr.cases.context import ServiceContext, require, visible_case
from openimr.cases.domain import Actor, CaseState, DocumentType, UrOutcome, UserRole, case_number
from openimr.cases.eligibility import EligibilityFacts, screen
from openimr.cases.mapping import case_view
from openimr.cases.schemas import Application, CaseView, ScreeningRequest
from openimr.cases.store import DocumentRow


class ScreeningService:
    """Eligibility screening."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    def screen(self, case_id: int, request: ScreeningRequest, actor: Actor) -> CaseView:
        """Screen a received (or deferred) case for eligibility and record the outcome with its reasons."""
        require(actor, UserRole.INTAKE, UserRole.ADMIN)
        with self.context.transaction(case_number(case_id)) as session:
            case = visible_case(session, case_id, actor)
            application = Application.model_validate(case.application)
            if request.liability_resolved:
                application = application.model_copy(update={"liability_disputed": False})
            has_ur_decision = session.scalar(
                select(func.count()).where(DocumentRow.case_id == case_id, DocumentRow.type == DocumentType.UR_DECISION.value)
            )
            facts = EligibilityFacts(
                signed=application.signed,
                ur_decision_attached=bool(has_ur_decision),
                ur_decision=application.dates.ur_decision,
                ur_served=application.dates.ur_served,
                ur_service_method=application.ur_service_method,
                application_received=case.application_received,
                filer=application.filer,
                designation_signed=application.designation_signed,
                liability_disputed=application.liability_disputed,
                claims_administrator_agrees_eligible=application.claims_administrator_agrees_eligible,
                items=[(item.request, UrOutcome(item.ur_outcome)) for item in case.items],
            )
            result = screen(facts)
            for item in case.items:
                item.excluded_reason = result.excluded_items.get(item.position)
            self.context.move(
                session,
                actor,
                case,
                CaseState.SCREENED,
                "screened",
                screening_outcome=result.outcome.value,
                screening_reasons=list(result.reasons),
            )
            session.flush()
            return case_view(session, case)
