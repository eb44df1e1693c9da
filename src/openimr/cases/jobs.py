"""The job queue: background work on cases in a table of the same database, taken by workers under a lease.

A job is `queued` (to run from `run_after`), `running` (a worker holds it until `lease_until`), `done` or `failed`.
Workers take the oldest runnable job in a write transaction: on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so workers in
several processes never take the same one; on SQLite under its single writer. A running job whose lease has passed is
runnable again: its worker died or stalled. A failed attempt is retried after an exponential backoff until the attempts
run out. There is at most one job per kind and case.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from openimr.cases import audit
from openimr.cases.context import ServiceContext
from openimr.cases.store import JobRow


class JobState(StrEnum):
    """Where a job stands."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class JobKind(StrEnum):
    """What a job does."""

    DRAFT = "draft"
    OCR = "ocr"
    """Read a case's scanned uploads by OCR (`openimr.cases.reading`)."""


@dataclass(frozen=True)
class QueuePolicy:
    """How long a lease lasts, how often a job is tried, and the first retry's delay (doubled each time)."""

    lease: dt.timedelta = dt.timedelta(seconds=60)
    max_attempts: int = 5
    backoff: dt.timedelta = dt.timedelta(seconds=2)


@dataclass(frozen=True)
class Claim:
    """A job a worker has taken: run it, then settle it with the same claim (the lease proves it is still yours)."""

    job_id: int
    kind: JobKind
    case_id: int
    attempt: int
    worker: str
    requested_by: str


class JobQueue:
    """Enqueue, claim and settle jobs."""

    def __init__(self, context: ServiceContext, policy: QueuePolicy) -> None:
        self.context = context
        self.policy = policy
        self.work_available = threading.Event()
        """Set when a job is queued in this process, so its workers need not wait for their next poll."""

    def enqueue(self, session: Session, kind: JobKind, case_id: int, requested_by: str) -> None:
        """Queue (or queue again) the job of this kind for the case, in the caller's transaction."""
        now = self.context.clock()
        job = session.scalar(select(JobRow).where(JobRow.kind == kind.value, JobRow.case_id == case_id))
        if job is None:
            job = JobRow(kind=kind.value, case_id=case_id, created_at=now)
            session.add(job)
        job.state, job.attempts, job.run_after, job.lease_until = JobState.QUEUED.value, 0, now, None
        job.worker, job.last_error, job.requested_by, job.updated_at = None, None, requested_by, now
        session.info.setdefault("after_commit", []).append(self.work_available.set)

    def claim(self, worker: str) -> Claim | None:
        """Take the oldest runnable job (queued and due, or running with its lease passed), or None."""
        with self.context.transaction("job queue") as session:
            now = self.context.clock()
            query = (
                select(JobRow)
                .where(
                    or_(
                        (JobRow.state == JobState.QUEUED.value) & (JobRow.run_after <= now),
                        (JobRow.state == JobState.RUNNING.value) & (JobRow.lease_until < now),
                    )
                )
                .order_by(JobRow.run_after, JobRow.id)
                .limit(1)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            job = session.scalar(query)
            if job is None:
                return None
            job.state, job.attempts, job.worker = JobState.RUNNING.value, job.attempts + 1, worker
            job.lease_until, job.updated_at = now + self.policy.lease, now
            return Claim(job.id, JobKind(job.kind), job.case_id, job.attempts, worker, job.requested_by)

    def holds(self, session: Session, claim: Claim) -> JobRow | None:
        """The claimed job, locked, if the claim still holds it (no other worker took it over since); else None. The
        audit chain's head is locked first (`audit.lock_head`): settling a job is audited."""
        audit.lock_head(session)
        query = select(JobRow).where(JobRow.id == claim.job_id)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        job = session.scalar(query)
        if job is None or job.state != JobState.RUNNING or job.worker != claim.worker or job.attempts != claim.attempt:
            return None
        return job

    def finish(self, job: JobRow, state: JobState, error: str | None = None) -> None:
        """Settle a held job as done or failed (in the caller's transaction)."""
        job.state, job.lease_until, job.last_error, job.updated_at = state.value, None, error, self.context.clock()

    def postpone(self, job: JobRow) -> None:
        """Put a held job back in the queue for the first retry's delay without counting the attempt: it waits for
        other work (drafting for the OCR of the case's scanned uploads)."""
        now = self.context.clock()
        job.state, job.attempts, job.run_after, job.lease_until, job.updated_at = (
            JobState.QUEUED.value,
            job.attempts - 1,
            now + self.policy.backoff,
            None,
            now,
        )

    def retry_later(self, job: JobRow, error: str) -> bool:
        """Put a failed attempt back in the queue after its backoff; False when the attempts have run out."""
        if job.attempts >= self.policy.max_attempts:
            return False
        now = self.context.clock()
        delay = self.policy.backoff * 2 ** (job.attempts - 1)
        job.state, job.run_after, job.lease_until, job.last_error, job.updated_at = (
            JobState.QUEUED.value,
            now + delay,
            None,
            error,
            now,
        )
        return True

    def counts(self) -> dict[str, int]:
        """How many jobs are in each state."""
        with self.context.sessions() as session:
            return {state: count for state, count in session.execute(select(JobRow.state, func.count()).group_by(JobRow.state))}

    def state_of(self, session: Session, kind: JobKind, case_id: int) -> JobRow | None:
        """The job of this kind for the case, if any."""
        return session.scalar(select(JobRow).where(JobRow.kind == kind.value, JobRow.case_id == case_id))
