"""Drafting off the request path: the job queue, retries with backoff, a dead worker's job taken over, one draft per case."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.conftest import case_with_records, synthetic_application

from openimr.cases import drafting
from openimr.cases.domain import Actor, UserRole
from openimr.cases.errors import TransitionRefused
from openimr.cases.services import Services
from openimr.cases.store import DraftRow, JobRow
from openimr.cases.worker import Worker
from openimr.model import Determination

ADMIN = Actor("drafting test", UserRole.ADMIN)
TEXT = "Chronic low back pain. Cyclobenzaprine daily for six months without documented functional improvement."


def _in_review(services: Services, text: str = TEXT) -> int:
    """A case in review with its drafting queued; the services' clock stands still from here (tests move it)."""
    _advance(services, dt.timedelta(0))
    case = case_with_records(services, synthetic_application("w-queue", "c-queue", record=text or None), ADMIN)
    assert case.drafting == "queued"
    return case.id


def _advance(services: Services, by: dt.timedelta) -> None:
    now = services.context.clock() + by
    services.context.clock = lambda: now


def _job(services: Services, case_id: int) -> JobRow:
    with services.context.sessions() as session:
        job = session.scalar(select(JobRow).where(JobRow.case_id == case_id))
        assert job is not None
        return job


def _drafts(services: Services, case_id: int) -> int:
    with services.context.sessions() as session:
        return session.scalar(select(func.count()).where(DraftRow.case_id == case_id)) or 0


def test_records_complete_queues_drafting_and_a_worker_drafts(services: Services) -> None:
    case_id = _in_review(services)
    assert services.cases.get(case_id, ADMIN).state == "in_review"
    worker = Worker(services, "w1")
    assert worker.run_once() is True
    case = services.cases.get(case_id, ADMIN)
    assert case.state == "drafted" and case.drafting == "done" and _drafts(services, case_id) == 1
    assert worker.run_once() is False, "the queue is drained"


def test_a_failing_engine_is_retried_with_backoff_then_drafts(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    real = drafting.review_case
    calls: list[int] = []

    def flaky(case: Any) -> Determination:
        calls.append(1)
        if len(calls) <= 2:
            raise RuntimeError("engine hiccup")
        return real(case)

    monkeypatch.setattr(drafting, "review_case", flaky)
    case_id = _in_review(services)
    worker = Worker(services, "w1")
    assert worker.run_once() is True
    job = _job(services, case_id)
    assert job.state == "queued" and job.attempts == 1 and "engine hiccup" in (job.last_error or "")
    assert job.run_after - services.context.clock() == dt.timedelta(seconds=2)
    assert worker.run_once() is False, "not before the backoff has passed"
    _advance(services, dt.timedelta(seconds=2))
    assert worker.run_once() is True
    assert _job(services, case_id).run_after - services.context.clock() == dt.timedelta(seconds=4), "the backoff doubles"
    _advance(services, dt.timedelta(seconds=4))
    assert worker.run_once() is True
    case = services.cases.get(case_id, ADMIN)
    assert case.state == "drafted" and _job(services, case_id).attempts == 3 and len(calls) == 3


def test_attempts_run_out_and_the_error_is_on_the_case_until_drafted_again(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(drafting, "review_case", lambda case: (_ for _ in ()).throw(RuntimeError("engine down")))
    case_id = _in_review(services)
    worker = Worker(services, "w1")
    for _ in range(services.queue.policy.max_attempts):
        _advance(services, dt.timedelta(minutes=5))
        assert worker.run_once() is True
    case = services.cases.get(case_id, ADMIN)
    assert case.state == "in_review" and case.drafting == "failed" and "engine down" in (case.drafting_error or "")
    monkeypatch.undo()
    again = services.drafting.redraft(case_id, ADMIN)
    assert again.drafting == "queued" and again.drafting_error is None
    with pytest.raises(TransitionRefused, match="already queued"):
        services.drafting.redraft(case_id, ADMIN)
    assert worker.run_once() is True
    assert services.cases.get(case_id, ADMIN).state == "drafted"


def test_a_case_without_text_fails_at_once_without_retries(services: Services) -> None:
    case_id = _in_review(services, text="")
    with services.context.write_sessions() as session:  # make the one document textless, as a blank scan would be
        from openimr.cases.store import DocumentRow

        for row in session.scalars(select(DocumentRow).where(DocumentRow.case_id == case_id)):
            row.text = " "
        session.commit()
    assert Worker(services, "w1").run_once() is True
    job = _job(services, case_id)
    assert job.state == "failed" and job.attempts == 1
    assert "no document with text" in (services.cases.get(case_id, ADMIN).drafting_error or "")


def test_a_dead_workers_job_is_taken_over_and_its_late_draft_is_dropped(services: Services) -> None:
    case_id = _in_review(services)
    dead = services.queue.claim("dead worker")
    assert dead is not None and dead.case_id == case_id
    assert services.queue.claim("w2") is None, "a leased job is not taken while the lease holds"
    _advance(services, services.queue.policy.lease + dt.timedelta(seconds=1))
    assert Worker(services, "w2").run_once() is True, "the expired lease is taken over"
    assert services.cases.get(case_id, ADMIN).state == "drafted"
    services.drafting.run(dead)  # the 'dead' worker wakes up and finishes its run late
    assert _drafts(services, case_id) == 1, "exactly one draft per case"
    job = _job(services, case_id)
    assert job.state == "done" and job.worker == "w2" and job.attempts == 2
