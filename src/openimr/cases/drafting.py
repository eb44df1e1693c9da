"""Drafting: the records are in, the determination clock starts, and the review engine drafts the determination.

This is the one door to the engine: `review_case(case) -> Determination`. An engine failure leaves the case in review
with the error recorded, to be drafted again.
"""

from __future__ import annotations

import logging

from openimr.cases import deadlines
from openimr.cases.context import ServiceContext, require, visible_case
from openimr.cases.domain import Actor, CaseState, UserRole, case_number
from openimr.cases.errors import InvalidInput, TransitionRefused
from openimr.cases.mapping import EngineInput, case_view, engine_case
from openimr.cases.schemas import CaseView
from openimr.cases.store import DraftRow, ItemRevisionRow
from openimr.model import Determination, Priority
from openimr.review import review_case

log = logging.getLogger(__name__)

ENGINE_AUTHOR = "review engine"


class DraftingService:
    """Records completion and the engine's draft."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    def complete_records(self, case_id: int, actor: Actor) -> CaseView:
        """Record that the claims administrator's records are in, start the determination clock, and draft."""
        require(actor, UserRole.INTAKE, UserRole.ADMIN)
        with self.context.transaction(case_number(case_id)) as session:
            case = visible_case(session, case_id, actor)
            now = self.context.clock()
            self.context.move(
                session,
                actor,
                case,
                CaseState.RECORDS_COMPLETE,
                "records complete",
                records_received_at=now,
                determination_due=deadlines.determination_due(now, Priority(case.priority)),
            )
            self.context.move(session, actor, case, CaseState.IN_REVIEW, "in review")
        return self._draft(case_id, actor)

    def redraft(self, case_id: int, actor: Actor) -> CaseView:
        """Run the engine again for a case whose drafting failed (it is still in review)."""
        require(actor, UserRole.ADMIN, UserRole.REVIEWER)
        return self._draft(case_id, actor)

    def _draft(self, case_id: int, actor: Actor) -> CaseView:
        number = case_number(case_id)
        with self.context.sessions() as session:
            case = visible_case(session, case_id, actor)
            if case.state != CaseState.IN_REVIEW:
                raise TransitionRefused(f"only a case in review can be drafted (it is {case.state})", number)
            given = engine_case(session, case)
        try:
            determination = _run_engine(given, number)
        except Exception as error:  # the engine is another stage: a failure leaves the case in review, recorded
            log.warning("drafting failed for %s: %s", number, type(error).__name__)
            with self.context.transaction(number) as session:
                case = visible_case(session, case_id, actor)
                self.context.change(
                    session, actor, case, "drafting failed", drafting_error=f"{type(error).__name__}: {error}"[:2000]
                )
                session.flush()
                return case_view(session, case)
        with self.context.transaction(number) as session:
            case = visible_case(session, case_id, actor)
            now = self.context.clock()
            session.add(
                DraftRow(
                    case_id=case_id,
                    engine_version=determination.engine_version,
                    knowledge_version=determination.knowledge_version,
                    determination=determination.model_dump(mode="json"),
                    created_at=now,
                )
            )
            by_position = {item.position: item for item in case.items}
            for position, drafted in zip(given.positions, determination.items, strict=True):
                item = by_position[position]
                item.decision = drafted.decision.value
                item.rationale = drafted.rationale
                item.guideline = drafted.maximus_guideline or ""
                item.criteria_overrides = {}
                item.engine_determination = drafted.model_dump(mode="json")
                item.version = 1
                session.flush()
                session.add(
                    ItemRevisionRow(
                        item_id=item.id,
                        revision=item.version,
                        decision=drafted.decision.value,
                        rationale=drafted.rationale,
                        guideline=item.guideline,
                        criteria_overrides={},
                        author=f"{ENGINE_AUTHOR} {determination.engine_version or ''}".strip(),
                        created_at=now,
                    )
                )
            case.summary = determination.summary
            case.summary_version = 1
            self.context.move(session, actor, case, CaseState.DRAFTED, "drafted", drafting_error=None)
            self.context.audit(
                session,
                actor,
                "draft stored",
                case_id,
                None,
                {
                    "engine_version": determination.engine_version,
                    "knowledge_version": determination.knowledge_version,
                    "decisions": [i.decision.value for i in determination.items],
                },
            )
            session.flush()
            return case_view(session, case)


def _run_engine(given: EngineInput, number: str) -> Determination:
    """The engine's draft of a case; refuses a case without text and a draft that does not answer every item."""
    if not given.case.documents:
        raise InvalidInput("the case has no document with text for the engine to read", number)
    determination = review_case(given.case)
    if len(determination.items) != len(given.positions):
        raise InvalidInput(f"the engine returned {len(determination.items)} items for {len(given.positions)} disputed items")
    return determination
