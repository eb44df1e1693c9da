"""The IMR workflow as a service: every step checks the caller, the state and the versions, and writes the audit log.

One `Workflow` serves the API and the CLI. Each public method runs in its own transaction; a concurrent change to the
same case or item is detected by its version column and reported as `StaleVersion` (HTTP 409), never lost.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from openimr.cases import deadlines, drafting, reviewers
from openimr.cases.eligibility import EligibilityFacts, duplicate_key, screen
from openimr.cases.errors import (
    AlreadyExists,
    AssignmentRefused,
    Forbidden,
    InvalidInput,
    NotFound,
    StaleVersion,
    TransitionRefused,
    WorkflowError,
)
from openimr.cases.letter import addressees, criterion_statuses, final_item
from openimr.cases.schemas import (
    Application,
    AssignRequest,
    AuditEntry,
    CaseView,
    DeadlineEntry,
    DocumentType,
    DocumentView,
    DraftView,
    FilingResult,
    ItemEdit,
    ItemView,
    NewUser,
    Parties,
    ReviewerProfile,
    ReviewerView,
    RevisionView,
    ScreeningRequest,
    SummaryEdit,
    UrOutcome,
    UserCreated,
    UserRole,
)
from openimr.cases.states import OPEN_STATES, CaseState, ScreeningOutcome, check_transition
from openimr.cases.store import (
    ApplicationRow,
    AuditRow,
    CaseRow,
    DocumentRow,
    DraftRow,
    ItemRevisionRow,
    ItemRow,
    LetterRow,
    ReviewerRow,
    UserRow,
    utcnow,
)
from openimr.cases.uploads import PDF, DocumentStore, StoredDocument
from openimr.letters import render_letter
from openimr.model import (
    CaseDates,
    Decision,
    Determination,
    DisputedItem,
    Document,
    Letter,
    Organization,
    Patient,
    Priority,
    Reviewer,
    Signature,
)

log = logging.getLogger(__name__)

ENGINE_AUTHOR = "review engine"
_AUDITED_CASE_FIELDS = (
    "state",
    "screening_outcome",
    "screening_reasons",
    "reviewer_id",
    "notice_method",
    "records_due",
    "records_received_at",
    "determination_due",
    "drafting_error",
    "signed_by",
    "signed_at",
    "issued_at",
)


@dataclass(frozen=True)
class Actor:
    """Who is calling: a user's name, role and, for a reviewer, their reviewer id."""

    name: str
    role: UserRole
    reviewer_id: int | None = None


def case_number(case_id: int) -> str:
    """The public number of a case."""
    return f"IMR-{case_id:07d}"


def hash_token(token: str) -> str:
    """What the store keeps of a bearer token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _snapshot(case: CaseRow) -> dict[str, Any]:
    return {name: _jsonable(getattr(case, name)) for name in _AUDITED_CASE_FIELDS}


def _diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    changed = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


class Workflow:
    """The IMR workflow over one database and one document store."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        documents: DocumentStore,
        clock: Callable[[], dt.datetime] = utcnow,
        serialize_writes: bool = False,
        organization: Organization | None = None,
    ) -> None:
        """`serialize_writes` queues this process's write transactions on a lock: right for SQLite, which allows one
        writer at a time and would otherwise make concurrent writers poll its busy timeout. `organization` is the IMR
        organization the letters name (default: `Organization()`)."""
        self.sessions = sessions
        self.documents = documents
        self.clock = clock
        self.organization = organization or Organization()
        self._write_lock: AbstractContextManager[object] = threading.Lock() if serialize_writes else nullcontext()

    # -- plumbing -----------------------------------------------------------------------------------------------

    @contextmanager
    def _transaction(self, what: str) -> Iterator[Session]:
        """A session committed at the end; a version clash becomes `StaleVersion` naming `what`."""
        with self._write_lock, self.sessions() as session:
            try:
                yield session
                session.commit()
            except StaleDataError:
                session.rollback()
                raise StaleVersion("changed by someone else at the same time: reload it and try again", what) from None

    @staticmethod
    def _require(actor: Actor, *roles: UserRole) -> None:
        if actor.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise Forbidden(f"role {actor.role.value} may not do this (needs {allowed})", actor.name)

    @staticmethod
    def _case(session: Session, case_id: int, actor: Actor) -> CaseRow:
        """A case the actor may see; a reviewer sees only the cases assigned to them (others are 'not found')."""
        case = session.get(CaseRow, case_id)
        if case is None or (actor.role is UserRole.REVIEWER and case.reviewer_id != actor.reviewer_id):
            raise NotFound("no such case", f"case {case_id}")
        return case

    def _audit(
        self,
        session: Session,
        actor: Actor,
        action: str,
        case_id: int | None,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        session.add(AuditRow(case_id=case_id, at=self.clock(), actor=actor.name, action=action, before=before, after=after))

    def _move(self, session: Session, actor: Actor, case: CaseRow, target: CaseState, action: str, **changes: Any) -> None:
        """Check and make a state transition with its field changes, and audit it."""
        outcome = ScreeningOutcome(case.screening_outcome) if case.screening_outcome else None
        check_transition(CaseState(case.state), target, outcome, case_number(case.id))
        before = _snapshot(case)
        case.state = target.value
        for name, value in changes.items():
            setattr(case, name, value)
        case.updated_at = self.clock()
        self._audit(session, actor, action, case.id, *_diff(before, _snapshot(case)))

    # -- users and reviewers ------------------------------------------------------------------------------------

    def add_user(self, user: NewUser, actor: Actor) -> UserCreated:
        """Provision a user and return their bearer token, shown this once (the store keeps its SHA-256)."""
        self._require(actor, UserRole.ADMIN)
        if (user.role is UserRole.REVIEWER) != (user.reviewer_id is not None):
            raise InvalidInput("a reviewer user needs a reviewer_id, and only a reviewer user may have one", user.name)
        token = secrets.token_urlsafe(32)
        try:
            with self._transaction(f"user {user.name}") as session:
                if user.reviewer_id is not None and session.get(ReviewerRow, user.reviewer_id) is None:
                    raise NotFound("no such reviewer", f"reviewer {user.reviewer_id}")
                row = UserRow(name=user.name, role=user.role.value, token_hash=hash_token(token), reviewer_id=user.reviewer_id)
                session.add(row)
                session.flush()
                self._audit(session, actor, "user added", None, None, {"user": user.name, "role": user.role.value})
        except IntegrityError:
            raise AlreadyExists("a user of that name exists", f"user {user.name}") from None
        return UserCreated(id=row.id, name=row.name, role=user.role, reviewer_id=row.reviewer_id, token=token)

    def authenticate(self, token: str) -> Actor | None:
        """The actor a bearer token belongs to, or None."""
        with self.sessions() as session:
            row = session.scalar(select(UserRow).where(UserRow.token_hash == hash_token(token)))
            return None if row is None else Actor(row.name, UserRole(row.role), row.reviewer_id)

    def add_reviewer(self, profile: ReviewerProfile, actor: Actor) -> ReviewerView:
        """Add a reviewer to the pool."""
        self._require(actor, UserRole.ADMIN)
        with self._transaction(f"reviewer {profile.name}") as session:
            row = ReviewerRow(name=profile.name, profile=profile.model_dump(mode="json"))
            session.add(row)
            session.flush()
            self._audit(session, actor, "reviewer added", None, None, {"reviewer_id": row.id, "profile": row.profile})
        return ReviewerView(id=row.id, profile=profile, open_cases=0)

    def list_reviewers(self, actor: Actor) -> list[ReviewerView]:
        """The pool, with each reviewer's open workload."""
        self._require(actor, UserRole.ADMIN)
        with self.sessions() as session:
            load = self._workload(session)
            rows = session.scalars(select(ReviewerRow).order_by(ReviewerRow.id))
            return [
                ReviewerView(id=r.id, profile=ReviewerProfile.model_validate(r.profile), open_cases=load.get(r.id, 0))
                for r in rows
            ]

    @staticmethod
    def _workload(session: Session) -> dict[int, int]:
        rows = session.execute(
            select(CaseRow.reviewer_id, func.count())
            .where(CaseRow.reviewer_id.is_not(None), CaseRow.state.in_([s.value for s in OPEN_STATES]))
            .group_by(CaseRow.reviewer_id)
        )
        return {reviewer_id: count for reviewer_id, count in rows if reviewer_id is not None}

    # -- intake -------------------------------------------------------------------------------------------------

    def file_application(self, application: Application, actor: Actor) -> FilingResult:
        """File an application: a new case, or, for a duplicate, the existing case with this application linked to it."""
        self._require(actor, UserRole.INTAKE, UserRole.ADMIN)
        received = application.dates.application_received or self.clock().date()
        application = application.model_copy(
            update={"dates": application.dates.model_copy(update={"application_received": received})}
        )
        key = duplicate_key(
            application.worker_id,
            application.claim_number,
            application.dates.ur_decision,
            [item.request for item in application.disputed_items],
        )
        inline = [self.documents.save(d.text.encode(), f"documents[{n}]") for n, d in enumerate(application.documents)]
        try:
            return self._file(application, key, received, inline, actor)
        except IntegrityError:
            # A concurrent filing of the same application created the case first: this one is its duplicate.
            return self._file(application, key, received, inline, actor)

    def _file(
        self, application: Application, key: str, received: dt.date, inline: list[StoredDocument], actor: Actor
    ) -> FilingResult:
        with self._transaction("application") as session:
            existing = session.scalar(select(CaseRow).where(CaseRow.duplicate_key == key))
            case = existing or self._new_case(session, application, key, received)
            session.add(
                ApplicationRow(
                    case_id=case.id,
                    duplicate=existing is not None,
                    payload=application.model_dump(mode="json", exclude={"documents"}),
                    received_at=self.clock(),
                    filed_by=actor.name,
                )
            )
            for stored, given in zip(inline, application.documents, strict=True):
                session.add(self._document_row(stored, case.id, given.type, given.date, None, actor))
            if existing is not None:
                self._audit(session, actor, "duplicate application linked", case.id, None, {"documents": len(inline)})
            else:
                self._audit(session, actor, "case received", case.id, None, _snapshot(case))
            session.flush()
            case_id = case.id
        return FilingResult(duplicate=existing is not None, case=self.get_case(case_id, actor))

    def _document_row(
        self, stored: StoredDocument, case_id: int, type_: DocumentType, date: dt.date | None, filename: str | None, actor: Actor
    ) -> DocumentRow:
        return DocumentRow(
            id=stored.id,
            case_id=case_id,
            type=type_.value,
            date=date,
            filename=filename,
            media_type=stored.media_type,
            size=stored.size,
            sha256=stored.sha256,
            text=stored.text,
            uploaded_by=actor.name,
            created_at=self.clock(),
        )

    def _new_case(self, session: Session, application: Application, key: str, received: dt.date) -> CaseRow:
        case = CaseRow(
            state=CaseState.RECEIVED.value,
            screening_reasons=[],
            priority=application.priority.value,
            worker_id=application.worker_id,
            claim_number=application.claim_number,
            duplicate_key=key,
            application=application.model_dump(mode="json", exclude={"documents"}),
            injury_date=application.dates.injury,
            ur_decision_date=application.dates.ur_decision,
            application_received=received,
            created_at=self.clock(),
            updated_at=self.clock(),
        )
        case.items = [
            ItemRow(
                position=n,
                request=item.request,
                ur_outcome=item.ur_outcome.value,
                ur_guideline=item.ur_guideline,
                original_request=item.original_request,
                authorized=item.authorized,
            )
            for n, item in enumerate(application.disputed_items, start=1)
        ]
        session.add(case)
        session.flush()
        return case

    def add_document(
        self,
        case_id: int,
        data: bytes,
        filename: str | None,
        type_: DocumentType,
        date: dt.date | None,
        actor: Actor,
        declared_media_type: str | None = None,
    ) -> DocumentView:
        """Upload a document to a case (before it is signed); its content is checked and stored under a new id."""
        self._require(actor, UserRole.INTAKE, UserRole.ADMIN)
        with self.sessions() as session:
            self._case_open_for_documents(session, case_id, actor)
        declared_pdf = (declared_media_type or "").lower() == PDF or (filename or "").lower().endswith(".pdf")
        stored = self.documents.save(data, filename or "upload", declared_pdf)
        filename = display_name(filename)
        try:
            with self._transaction(case_number(case_id)) as session:
                case = self._case_open_for_documents(session, case_id, actor)
                row = self._document_row(stored, case.id, type_, date, filename, actor)
                session.add(row)
                audited = {
                    "document_id": stored.id,
                    "type": type_.value,
                    "media_type": stored.media_type,
                    "sha256": stored.sha256,
                }
                self._audit(session, actor, "document added", case_id, None, audited)
                return _document_view(row)
        except WorkflowError:
            self.documents.discard(stored.id)
            raise

    def _case_open_for_documents(self, session: Session, case_id: int, actor: Actor) -> CaseRow:
        case = self._case(session, case_id, actor)
        if case.state in (CaseState.SIGNED, CaseState.ISSUED):
            raise TransitionRefused(f"no documents can be added once the case is {case.state}", case_number(case_id))
        return case

    def document(self, case_id: int, document_id: str, actor: Actor) -> tuple[DocumentView, bytes]:
        """A document's metadata and bytes."""
        with self.sessions() as session:
            self._case(session, case_id, actor)
            row = session.get(DocumentRow, document_id)
            if row is None or row.case_id != case_id:
                raise NotFound("no such document", f"case {case_id} document {document_id}")
            return _document_view(row), self.documents.read(row.id)

    # -- screening and assignment -------------------------------------------------------------------------------

    def screen_case(self, case_id: int, request: ScreeningRequest, actor: Actor) -> CaseView:
        """Screen a received (or deferred) case for eligibility and record the outcome with its reasons."""
        self._require(actor, UserRole.INTAKE, UserRole.ADMIN)
        with self._transaction(case_number(case_id)) as session:
            case = self._case(session, case_id, actor)
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
            self._move(
                session,
                actor,
                case,
                CaseState.SCREENED,
                "screened",
                screening_outcome=result.outcome.value,
                screening_reasons=list(result.reasons),
            )
        return self.get_case(case_id, actor)

    def assign(self, case_id: int, request: AssignRequest, actor: Actor) -> CaseView:
        """Assign an eligible case to a named reviewer or to the least-loaded acceptable one, and start the records clock."""
        self._require(actor, UserRole.ADMIN)
        with self._transaction(case_number(case_id)) as session:
            case = self._case(session, case_id, actor)
            outcome = ScreeningOutcome(case.screening_outcome) if case.screening_outcome else None
            check_transition(CaseState(case.state), CaseState.ASSIGNED, outcome, case_number(case_id))
            requests = [item.request for item in case.items if item.excluded_reason is None]
            parties = Parties.model_validate(case.application.get("parties", {}))
            if request.reviewer_id is not None:
                row = session.get(ReviewerRow, request.reviewer_id)
                if row is None:
                    raise NotFound("no such reviewer", f"reviewer {request.reviewer_id}")
                reasons = reviewers.refusals(ReviewerProfile.model_validate(row.profile), requests, parties)
                if reasons:
                    raise AssignmentRefused(f"reviewer {row.id} refused: {'; '.join(reasons)}", case_number(case_id))
                chosen = row.id
            else:
                pool = {r.id: ReviewerProfile.model_validate(r.profile) for r in session.scalars(select(ReviewerRow))}
                choice = reviewers.choose_reviewer(pool, requests, parties, self._workload(session))
                if choice.reviewer_id is None:
                    detail = "; ".join(f"reviewer {rid}: {', '.join(r)}" for rid, r in sorted(choice.refused.items()))
                    raise AssignmentRefused(
                        f"no qualified reviewer without a conflict ({detail or 'the pool is empty'})", case_number(case_id)
                    )
                chosen = choice.reviewer_id
            now = self.clock()
            self._move(
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
        return self.get_case(case_id, actor)

    # -- records and drafting -----------------------------------------------------------------------------------

    def complete_records(self, case_id: int, actor: Actor) -> CaseView:
        """Record that the claims administrator's records are in, start the determination clock, and draft."""
        self._require(actor, UserRole.INTAKE, UserRole.ADMIN)
        with self._transaction(case_number(case_id)) as session:
            case = self._case(session, case_id, actor)
            now = self.clock()
            self._move(
                session,
                actor,
                case,
                CaseState.RECORDS_COMPLETE,
                "records complete",
                records_received_at=now,
                determination_due=deadlines.determination_due(now, Priority(case.priority)),
            )
            self._move(session, actor, case, CaseState.IN_REVIEW, "in review")
        return self._draft(case_id, actor)

    def redraft(self, case_id: int, actor: Actor) -> CaseView:
        """Run the engine again for a case whose drafting failed (it is still in review)."""
        self._require(actor, UserRole.ADMIN, UserRole.REVIEWER)
        return self._draft(case_id, actor)

    def _draft(self, case_id: int, actor: Actor) -> CaseView:
        with self.sessions() as session:
            case = self._case(session, case_id, actor)
            if case.state != CaseState.IN_REVIEW:
                raise TransitionRefused(f"only a case in review can be drafted (it is {case.state})", case_number(case_id))
            included = [item for item in case.items if item.excluded_reason is None]
            documents = session.scalars(
                select(DocumentRow).where(DocumentRow.case_id == case_id).order_by(DocumentRow.created_at)
            )
            application = Application.model_validate(case.application)
            number, priority = case_number(case_id), Priority(case.priority)
            dates = CaseDates(
                injury=case.injury_date,
                ur_decision=case.ur_decision_date,
                application_received=case.application_received,
                assigned=case.assigned_at.date() if case.assigned_at else None,
            )
            patient = Patient.model_validate(application.patient.model_dump())
            texts = [Document(id=d.id, type=d.type, date=d.date, text=d.text) for d in documents if d.text.strip()]
            disputed = [
                DisputedItem(
                    request=i.request, ur_guideline=i.ur_guideline, original_request=i.original_request, authorized=i.authorized
                )
                for i in included
            ]
            positions = [item.position for item in included]
        try:
            if not texts:
                raise InvalidInput("the case has no document with text for the engine to read", number)
            determination = drafting.draft(drafting.case_file(number, priority, dates, patient, texts, disputed))
            if len(determination.items) != len(positions):
                raise InvalidInput(f"the engine returned {len(determination.items)} items for {len(positions)} disputed items")
        except Exception as error:  # the engine is another stage: a failure leaves the case in review, recorded
            log.warning("drafting failed for %s: %s", case_number(case_id), type(error).__name__)
            with self._transaction(case_number(case_id)) as session:
                case = self._case(session, case_id, actor)
                before = _snapshot(case)
                case.drafting_error = f"{type(error).__name__}: {error}"[:2000]
                self._audit(session, actor, "drafting failed", case_id, *_diff(before, _snapshot(case)))
            return self.get_case(case_id, actor)
        with self._transaction(case_number(case_id)) as session:
            case = self._case(session, case_id, actor)
            now = self.clock()
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
            for position, drafted in zip(positions, determination.items, strict=True):
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
            self._move(
                session,
                actor,
                case,
                CaseState.DRAFTED,
                "drafted",
                drafting_error=None,
            )
            self._audit(
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
        return self.get_case(case_id, actor)

    def get_draft(self, case_id: int, actor: Actor) -> DraftView:
        """The engine's draft and the items as they stand now."""
        with self.sessions() as session:
            case = self._case(session, case_id, actor)
            draft = session.scalar(select(DraftRow).where(DraftRow.case_id == case_id).order_by(DraftRow.id.desc()).limit(1))
            if draft is None:
                raise NotFound("no draft yet", case_number(case_id))
            return DraftView(
                case_id=case_id,
                engine_version=draft.engine_version,
                knowledge_version=draft.knowledge_version,
                created_at=draft.created_at,
                engine_determination=draft.determination,
                summary=case.summary or "",
                summary_version=case.summary_version,
                items=[_item_view(i) for i in case.items],
            )

    def edit_item(self, case_id: int, position: int, edit: ItemEdit, actor: Actor) -> ItemView:
        """The assigned reviewer changes one item's decision, rationale, guideline line and/or criterion statuses; the
        item's version goes up by one and the new version is kept as the revision of that number."""
        self._require(actor, UserRole.REVIEWER)
        if edit.decision is None and edit.rationale is None and edit.guideline is None and not edit.criteria:
            raise InvalidInput(
                "nothing to change: give a decision, a rationale, a guideline line or criteria", f"item {position}"
            )
        where = f"{case_number(case_id)} item {position}"
        with self._transaction(where) as session:
            case = self._draft_case(session, case_id, actor, "items")
            item = next((i for i in case.items if i.position == position), None)
            if item is None:
                raise NotFound("no such item", where)
            if item.excluded_reason is not None:
                raise TransitionRefused(f"the item is excluded from review ({item.excluded_reason})", where)
            if item.version != edit.version:
                raise StaleVersion(
                    f"the item is at version {item.version} but the edit was made on version {edit.version}: "
                    "someone else changed it; reload the draft and reapply your change",
                    where,
                )
            before = _item_state(item)
            if edit.decision is not None:
                item.decision = edit.decision.value
            if edit.rationale is not None:
                item.rationale = edit.rationale
            if edit.guideline is not None:
                item.guideline = edit.guideline
            if edit.criteria:
                item.criteria_overrides = _overrides(item, edit, where)
            item.version += 1
            case.updated_at = self.clock()  # the case's version moves too: a concurrent signature and this edit exclude
            session.flush()
            session.add(
                ItemRevisionRow(
                    item_id=item.id,
                    revision=item.version,
                    decision=item.decision or "",
                    rationale=item.rationale or "",
                    guideline=item.guideline,
                    criteria_overrides=item.criteria_overrides or {},
                    author=actor.name,
                    created_at=self.clock(),
                )
            )
            self._audit(
                session,
                actor,
                "item edited",
                case_id,
                {"position": position, **before},
                {"position": position, **_item_state(item)},
            )
            return _item_view(item)

    def edit_summary(self, case_id: int, edit: SummaryEdit, actor: Actor) -> DraftView:
        """The assigned reviewer rewrites the Clinical Case Summary (quoting the summary version it was made on)."""
        self._require(actor, UserRole.REVIEWER)
        where = f"{case_number(case_id)} summary"
        with self._transaction(where) as session:
            case = self._draft_case(session, case_id, actor, "the summary")
            if case.summary_version != edit.version:
                raise StaleVersion(
                    f"the summary is at version {case.summary_version} but the edit was made on version {edit.version}: "
                    "reload the draft and reapply your change",
                    where,
                )
            before = {"summary": case.summary, "summary_version": case.summary_version}
            case.summary = edit.summary
            case.summary_version += 1
            case.updated_at = self.clock()
            self._audit(
                session,
                actor,
                "summary edited",
                case_id,
                before,
                {"summary": case.summary, "summary_version": case.summary_version},
            )
        return self.get_draft(case_id, actor)

    def _draft_case(self, session: Session, case_id: int, actor: Actor, what: str) -> CaseRow:
        """The actor's case, which must be drafted (the only state in which the draft is edited)."""
        case = self._case(session, case_id, actor)
        if case.state != CaseState.DRAFTED:
            raise TransitionRefused(
                f"{what} can be edited only while the case is drafted (it is {case.state})", case_number(case_id)
            )
        return case

    def item_revisions(self, case_id: int, position: int, actor: Actor) -> list[RevisionView]:
        """Every version of one item's decision and rationale, the engine's first."""
        with self.sessions() as session:
            case = self._case(session, case_id, actor)
            item = next((i for i in case.items if i.position == position), None)
            if item is None:
                raise NotFound("no such item", f"{case_number(case_id)} item {position}")
            rows = session.scalars(
                select(ItemRevisionRow).where(ItemRevisionRow.item_id == item.id).order_by(ItemRevisionRow.revision)
            )
            return [
                RevisionView(
                    revision=r.revision,
                    decision=Decision(r.decision),
                    rationale=r.rationale,
                    guideline=r.guideline,
                    criteria_overrides=r.criteria_overrides or {},
                    author=r.author,
                    created_at=r.created_at,
                )
                for r in rows
            ]

    # -- signing and issuing ------------------------------------------------------------------------------------

    def sign(self, case_id: int, actor: Actor) -> CaseView:
        """The assigned reviewer signs the determination as it stands; no edit can slip in after (an edit moves the case's
        version too, so a signature and a concurrent edit cannot both succeed)."""
        self._require(actor, UserRole.REVIEWER)
        with self._transaction(case_number(case_id)) as session:
            case = self._case(session, case_id, actor)
            if case.reviewer_id != actor.reviewer_id:
                raise Forbidden("only the assigned reviewer can sign", case_number(case_id))
            self._move(session, actor, case, CaseState.SIGNED, "signed", signed_at=self.clock(), signed_by=actor.name)
        return self.get_case(case_id, actor)

    def issue(self, case_id: int, actor: Actor) -> CaseView:
        """Issue the signed determination: render the letter (PDF and JSON) once and store it, immutable."""
        self._require(actor, UserRole.ADMIN, UserRole.REVIEWER)
        with self.sessions() as session:
            case = self._case(session, case_id, actor)
            outcome = ScreeningOutcome(case.screening_outcome) if case.screening_outcome else None
            check_transition(CaseState(case.state), CaseState.ISSUED, outcome, case_number(case_id))
            letter = self._letter(session, case)
            rendered_from = case.version
        pdf = render_letter(letter, "pdf")
        letter_json = letter.model_dump_json(indent=2)
        with self._transaction(case_number(case_id)) as session:
            case = self._case(session, case_id, actor)
            if case.version != rendered_from:
                raise StaleVersion("the case changed while its letter was rendered: issue it again", case_number(case_id))
            now = self.clock()
            self._move(session, actor, case, CaseState.ISSUED, "issued", issued_at=now)
            session.flush()  # the case's version check comes first: a concurrent issue fails here, not on the letter
            session.add(
                LetterRow(
                    case_id=case_id,
                    pdf=pdf,
                    json=letter_json,
                    pdf_sha256=hashlib.sha256(pdf).hexdigest(),
                    json_sha256=hashlib.sha256(letter_json.encode()).hexdigest(),
                    issued_at=now,
                    issued_by=actor.name,
                )
            )
        return self.get_case(case_id, actor)

    def _letter(self, session: Session, case: CaseRow) -> Letter:
        """The case's letter as it stands: the engine's draft with the reviewer's edits, signed once the case is."""
        draft = session.scalar(select(DraftRow).where(DraftRow.case_id == case.id).order_by(DraftRow.id.desc()).limit(1))
        if draft is None:
            raise NotFound("no draft yet", case_number(case.id))
        determination = Determination.model_validate(draft.determination)
        reviewer_row = session.get(ReviewerRow, case.reviewer_id) if case.reviewer_id else None
        profile = ReviewerProfile.model_validate(reviewer_row.profile) if reviewer_row else None
        included = [item for item in case.items if item.excluded_reason is None]
        items = [
            final_item(drafted, item.decision, item.rationale, item.guideline, item.criteria_overrides)
            for drafted, item in zip(determination.items, included, strict=True)
        ]
        determination = determination.model_copy(
            update={
                "case_number": case_number(case.id),
                "date_assigned": case.assigned_at.date() if case.assigned_at else None,
                "decision_date": (case.signed_at or self.clock()).date(),
                "application_received": case.application_received,
                "ur_denial_date": case.ur_decision_date,
                "date_of_injury": case.injury_date,
                "priority": Priority(case.priority),
                "reviewer": Reviewer(licensure=profile.licensure, specialties=profile.board_certifications)
                if profile
                else Reviewer(),
                "summary": case.summary if case.summary is not None else determination.summary,
                "items": items,
            }
        )
        parties = Parties.model_validate(case.application.get("parties", {}))
        return Letter(
            organization=self.organization,
            addressees=addressees(parties, case.worker_id),
            claim_number=case.claim_number,
            employee=parties.employee or case.worker_id,
            signature=Signature(signed_on=case.signed_at.date()) if case.signed_at else None,
            determination=determination,
        )

    def preview_letter(self, case_id: int, fmt: str, actor: Actor) -> bytes:
        """The letter as it would be issued now (marked DRAFT until signed); once issued, the issued letter."""
        self._require(actor, UserRole.ADMIN, UserRole.REVIEWER)
        with self.sessions() as session:
            case = self._case(session, case_id, actor)
            if case.state == CaseState.ISSUED:
                return self.letter(case_id, fmt, actor)
            letter = self._letter(session, case)
        return letter.model_dump_json(indent=2).encode() if fmt == "json" else render_letter(letter, fmt)

    def letter(self, case_id: int, fmt: str, actor: Actor) -> bytes:
        """The issued letter as stored: `pdf` or `json`."""
        with self.sessions() as session:
            self._case(session, case_id, actor)
            row = session.scalar(select(LetterRow).where(LetterRow.case_id == case_id))
            if row is None:
                raise NotFound("no letter has been issued", case_number(case_id))
            return row.pdf if fmt == "pdf" else row.json.encode()

    # -- reading ------------------------------------------------------------------------------------------------

    def get_case(self, case_id: int, actor: Actor) -> CaseView:
        """One case with its items and documents."""
        with self.sessions() as session:
            case = self._case(session, case_id, actor)
            return self._case_view(session, case)

    def list_cases(
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
        with self.sessions() as session:
            return [self._case_view(session, case) for case in session.scalars(query)]

    def deadlines(self, actor: Actor, overdue: bool, within: dt.timedelta = dt.timedelta(0)) -> list[DeadlineEntry]:
        """Open cases past their pending deadline (`overdue`), or due within `within` from now, soonest first."""
        now = self.clock()
        limit = now if overdue else now + within
        determination_states = [
            s.value for s in (CaseState.RECORDS_COMPLETE, CaseState.IN_REVIEW, CaseState.DRAFTED, CaseState.SIGNED)
        ]
        query = select(CaseRow).where(
            or_(
                (CaseRow.state == CaseState.ASSIGNED.value) & (CaseRow.records_due <= limit),
                CaseRow.state.in_(determination_states) & (CaseRow.determination_due <= limit),
            )
        )
        if actor.role is UserRole.REVIEWER:
            query = query.where(CaseRow.reviewer_id == actor.reviewer_id)
        entries = []
        with self.sessions() as session:
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

    def audit_trail(self, case_id: int, actor: Actor) -> list[AuditEntry]:
        """The case's audit log, oldest first."""
        with self.sessions() as session:
            self._case(session, case_id, actor)
            rows = session.scalars(select(AuditRow).where(AuditRow.case_id == case_id).order_by(AuditRow.id))
            return [
                AuditEntry(id=r.id, case_id=r.case_id, at=r.at, actor=r.actor, action=r.action, before=r.before, after=r.after)
                for r in rows
            ]

    @staticmethod
    def _case_view(session: Session, case: CaseRow) -> CaseView:
        documents = session.scalars(select(DocumentRow).where(DocumentRow.case_id == case.id).order_by(DocumentRow.created_at))
        duplicates = session.scalar(
            select(func.count()).where(ApplicationRow.case_id == case.id, ApplicationRow.duplicate.is_(True))
        )
        return CaseView(
            id=case.id,
            case_number=case_number(case.id),
            state=case.state,
            screening_outcome=case.screening_outcome,
            screening_reasons=list(case.screening_reasons),
            priority=Priority(case.priority),
            worker_id=case.worker_id,
            claim_number=case.claim_number,
            injury_date=case.injury_date,
            ur_decision_date=case.ur_decision_date,
            application_received=case.application_received,
            reviewer_id=case.reviewer_id,
            assigned_at=case.assigned_at,
            notice_method=case.notice_method,
            records_due=case.records_due,
            records_received_at=case.records_received_at,
            determination_due=case.determination_due,
            drafting_error=case.drafting_error,
            signed_at=case.signed_at,
            signed_by=case.signed_by,
            issued_at=case.issued_at,
            duplicate_applications=duplicates or 0,
            version=case.version,
            created_at=case.created_at,
            updated_at=case.updated_at,
            items=[_item_view(i) for i in case.items],
            documents=[_document_view(d) for d in documents],
        )


def display_name(filename: str | None) -> str | None:
    """An uploaded file's name as kept for display: control characters dropped, at most 255 characters."""
    if filename is None:
        return None
    return "".join(ch for ch in filename if ch.isprintable())[:255] or None


def _item_view(item: ItemRow) -> ItemView:
    return ItemView(
        position=item.position,
        request=item.request,
        ur_outcome=item.ur_outcome,
        ur_guideline=item.ur_guideline,
        original_request=item.original_request,
        authorized=item.authorized,
        excluded_reason=item.excluded_reason,
        decision=Decision(item.decision) if item.decision else None,
        rationale=item.rationale,
        guideline=item.guideline,
        criteria_overrides=item.criteria_overrides or {},
        version=item.version,
    )


def _item_state(item: ItemRow) -> dict[str, Any]:
    """What an item edit changes, for the audit log."""
    return {
        "decision": item.decision,
        "rationale": item.rationale,
        "guideline": item.guideline,
        "criteria_overrides": item.criteria_overrides or {},
        "version": item.version,
    }


def _overrides(item: ItemRow, edit: ItemEdit, where: str) -> dict[str, Any]:
    """The item's criterion overrides after `edit`: a status equal to the engine's (or none) removes an override."""
    engine = criterion_statuses(item.engine_determination or {})
    overrides = dict(item.criteria_overrides or {})
    for change in edit.criteria:
        if change.id not in engine:
            raise InvalidInput(f"the engine's draft of this item has no criterion {change.id!r}", where)
        if change.status is None or change.status.value == engine[change.id]:
            overrides.pop(change.id, None)
        else:
            overrides[change.id] = change.model_dump(mode="json")
    return overrides


def _document_view(row: DocumentRow) -> DocumentView:
    return DocumentView(
        id=row.id,
        type=row.type,
        date=row.date,
        filename=row.filename,
        media_type=row.media_type,
        size=row.size,
        sha256=row.sha256,
        uploaded_by=row.uploaded_by,
        created_at=row.created_at,
    )
