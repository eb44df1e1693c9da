"""Numerals and number words."""

from __future__ import annotations

import re

import pytest

from openimr.evidence.numbers import NUMBER, TIME_UNIT, TIMES_A_WEEK, count_after, number_value, time_unit, times_a_week


@pytest.mark.parametrize(
    ("word", "value"),
    [("12", 12), ("twelve", 12), ("Eight", 8), ("twenty-four", 24), ("ſix", 6), ("a", 1), ("several", None), ("1.5", None)],
)
def test_number_value(word: str, value: int | None) -> None:
    assert number_value(word) == value


def test_number_pattern_prefers_longest_word() -> None:
    assert re.fullmatch(NUMBER, "eighteen") is not None
    match = re.match(NUMBER, "twenty-four visits")
    assert match is not None
    assert match.group() == "twenty-four"


@pytest.mark.parametrize(
    ("word", "unit"),
    [("weeks", "week"), ("wks", "week"), ("Wk", "week"), ("mos", "month"), ("Months", "month"), ("yr", "year"), ("days", "day")],
)
def test_time_units_as_notes_write_them(word: str, unit: str) -> None:
    assert re.fullmatch(TIME_UNIT, word, re.IGNORECASE) is not None
    assert time_unit(word) == unit


def test_a_time_unit_is_a_whole_word() -> None:
    assert re.match(TIME_UNIT, "morning", re.IGNORECASE) is None
    assert re.match(TIME_UNIT, "monthly", re.IGNORECASE) is None


@pytest.mark.parametrize(
    ("text", "per_week"),
    [
        ("2x/week", (2.0, 2.0)),
        ("2-3 times a week", (2.0, 3.0)),
        ("three visits per week", (3.0, 3.0)),
        ("once a week", (1.0, 1.0)),
        ("twice-weekly", (2.0, 2.0)),
        ("weekly", (1.0, 1.0)),
        ("every other week", (0.5, 0.5)),
        ("2xwk", (2.0, 2.0)),
    ],
)
def test_times_a_week_reads_a_count_a_range_or_a_word(text: str, per_week: tuple[float, float]) -> None:
    match = re.search(rf"\b{TIMES_A_WEEK}", text, re.IGNORECASE)
    assert match is not None
    assert times_a_week(match) == per_week


@pytest.mark.parametrize("text", ["for 6 weeks", "2 weeks ago", "week 3 of therapy"])
def test_times_a_week_is_not_a_length_of_time(text: str) -> None:
    assert re.search(rf"\b{TIMES_A_WEEK}", text, re.IGNORECASE) is None


@pytest.mark.parametrize(
    ("rest", "count"),
    [
        (" x3 right L4-5", 3),
        (" x 2", 2),
        (" times 2 at L5-S1", 2),
        (" x7 days", None),
        (" x 2 per week", None),
        (" x2/week", None),
        (" x 6 visits", None),
        (" of the right L4-5", None),
        (" x2 last year", 2),
    ],
)
def test_count_after(rest: str, count: int | None) -> None:
    assert count_after(rest) == count
