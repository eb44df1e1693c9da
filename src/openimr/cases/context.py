"""What every case service shares: the database sessions, the document store, the clock, and the steps each write takes.

Each public service method runs in its own transaction (`ServiceContext.transaction`); a concurrent change to the same
case or item is detected by its version column and reported as `StaleVersion` (HTTP 409), never lost. Every change of a
case goes through `move` or `audit`, so the audit log has it.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from openimr.cases import audit
from openimr.cases.domain import Actor, CaseState, ScreeningOutcome, UserRole, case_number
from openimr.cases.errors import Forbidden, NotFound, StaleVersion
from openimr.cases.mapping import CaseFields
from openimr.cases.states import check_transition
from openimr.cases.store import CaseRow, DocumentRow, oldest_running_transaction, transaction_id, utcnow
from openimr.cases.uploads import DocumentStore
from openimr.model import Organization

AUDITED_CASE_FIELDS = (
    "state",
    "screening_outcome",
    "screening_reasons",
    "reviewer_id",
    "notice_method",
    "records_due",
    "records_received_at",
    "determination_due",
    "drafting_error",
    "consolidated_into",
    "priority",
    "signed_by",
    "signed_at",
    "issued_at",
)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def snapshot(case: CaseFields) -> dict[str, Any]:
    """The audited fields of a case, as JSON values."""
    return {name: _jsonable(getattr(case, name)) for name in AUDITED_CASE_FIELDS}


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields that changed between two snapshots: their values before and after."""
    changed = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


def require(actor: Actor, *roles: UserRole) -> None:
    """Refuse an actor whose role is not one of `roles`."""
    if actor.role not in roles:
        allowed = ", ".join(r.value for r in roles)
        raise Forbidden(f"role {actor.role.value} may not do this (needs {allowed})", actor.name)


def visible_case(session: Session, case_id: int, actor: Actor) -> CaseRow:
    """A case the actor may see; a reviewer sees only the cases assigned to them (others are 'not found')."""
    case = session.get(CaseRow, case_id)
    check_visible(case_id, case is not None, case.reviewer_id if case is not None else None, actor)
    assert case is not None
    return case


def check_visible(case_id: int, found: bool, reviewer_id: int | None, actor: Actor) -> None:
    """Refuse (as 'not found') a case that does not exist or that the actor may not see: a reviewer sees only the cases
    assigned to them (`reviewer_id`)."""
    if not found or (actor.role is UserRole.REVIEWER and reviewer_id != actor.reviewer_id):
        raise NotFound("no such case", f"case {case_id}")


@dataclass(eq=False)
class PendingDocuments:
    """Document files stored before the transactions that commit their rows (`ServiceContext.keeping_documents`)."""

    ids: list[str]
    commit_sent: bool = False
    """Whether a COMMIT adding their rows was sent: from then on a row may exist, whatever the caller was told."""
    transactions: list[int] = field(default_factory=list)
    """The PostgreSQL ids of the transactions that sent it (none on SQLite)."""

    def sending_commit(self, transaction: int | None) -> None:
        """Record that a COMMIT for these rows is about to be sent, by the PostgreSQL `transaction` if given."""
        self.commit_sent = True
        if transaction is not None:
            self.transactions.append(transaction)


T = TypeVar("T")


def _held_lock() -> threading.Lock:
    lock = threading.Lock()
    lock.acquire()
    return lock


@dataclass(eq=False)
class _GroupedWrite:
    """A write waiting for the group commit that will run it (`ServiceContext.grouped`), then what it gave."""

    what: str
    work: Callable[[Session], Any]
    documents: PendingDocuments | None
    finished: bool = False
    result: Any = None
    error: BaseException | None = None
    wake: threading.Lock = field(default_factory=_held_lock)
    """Held until its caller is to go on: its group has ended (`finished`), or it is to lead the next. Its caller waits
    by acquiring it, and one other thread releases it, once: the cheapest way to wake one thread."""


def _run_together(session: Session, group: list[_GroupedWrite]) -> bool:
    """Run the works of a group one after another in the session's transaction, without savepoints (the usual case: none
    fails); False, the transaction rolled back, as soon as one fails (they run again, each in a savepoint:
    `_run_in_savepoint`)."""
    try:
        for pending in group:
            pending.result = pending.work(session)
            session.flush()
        return True
    except Exception:
        session.rollback()
        return False


def _run_in_savepoint(session: Session, pending: _GroupedWrite) -> bool:
    """Run one work of a group commit in a savepoint; False (the savepoint rolled back, the error kept) if it failed."""
    head = session.info.get("audit_head")  # the audit chain's head as the work found it
    try:
        with session.begin_nested():
            pending.result = pending.work(session)
        return True
    except StaleDataError:
        pending.error = StaleVersion("changed by someone else at the same time: reload it and try again", pending.what)
    except Exception as error:
        pending.error = error
    if head is None:  # the entries the work appended were rolled back with it
        session.info.pop("audit_head", None)
    else:
        session.info["audit_head"] = head
    return False


class ServiceContext:
    """One database and one document store, shared by the services of a process."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        documents: DocumentStore,
        clock: Callable[[], dt.datetime] = utcnow,
        serialize_writes: bool = False,
        write_sessions: sessionmaker[Session] | None = None,
        organization: Organization | None = None,
    ) -> None:
        """`sessions` read; `write_sessions` (default: the same) write. `serialize_writes` queues this process's write
        transactions on a lock: right for SQLite, which allows one writer at a time and would otherwise make concurrent
        writers poll its busy timeout. `organization` is the IMR organization the letters name (default:
        `Organization()`)."""
        self.sessions = sessions
        self.write_sessions = write_sessions or sessions
        self.documents = documents
        self.clock = clock
        self.organization = organization or Organization()
        self._write_lock: AbstractContextManager[object] = threading.Lock() if serialize_writes else nullcontext()
        self._group: list[_GroupedWrite] = []
        """The writes queued for the next group commit, in their order of arrival."""
        self._group_lock = threading.Lock()
        """Guards `_group` and `_leading`."""
        self._leading = False
        """Whether a write leads a group commit (runs one, or was handed the lead of the next); the others queued wait."""
        self._uncertain: list[PendingDocuments] = []
        self._uncertain_lock = threading.Lock()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read-only connection of the `sessions`' engine (one snapshot, rolled back at the end), for Core statements
        on the hot reads: an ORM session would only add work."""
        with self.sessions.kw["bind"].connect() as connection:
            yield connection

    @contextmanager
    def transaction(self, what: str, documents: PendingDocuments | None = None) -> Iterator[Session]:
        """A write session committed at the end; a version clash becomes `StaleVersion` naming `what`. `documents`: the
        stored files whose rows this transaction adds (from `keeping_documents`), told when their COMMIT is sent."""
        with self._write_lock, self.write_sessions() as session:
            try:
                # Its PostgreSQL id is asked for first, not between its last statement and its COMMIT: by then it may hold
                # the audit chain's head, which every other writer waits for.
                transaction = transaction_id(session) if documents is not None else None
                yield session
                session.flush()
                if documents is not None:
                    documents.sending_commit(transaction)
                session.commit()
                for callback in session.info.pop("after_commit", []):
                    callback()
            except StaleDataError:
                session.rollback()
                raise StaleVersion("changed by someone else at the same time: reload it and try again", what) from None

    def grouped(self, what: str, work: Callable[[Session], T], documents: PendingDocuments | None = None) -> T:
        """Run `work` in a write transaction, as `transaction` would, and return what it returns once that transaction
        has committed; `what` and `documents` as for `transaction`.

        This is a group commit. A caller that finds none running in its process leads one: it takes the single writer
        (SQLite), then every work queued by then, and runs them in one transaction, with one BEGIN and one COMMIT for
        all (`_commit_group`: one that fails is rolled back alone and raises to its caller). The works queued meanwhile
        wait. When the group has ended, its leader hands the lead of the next to the first work queued after it, then
        wakes the callers of its group: each waiting thread is woken once, and only when it has something to do (its
        work committed or failed, or the next group to lead). Each caller returns only after the COMMIT of the group
        that ran its work, so what it was told is committed, as with `transaction`. `work` may run twice (again in its
        savepoint when another work of its group failed): it must do its database work and nothing else.

        On PostgreSQL too: every work appends to the audit chain, whose head row a transaction holds from its first
        entry to its COMMIT, so the writers of all processes take turns at it anyway; a group takes one turn for all
        its works instead of one each."""
        pending = _GroupedWrite(what, work, documents)
        with self._group_lock:
            self._group.append(pending)
            leads = not self._leading
            self._leading = True
        if not leads:
            pending.wake.acquire()  # until its group has ended, or it is handed the lead
            leads = not pending.finished
        if leads:
            group: list[_GroupedWrite] = []
            try:
                with self._write_lock:
                    with self._group_lock:
                        group, self._group = self._group, []
                    self._commit_group(group)
            finally:
                with self._group_lock:
                    if pending in self._group:  # the group was never taken (the writer's lock failed): not run
                        self._group.remove(pending)
                    following = self._group[0] if self._group else None
                    self._leading = following is not None
                if following is not None:
                    following.wake.release()  # it leads the next group
                for other in group:
                    if other is not pending:
                        other.wake.release()
        if pending.error is not None:
            raise pending.error
        result: T = pending.result
        return result

    def _commit_group(self, group: list[_GroupedWrite]) -> None:
        """Run the works of `group` in one transaction and commit those that succeeded; every work ends finished, with its
        result or its error. They run together first, without savepoints (a SAVEPOINT and its RELEASE cost more than
        most works); if one fails, the transaction is rolled back and they run again, each in a savepoint, so that the
        one failing is rolled back alone (and raises its error)."""
        with_documents = any(pending.documents is not None for pending in group)
        try:
            with self.write_sessions() as session:
                transaction = transaction_id(session) if with_documents else None  # before the audit head is held
                if _run_together(session, group):
                    committing = group
                else:
                    session.info.clear()  # what the works left there was rolled back with them
                    transaction = transaction_id(session) if with_documents else None  # the rollback ended the first
                    committing = [pending for pending in group if _run_in_savepoint(session, pending)]
                if committing:
                    for pending in committing:
                        if pending.documents is not None:
                            pending.documents.sending_commit(transaction)
                    session.commit()
                    for callback in session.info.pop("after_commit", []):
                        callback()
        except BaseException as error:  # the COMMIT failed (or the transaction could not begin): no work committed
            for pending in group:
                pending.error = pending.error or error
            if not isinstance(error, Exception):
                raise
        finally:
            for pending in group:
                pending.finished = True

    @contextmanager
    def keeping_documents(self, document_ids: list[str]) -> Iterator[PendingDocuments]:
        """Around the transactions that commit the rows of documents already stored (give them the `PendingDocuments`
        yielded). If the block fails before any of them sent its COMMIT, no row can exist and the files go. Once a COMMIT
        was sent, a row may exist whatever the block reports (the connection may have broken during COMMIT, or a read
        after it failed), so the files are kept for `settle_documents` to decide once the database answers."""
        pending = PendingDocuments(list(document_ids))
        try:
            yield pending
        except BaseException:
            if pending.commit_sent:
                with self._uncertain_lock:
                    self._uncertain.append(pending)
            else:
                for document_id in pending.ids:
                    self.documents.discard(document_id)
            raise

    def settle_documents(self) -> int:
        """Remove the files of uncertain commits that certainly did not keep their rows; the number removed.

        A file goes only when its COMMIT has ended (PostgreSQL: its transaction is older than every one still running;
        one still in progress waits for a later call) and a query made after that finds no row with the file's id. A
        database that does not answer raises, and everything waits."""
        with self._uncertain_lock:
            pending = list(self._uncertain)
        if not pending:
            return 0
        with self.sessions() as session:
            oldest = oldest_running_transaction(session)
        ended = [p for p in pending if oldest is None or all(t < oldest for t in p.transactions)]
        candidates = {document_id for p in ended for document_id in p.ids}
        with self.sessions() as session:  # a new snapshot, taken after those commits ended
            kept = set(session.scalars(select(DocumentRow.id).where(DocumentRow.id.in_(candidates)))) if candidates else set()
        for document_id in candidates - kept:
            self.documents.discard(document_id)
        with self._uncertain_lock:
            self._uncertain = [p for p in self._uncertain if p not in ended]
        return len(candidates - kept)

    def wait_for_running_transactions(self, timeout: float) -> bool:
        """Wait until every transaction running now has ended (PostgreSQL: a COMMIT sent by a process that has since died
        may still be in progress on the server); False when one still runs after `timeout` seconds."""
        with self.write_sessions() as session:
            now = transaction_id(session)  # a new id: every transaction running now has a smaller one
        deadline = time.monotonic() + timeout
        while now is not None:
            with self.sessions() as session:
                oldest = oldest_running_transaction(session)
            if oldest is None or oldest > now:
                break
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)
        return True

    def audit(
        self,
        session: Session,
        actor: Actor,
        action: str,
        case_id: int | None,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        """Record one change in the hash-chained audit log (in the caller's transaction)."""
        audit.append(session, case_id, self.clock(), actor.name, action, before, after)

    def move(self, session: Session, actor: Actor, case: CaseRow, target: CaseState, action: str, **changes: Any) -> None:
        """Check and make a state transition with its field changes, and audit it."""
        outcome = ScreeningOutcome(case.screening_outcome) if case.screening_outcome else None
        check_transition(CaseState(case.state), target, outcome, case_number(case.id))
        before = snapshot(case)
        case.state = target.value
        for name, value in changes.items():
            setattr(case, name, value)
        case.updated_at = self.clock()
        self.audit(session, actor, action, case.id, *diff(before, snapshot(case)))

    def change(self, session: Session, actor: Actor, case: CaseRow, action: str, **changes: Any) -> None:
        """Change fields of a case without a transition, and audit it."""
        before = snapshot(case)
        for name, value in changes.items():
            setattr(case, name, value)
        case.updated_at = self.clock()
        self.audit(session, actor, action, case.id, *diff(before, snapshot(case)))
