"""Deadlines of an IMR case, computed from the dates the rules name (domain.md §A.7-A.8).

- Records from the claims administrator (9792.10.5(a)(1)): standard review, 15 days after the *mailing* of the Notice of
  Assignment, or 12 days if it was sent electronically; expedited review, 24 hours after receipt of the notice (taken as
  the moment it was sent electronically; expedited notices are not mailed in practice).
- Determination (LC 4610.6(d)): standard, 30 days from receipt of the records; expedited, 3 days.
The deadlines are directory, not mandatory (Margaris, §A.8): an overdue case is flagged, never blocked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from openimr.cases.domain import NoticeMethod
from openimr.model import Priority

RECORDS_DAYS_MAILED = 15
RECORDS_DAYS_ELECTRONIC = 12
RECORDS_EXPEDITED = dt.timedelta(hours=24)
DETERMINATION_DAYS = 30
DETERMINATION_EXPEDITED_DAYS = 3


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


def determination_due(records_received: dt.datetime, priority: Priority) -> dt.datetime:
    """When the determination is due: 30 days (standard) or 3 days (expedited) from receipt of the records."""
    days = DETERMINATION_EXPEDITED_DAYS if priority is Priority.EXPEDITED else DETERMINATION_DAYS
    return records_received + dt.timedelta(days=days)
