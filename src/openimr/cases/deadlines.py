"""Deadlines of an IMR case, computed from the dates the rules name (domain.md §A.7-A.8).

- Records from the claims administrator (9792.10.5(a)(1)): standard review, 15 days after the *mailing* of the Notice of
  Assignment, or 12 days if it was sent electronically; expedited review, 24 hours after receipt of the notice (taken as
  the moment it was sent electronically; expedited notices are not mailed in practice).
- Determination (LC 4610.6(d)): standard, 30 days from receipt of the records; a dispute over a drug under the MTUS Drug
  Formulary, 5 business days (`business_days`: California state holidays skipped); expedited, 3 days.
- Conversion to expedited (9792.10.4(c)): the pending deadline becomes the expedited one counted from the conversion, or
  stays if it is sooner.
The deadlines are directory, not mandatory (Margaris, §A.8): an overdue case is flagged, never blocked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from openimr.cases.business_days import business_deadline
from openimr.cases.domain import NoticeMethod
from openimr.model import Priority

RECORDS_DAYS_MAILED = 15
RECORDS_DAYS_ELECTRONIC = 12
RECORDS_EXPEDITED = dt.timedelta(hours=24)
DETERMINATION_DAYS = 30
DETERMINATION_EXPEDITED_DAYS = 3
FORMULARY_BUSINESS_DAYS = 5


class DeadlineKind(StrEnum):
    """Which deadline a case is waiting on."""

    RECORDS = "records"
    DETERMINATION = "determination"


@dataclass(frozen=True)
class Deadline:
    """A pending deadline of a case."""

    kind: DeadlineKind
    due: dt.datetime

    def overdue(self, now: dt.datetime) -> bool:
        """Past due at `now`."""
        return now > self.due

    def due_within(self, now: dt.datetime, window: dt.timedelta) -> bool:
        """Not yet past due, but due within `window` of `now`."""
        return now <= self.due <= now + window


def records_due(notice_sent: dt.datetime, priority: Priority, method: NoticeMethod) -> dt.datetime:
    """When the claims administrator's records are due at the IMRO."""
    if priority is Priority.EXPEDITED:
        return notice_sent + RECORDS_EXPEDITED
    days = RECORDS_DAYS_MAILED if method is NoticeMethod.MAIL else RECORDS_DAYS_ELECTRONIC
    return notice_sent + dt.timedelta(days=days)


def determination_due(records_received: dt.datetime, priority: Priority, formulary: bool = False) -> dt.datetime:
    """When the determination is due from receipt of the records: 3 days (expedited), 5 business days (a formulary
    dispute), else 30 days; the soonest that applies."""
    due = records_received + dt.timedelta(days=DETERMINATION_DAYS)
    if formulary:
        due = min(due, business_deadline(records_received, FORMULARY_BUSINESS_DAYS))
    if priority is Priority.EXPEDITED:
        due = min(due, records_received + dt.timedelta(days=DETERMINATION_EXPEDITED_DAYS))
    return due


def expedited_from(converted: dt.datetime, records_received: dt.datetime | None, pending: dt.datetime | None) -> dt.datetime:
    """The pending deadline of a case converted to expedited at `converted`: records due 24 hours after the conversion
    while they are awaited, else the determination 3 days after it; an earlier pending deadline stands."""
    window = RECORDS_EXPEDITED if records_received is None else dt.timedelta(days=DETERMINATION_EXPEDITED_DAYS)
    due = converted + window
    return due if pending is None else min(due, pending)
