"""Conversion of a standard review to expedited (8 CCR 9792.10.4(c)): on the treating physician's written certification of
an imminent and serious threat, with its supporting documents, the review becomes expedited and its pending deadline the
expedited one (`deadlines.expedited_from`)."""

from __future__ import annotations

from openimr.cases import deadlines
from openimr.cases.context import ServiceContext, require, visible_case
from openimr.cases.domain import Actor, CaseState, DocumentType, UserRole, case_number
from openimr.cases.errors import InvalidInput, TransitionRefused
from openimr.cases.mapping import case_view
from openimr.cases.schemas import CaseView, ExpediteRequest
from openimr.cases.store import DocumentRow
from openimr.model import Priority

_DETERMINATION_PENDING = (CaseState.RECORDS_COMPLETE, CaseState.IN_REVIEW, CaseState.DRAFTED)


class ExpeditingService:
    """Standard to expedited."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    def expedite(self, case_id: int, request: ExpediteRequest, actor: Actor) -> CaseView:
        """Convert the case to expedited on the certification document given; the pending deadline moves up."""
        require(actor, UserRole.INTAKE, UserRole.ADMIN)
        number = case_number(case_id)
        with self.context.transaction(number) as session:
            case = visible_case(session, case_id, actor)
            if case.priority == Priority.EXPEDITED:
                raise TransitionRefused("the review is expedited already", number)
            if case.state in (CaseState.SIGNED, CaseState.ISSUED, CaseState.CONSOLIDATED):
                raise TransitionRefused(f"a {case.state} case cannot be converted to expedited", number)
            document = session.get(DocumentRow, request.certification_document_id)
            if document is None or document.case_id != case_id or document.type != DocumentType.EXPEDITED_CERTIFICATION:
                raise InvalidInput(
                    "certification_document_id must name a document of this case of type expedited_certification", number
                )
            now = self.context.clock()
            changes: dict[str, object] = {"priority": Priority.EXPEDITED.value}
            if case.state == CaseState.ASSIGNED:
                changes["records_due"] = deadlines.expedited_from(now, None, case.records_due)
            elif case.state in _DETERMINATION_PENDING:
                changes["determination_due"] = deadlines.expedited_from(now, case.records_received_at, case.determination_due)
            self.context.change(session, actor, case, "converted to expedited", **changes)
            session.flush()
            return case_view(session, case)
