"""Business days in California: weekdays that are not state holidays (`knowledge/cases/california_state_holidays.yaml`).

Used where the regulations count business (working) days: the 5-business-day determination deadline of a drug
formulary dispute (LC 4610.6(d); domain.md §A.8). Counting starts the day after the starting event, as the Civil Code
counts days; a deadline is the end of its last business day, Pacific time.
"""

from __future__ import annotations

import calendar
import datetime as dt
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

from openimr.knowledge import load_knowledge

PACIFIC = ZoneInfo("America/Los_Angeles")
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_WEEKDAYS: tuple[Weekday, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class HolidayRule(BaseModel):
    """One holiday: a fixed date (`day`), or the `nth` given weekday of the month (-1: the last), plus `days_after`."""

    model_config = ConfigDict(extra="forbid")
    name: str
    month: int = Field(ge=1, le=12)
    day: int | None = Field(default=None, ge=1, le=31)
    weekday: Weekday | None = None
    nth: int | None = Field(default=None, ge=-1, le=5)
    days_after: int = 0
    saturday_observed_friday: bool = False

    @model_validator(mode="after")
    def _one_kind(self) -> HolidayRule:
        if (self.day is None) == (self.weekday is None) or (self.weekday is not None) != (self.nth is not None):
            raise ValueError("give either day, or weekday with nth")
        return self

    def observed(self, year: int) -> dt.date:
        """The day the holiday is observed in `year`."""
        if self.day is not None:
            date = dt.date(year, self.month, self.day)
            if date.weekday() == calendar.SUNDAY:
                return date + dt.timedelta(days=1)
            if date.weekday() == calendar.SATURDAY and self.saturday_observed_friday:
                return date - dt.timedelta(days=1)
            return date
        assert self.weekday is not None and self.nth is not None
        target = _WEEKDAYS.index(self.weekday)
        month = calendar.Calendar().itermonthdates(year, self.month)
        days = [d for d in month if d.month == self.month and d.weekday() == target]
        return days[self.nth if self.nth < 0 else self.nth - 1] + dt.timedelta(days=self.days_after)


class HolidayCalendar(BaseModel):
    """The holiday knowledge file."""

    model_config = ConfigDict(extra="forbid")
    source: str
    holidays: list[HolidayRule] = Field(min_length=1)


@cache
def _calendar() -> HolidayCalendar:
    return load_knowledge("cases/california_state_holidays.yaml", HolidayCalendar)


@cache
def holidays(year: int) -> dict[dt.date, str]:
    """The observed state holidays of a year, by date."""
    return {rule.observed(year): rule.name for rule in _calendar().holidays}


def is_business_day(date: dt.date) -> bool:
    """A weekday that is not an observed California state holiday."""
    return date.weekday() < calendar.SATURDAY and date not in holidays(date.year)


def add_business_days(start: dt.date, days: int) -> dt.date:
    """The `days`-th business day after `start` (start itself not counted)."""
    date = start
    counted = 0
    while counted < days:
        date += dt.timedelta(days=1)
        if is_business_day(date):
            counted += 1
    return date


def business_deadline(start: dt.datetime, days: int) -> dt.datetime:
    """The end (23:59:59 Pacific) of the `days`-th business day after the Pacific date of `start`, in UTC."""
    last = add_business_days(start.astimezone(PACIFIC).date(), days)
    return dt.datetime.combine(last, dt.time(23, 59, 59), PACIFIC).astimezone(dt.UTC)
