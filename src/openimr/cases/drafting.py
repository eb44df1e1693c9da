"""Drafting: the records are in, the determination clock starts, and the review engine drafts the determination, off
the request path.

Records complete queues a drafting job in the same transaction; a worker (a thread of `imr serve`, or an `imr worker`
process) takes it, runs the engine outside any transaction, and stores the draft only if it still holds the job and the
case is still in review: one draft per case, whatever dies when (the drafts table allows one per case besides).
An engine failure is retried with backoff; a case without text to read, or one whose attempts ran out, stays in review
with the error recorded, to be drafted again on request. This is the one door to the engine:
`review_case(case) -> Determination`.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from openimr.cases import deadlines
from openimr.cases.context import ServiceContext, require, visible_case
from openimr.cases.domain import Actor, CaseState, UserRole, case_number
from openimr.cases.errors import InvalidInput, NothingToRead, TransitionRefused
from openimr.cases.jobs import Claim, JobKind, JobQueue, JobState
from openimr.cases.mapping import EngineInput, case_view, engine_case
from openimr.cases.reading import ocr_pending
from openimr.cases.schemas import CaseView
from openimr.cases.store import CaseRow, DraftRow, ItemRevisionRow
from openimr.corpus.precedents import attach_precedents
from openimr.corpus.store import Corpus
from openimr.model import Determination, Priority
from openimr.review import review_case

log = logging.getLogger(__name__)

ENGINE_AUTHOR = "review engine"
ENGINE = Actor(ENGINE_AUTHOR, UserRole.ADMIN)


class DraftingService:
    """Records completion, the drafting queue, and storing the engine's draft."""

    def __init__(self, context: ServiceContext, queue: JobQueue) -> None:
        self.context = context
        self.queue = queue

    def complete_records(self, case_id: int, actor: Actor) -> CaseView:
        """Record that the claims administrator's records are in, start the determination clock, and queue drafting."""
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
                determination_due=deadlines.determination_due(
                    now, Priority(case.priority), bool(case.application.get("formulary_dispute"))
                ),
            )
            self.context.move(session, actor, case, CaseState.IN_REVIEW, "in review")
            self.queue.enqueue(session, JobKind.DRAFT, case_id, actor.name)
            session.flush()
            return case_view(session, case)

    def redraft(self, case_id: int, actor: Actor) -> CaseView:
        """Queue drafting again for a case whose drafting failed (it is still in review)."""
        require(actor, UserRole.ADMIN, UserRole.REVIEWER)
        number = case_number(case_id)
        with self.context.transaction(number) as session:
            case = visible_case(session, case_id, actor)
            if case.state != CaseState.IN_REVIEW:
                raise TransitionRefused(f"only a case in review can be drafted (it is {case.state})", number)
            job = self.queue.state_of(session, JobKind.DRAFT, case_id)
            if job is not None and job.state in (JobState.QUEUED, JobState.RUNNING):
                raise TransitionRefused(f"drafting is already {job.state} (attempt {job.attempts})", number)
            self.queue.enqueue(session, JobKind.DRAFT, case_id, actor.name)
            self.context.change(session, actor, case, "drafting queued again", drafting_error=None)
            session.flush()
            return case_view(session, case)

    def run(self, claim: Claim) -> None:
        """Draft the claimed case and settle the job: stored, retried later, or failed with the error on the case; put
        back for later while a scanned upload of the case waits for its OCR."""
        number = case_number(claim.case_id)
        with self.context.sessions() as session:
            waiting = ocr_pending(session, claim.case_id)
        if waiting:
            with self.context.transaction(number) as session:
                job = self.queue.holds(session, claim)
                if job is not None:
                    self.queue.postpone(job)
            return
        try:
            with self.context.sessions() as session:
                case = session.get(CaseRow, claim.case_id)
                given = None
                if case is not None and case.state == CaseState.IN_REVIEW:
                    given = engine_case(session, case, self.context.documents)
                engine = session.get_bind()
            determination = _run_engine(given) if given is not None else None
        except Exception as error:  # the engine is another stage: a failure is retried, then recorded on the case
            log.warning("drafting %s failed (attempt %d): %s", number, claim.attempt, type(error).__name__)
            self._failed(claim, error)
            return
        if determination is not None:
            determination = _with_precedents(determination, engine, number)
        with self.context.transaction(number) as session:
            job = self.queue.holds(session, claim)
            if job is None:
                log.info("drafting %s: the job was taken over by another worker; this draft is dropped", number)
                return
            case = session.get(CaseRow, claim.case_id)
            if determination is None or given is None or case is None or case.state != CaseState.IN_REVIEW:
                self.queue.finish(job, JobState.DONE, "nothing to draft: the case is no longer in review")
                return
            self._store(session, case, given, determination)
            self.queue.finish(job, JobState.DONE)

    def _failed(self, claim: Claim, error: Exception) -> None:
        message = f"{type(error).__name__}: {error}"[:2000]
        number = case_number(claim.case_id)
        with self.context.transaction(number) as session:
            job = self.queue.holds(session, claim)
            if job is None:
                return
            if not isinstance(error, NothingToRead) and self.queue.retry_later(job, message):
                return
            self.queue.finish(job, JobState.FAILED, message)
            case = session.get(CaseRow, claim.case_id)
            if case is not None and case.state == CaseState.IN_REVIEW:
                self.context.change(session, ENGINE, case, "drafting failed", drafting_error=message)

    def _store(self, session: Session, case: CaseRow, given: EngineInput, determination: Determination) -> None:
        now = self.context.clock()
        session.add(
            DraftRow(
                case_id=case.id,
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
        self.context.move(session, ENGINE, case, CaseState.DRAFTED, "drafted", drafting_error=None)
        self.context.audit(
            session,
            ENGINE,
            "draft stored",
            case.id,
            None,
            {
                "engine_version": determination.engine_version,
                "knowledge_version": determination.knowledge_version,
                "decisions": [i.decision.value for i in determination.items],
            },
        )


def _with_precedents(determination: Determination, engine: Engine | Connection, number: str) -> Determination:
    """The draft with each item's precedents from the corpus in the case store's database, when it holds one. They
    are an aid to the reviewer, never part of the letter: a failure to find them leaves the draft without them."""
    try:
        corpus = Corpus.existing_on(engine) if isinstance(engine, Engine) else None
        return attach_precedents(determination, corpus)
    except Exception as error:  # the corpus is another stage; the draft stands without precedents
        log.warning("no precedents for %s: %s", number, type(error).__name__)
        return determination


def _run_engine(given: EngineInput) -> Determination:
    """The engine's draft of a case; refuses a draft that does not answer every item."""
    determination = review_case(given.case)
    if len(determination.items) != len(given.positions):
        raise InvalidInput(f"the engine returned {len(determination.items)} items for {len(given.positions)} disputed items")
    return determination
