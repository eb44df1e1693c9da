"""What every case service shares: the database sessions, the document store, the clock, and the steps each write takes.

Each public service method runs in its own transaction (`ServiceContext.transaction`); a concurrent change to the same
case or item is detected by its version column and reported as `StaleVersion` (HTTP 409), never lost. Every change of a
case goes through `move` or `audit`, so the audit log has it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
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
from openimr.cases.store import (
    CaseRow,
    DocumentRow,
    WalCheckpoints,
    oldest_running_transaction,
    transaction_id,
    utcnow,
)
from openimr.cases.uploads import DocumentStore
from openimr.model import Organization

log = logging.getLogger(__name__)

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
    """A write waiting for the group commit that will run it (`ServiceContext.grouped`, `grouped_soon`), then what it
    gave."""

    what: str
    work: Callable[[Session], Any]
    documents: PendingDocuments | None
    unsynced: Sequence[str] = ()
    """Its documents' files, written but not yet synced: the group's leader syncs them before the COMMIT."""
    answer: asyncio.Future[Any] | None = None
    """None: its caller waits on `wake` (`grouped`); else its caller has gone on, to be answered there (`grouped_soon`)."""
    finished: bool = False
    result: Any = None
    error: BaseException | None = None
    wake: threading.Lock | None = None
    """When its caller waits: held until the caller is to go on (its group has ended, `finished`, or it is to lead the
    next). Its caller waits by acquiring it, and one other thread releases it, once: the cheapest way to wake one
    thread."""


Outcome = tuple[asyncio.Future[Any], Any, BaseException | None]
"""A future, and the result or the error to give it."""


def settle(outcomes: list[Outcome]) -> None:
    """Give each future its result or its error (on the futures' event loop; one whose caller gave up is left)."""
    for future, result, error in outcomes:
        if future.done():
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)


class _Committer:
    """The thread that leads the group commits of the writes queued by callers that do not wait (`grouped_soon`), for
    as long as the process serves: handed the lead, it runs one group (`lead`), and again each time it is handed it."""

    def __init__(self, lead: Callable[[], None]) -> None:
        self._lead = lead
        self._condition = threading.Condition()
        self._leads = 0
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="openimr-commit", daemon=True)
        self._thread.start()

    def hand_lead(self) -> None:
        """Give it the lead of the next group."""
        with self._condition:
            self._leads += 1
            self._condition.notify()

    def stop(self) -> None:
        """Stop once it has run the groups it was handed."""
        with self._condition:
            self._stopping = True
            self._condition.notify()
        self._thread.join()

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._leads and not self._stopping:
                    self._condition.wait()
                if not self._leads:
                    return
                self._leads -= 1
            try:
                self._lead()
            except Exception:  # every write of the group was given the error; the thread must go on leading
                log.exception("a group commit failed")


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
        self._committer: _Committer | None = None
        self._checkpoints: WalCheckpoints | None = None
        self._syncs: ThreadPoolExecutor | None = None
        self._started_lock = threading.Lock()

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
        wait. When the group has ended, its leader hands the lead of the next to the first work queued after it (to the
        committer's thread if that work's caller went on: `grouped_soon`), then wakes the callers of its group: each
        waiting thread is woken once, and only when it has something to do (its work committed or failed, or the next
        group to lead). Each caller returns only after the COMMIT of the group that ran its work, so what it was told
        is committed, as with `transaction`. `work` may run twice (again in its
        savepoint when another work of its group failed): it must do its database work and nothing else.

        On PostgreSQL too: every work appends to the audit chain, whose head row a transaction holds from its first
        entry to its COMMIT, so the writers of all processes take turns at it anyway; a group takes one turn for all
        its works instead of one each."""
        pending = _GroupedWrite(what, work, documents, wake=_held_lock())
        if not self._queue(pending):
            assert pending.wake is not None
            pending.wake.acquire()  # until its group has ended, or it is handed the lead
        if not pending.finished:
            self._lead(pending)
        if pending.error is not None:
            raise pending.error
        result: T = pending.result
        return result

    def grouped_soon(
        self,
        what: str,
        work: Callable[[Session], Any],
        documents: PendingDocuments,
        unsynced: Sequence[str],
        answer: asyncio.Future[Any],
    ) -> None:
        """Queue `work` for the next group commit, as `grouped` runs it, and return at once: `answer` gets what it
        returned, or its error, on its event loop once its group has ended (never before its COMMIT). `unsynced`: the
        ids of its documents' files, written but not synced; the group's leader syncs the files of its whole group
        before the COMMIT, in parallel, with one sync for each of their folders (`DocumentStore.sync`), so no caller's
        thread waits for a disk. If they cannot be synced, the write fails and its files go. `documents` as for
        `grouped`: a failed write's files go, or are kept for `settle_documents`, as `keeping_documents` decides.

        The groups of such writes are led by a thread of this context's own (`close` stops it), so a caller on an event
        loop holds a thread only while it prepares its write."""
        pending = _GroupedWrite(what, work, documents, tuple(unsynced), answer)
        if self._queue(pending):
            self._started()[0].hand_lead()

    def _started(self) -> tuple[_Committer, ThreadPoolExecutor]:
        """The thread leading `grouped_soon`'s groups and the threads syncing their files, started at their first use."""
        with self._started_lock:
            if self._committer is None or self._syncs is None:
                self._syncs = ThreadPoolExecutor(16, thread_name_prefix="openimr-sync")
                self._committer = _Committer(lambda: self._lead(None))
            return self._committer, self._syncs

    def own_checkpoints(self, every: float) -> None:
        """SQLite: checkpoint the WAL on a thread of this process every `every` seconds, instead of in the COMMITs of
        its writers (`WalCheckpoints`), until `close`. Nothing on another database."""
        engine = self.write_sessions.kw["bind"]
        if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
            with self._started_lock:
                if self._checkpoints is None:
                    self._checkpoints = WalCheckpoints(engine, every)
                    self._checkpoints.start()

    def close(self) -> None:
        """Stop the thread leading `grouped_soon`'s groups, once it has run those queued, the threads syncing files, and
        the WAL's checkpoints (`own_checkpoints`)."""
        with self._started_lock:
            committer, syncs, checkpoints = self._committer, self._syncs, self._checkpoints
            self._committer = self._syncs = self._checkpoints = None
        if checkpoints is not None:
            checkpoints.stop()
        if committer is not None:
            committer.stop()
        if syncs is not None:
            syncs.shutdown()

    def _queue(self, pending: _GroupedWrite) -> bool:
        """Queue a write for the next group commit; True when its caller is to lead (no group is running)."""
        with self._group_lock:
            self._group.append(pending)
            leads = not self._leading
            self._leading = True
        return leads

    def _lead(self, own: _GroupedWrite | None) -> None:
        """Run one group commit in this thread, of every write queued, then hand the lead on. `own`: the write of the
        caller waiting in this thread (`grouped`), or None on the committer's thread."""
        group: list[_GroupedWrite] = []
        try:
            with self._write_lock:
                with self._group_lock:
                    group, self._group = self._group, []
                self._commit_group(self._synced(group))
        finally:
            self._end_group(own, group)

    def _synced(self, group: list[_GroupedWrite]) -> list[_GroupedWrite]:
        """Sync the files the writes of `group` wrote unsynced, all in one pass; the writes that may commit (a write whose
        files could not be synced ends with the error)."""
        unsynced = [pending for pending in group if pending.unsynced]
        if not unsynced:
            return group
        try:
            self.documents.sync([document_id for pending in unsynced for document_id in pending.unsynced], self._started()[1])
        except Exception as error:
            for pending in unsynced:
                pending.error, pending.finished = error, True
            return [pending for pending in group if not pending.unsynced]
        return group

    def _end_group(self, own: _GroupedWrite | None, group: list[_GroupedWrite]) -> None:
        """After a group: hand the lead of the next to the first write queued (its caller's thread, or the committer's
        when its caller went on), then tell the group's callers."""
        with self._group_lock:
            if own is not None and own in self._group:  # the group was never taken (the writer's lock failed): not run
                self._group.remove(own)
                own.finished = True
            following = self._group[0] if self._group else None
            self._leading = following is not None
        if following is not None:
            if following.wake is not None:
                following.wake.release()  # it leads the next group
            else:
                self._started()[0].hand_lead()
        self._answer(own, group)

    def _answer(self, own: _GroupedWrite | None, group: list[_GroupedWrite]) -> None:
        """Tell the callers of an ended group: wake those waiting in their threads, and answer the others with one call
        into each event loop (the documents of a failed write let go, or kept for `settle_documents`)."""
        outcomes: dict[asyncio.AbstractEventLoop, list[Outcome]] = {}
        for pending in group:
            if pending.answer is None:
                if pending is not own and pending.wake is not None:
                    pending.wake.release()
                continue
            if pending.error is not None and pending.documents is not None:
                self._documents_not_kept(pending.documents)
            outcomes.setdefault(pending.answer.get_loop(), []).append((pending.answer, pending.result, pending.error))
        for loop, answers in outcomes.items():
            with suppress(RuntimeError):  # raised when the loop is closed: nobody waits for these answers
                loop.call_soon_threadsafe(settle, answers)

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
            self._documents_not_kept(pending)
            raise

    def _documents_not_kept(self, pending: PendingDocuments) -> None:
        """After the transactions of `pending`'s rows failed: the files go if no COMMIT was sent, else they are kept for
        `settle_documents`."""
        if pending.commit_sent:
            with self._uncertain_lock:
                self._uncertain.append(pending)
        else:
            for document_id in pending.ids:
                self.documents.discard(document_id)

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
