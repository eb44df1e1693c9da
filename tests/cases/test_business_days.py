"""California business days: weekends and observed state holidays skipped."""

from __future__ import annotations

import datetime as dt

import pytest

from openimr.cases.business_days import PACIFIC, add_business_days, business_deadline, holidays, is_business_day


def test_the_2024_state_holidays_are_the_calhr_list() -> None:
    observed = sorted(holidays(2024))
    assert observed == [
        dt.date(2024, 1, 1),
        dt.date(2024, 1, 15),
        dt.date(2024, 2, 19),
        dt.date(2024, 4, 1),  # Cesar Chavez Day, a Sunday, observed Monday
        dt.date(2024, 5, 27),
        dt.date(2024, 7, 4),
        dt.date(2024, 9, 2),
        dt.date(2024, 11, 11),
        dt.date(2024, 11, 28),
        dt.date(2024, 11, 29),
        dt.date(2024, 12, 25),
    ]


def test_veterans_day_on_a_saturday_is_observed_the_friday_before() -> None:
    assert dt.date(2023, 11, 10) in holidays(2023) and dt.date(2023, 11, 11) not in holidays(2023)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (dt.date(2026, 3, 2), 5, dt.date(2026, 3, 9)),  # Mon + 5 business days: next Mon
        (dt.date(2026, 3, 27), 5, dt.date(2026, 4, 6)),  # Cesar Chavez Day (Tue 31 Mar) skipped
        (dt.date(2026, 11, 24), 5, dt.date(2026, 12, 3)),  # Thanksgiving and the day after skipped
        (dt.date(2026, 12, 31), 1, dt.date(2027, 1, 4)),  # New Year's Day (Fri) and the weekend skipped
    ],
)
def test_adding_business_days_skips_weekends_and_holidays(start: dt.date, days: int, expected: dt.date) -> None:
    assert add_business_days(start, days) == expected


def test_a_business_deadline_is_the_end_of_the_last_business_day_in_pacific_time() -> None:
    received = dt.datetime(2026, 3, 28, 6, 0, tzinfo=dt.UTC)  # Friday 27 March, 23:00 Pacific
    due = business_deadline(received, 5)
    assert due.astimezone(PACIFIC).date() == dt.date(2026, 4, 6) and due.astimezone(PACIFIC).time() == dt.time(23, 59, 59)
    assert not is_business_day(dt.date(2026, 3, 31)) and is_business_day(dt.date(2026, 4, 1))
