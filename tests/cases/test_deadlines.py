"""Deadlines from the dates the rules name (domain.md §A.7-A.8)."""

from __future__ import annotations

import datetime as dt

import pytest

from openimr.cases.business_days import PACIFIC, business_deadline
from openimr.cases.deadlines import Deadline, DeadlineKind, determination_due, expedited_from, records_due
from openimr.cases.domain import NoticeMethod
from openimr.model import Priority

SENT = dt.datetime(2026, 5, 4, 15, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("priority", "method", "expected"),
    [
        (Priority.STANDARD, NoticeMethod.MAIL, SENT + dt.timedelta(days=15)),
        (Priority.STANDARD, NoticeMethod.ELECTRONIC, SENT + dt.timedelta(days=12)),
        (Priority.EXPEDITED, NoticeMethod.ELECTRONIC, SENT + dt.timedelta(hours=24)),
        (Priority.EXPEDITED, NoticeMethod.MAIL, SENT + dt.timedelta(hours=24)),
    ],
)
def test_records_due_after_the_notice_of_assignment(priority: Priority, method: NoticeMethod, expected: dt.datetime) -> None:
    assert records_due(SENT, priority, method) == expected


@pytest.mark.parametrize(("priority", "days"), [(Priority.STANDARD, 30), (Priority.EXPEDITED, 3)])
def test_determination_due_from_receipt_of_records(priority: Priority, days: int) -> None:
    assert determination_due(SENT, priority) == SENT + dt.timedelta(days=days)


def test_overdue_and_due_soon_are_exclusive() -> None:
    deadline = Deadline(DeadlineKind.RECORDS, SENT)
    window = dt.timedelta(hours=48)
    assert deadline.overdue(SENT + dt.timedelta(seconds=1)) and not deadline.due_within(SENT + dt.timedelta(seconds=1), window)
    assert deadline.due_within(SENT - dt.timedelta(hours=47), window) and not deadline.overdue(SENT - dt.timedelta(hours=47))
    assert not deadline.due_within(SENT - dt.timedelta(hours=49), window)


def test_a_formulary_dispute_is_due_in_five_business_days() -> None:
    received = dt.datetime(2026, 3, 27, 17, 0, tzinfo=dt.UTC)  # Friday; Cesar Chavez Day (Tue 31 Mar) is skipped
    due = determination_due(received, Priority.STANDARD, formulary=True)
    assert due == business_deadline(received, 5) and due.astimezone(PACIFIC).date() == dt.date(2026, 4, 6)
    assert determination_due(received, Priority.EXPEDITED, formulary=True) == received + dt.timedelta(days=3), "the soonest"


def test_conversion_to_expedited_moves_the_pending_deadline_up_never_back() -> None:
    converted = SENT + dt.timedelta(days=2)
    assert expedited_from(converted, None, SENT + dt.timedelta(days=15)) == converted + dt.timedelta(hours=24)
    assert expedited_from(converted, SENT, SENT + dt.timedelta(days=30)) == converted + dt.timedelta(days=3)
    assert expedited_from(converted, SENT, SENT + dt.timedelta(days=1)) == SENT + dt.timedelta(days=1)
