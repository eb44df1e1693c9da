"""Numerals and number words."""

from __future__ import annotations

import re

import pytest

from openimr.evidence.numbers import NUMBER, number_value


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
