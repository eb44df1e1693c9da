"""Numerals and number words."""

from __future__ import annotations

import re

import pytest

from openimr.evidence.numbers import NUMBER, TIME_UNIT, number_value, time_unit


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
