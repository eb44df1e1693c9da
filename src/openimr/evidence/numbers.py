"""Numerals and number words as clinical text writes them ("12", "twelve", "twenty-four", "a"), and how often a week
care is given, in one place for request amounts, durations and the courses the record tells of."""

from __future__ import annotations

import re

from openimr.knowledge.terms import regex_fold, trie_regex

__all__ = [
    "NUMBER",
    "NUMBER_OR_A",
    "TENS",
    "TIMES_A_WEEK",
    "TIME_UNIT",
    "count_after",
    "number_value",
    "time_unit",
    "times_a_week",
]

_WORDS = {
    "zero": 0,
    "no": 0,
    "a": 1,
    "an": 1,
    "one": 1,
    "single": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "eighteen": 18,
    "twenty": 20,
    "twenty-four": 24,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SPELLED = trie_regex(sorted(w for w in _WORDS if w not in {"a", "an", "no", "single"}))
"""The number words as one trie ("seven(?:ty)?"): at each place, the longest word first, then the words it begins
with, as a list of them longest first would try them, but each place settled by its first letter instead of a test
of every word (most of a request's places start no number word)."""

NUMBER = rf"(?:\d+|{_SPELLED})"
"""Regex fragment: a numeral or a spelled-out number ("12", "twelve")."""
NUMBER_OR_A = rf"(?:a|an|\d+|{_SPELLED})"
"""Regex fragment: like NUMBER, or the article "a"/"an" meaning one ("a 2 month rental", "for a year")."""


TENS = r"(?:ten|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[\s-]five)?"
"""Regex fragment: a number of tens in words, or halfway to the next ("sixty", "seventy-five"), as percentages are
written."""


def number_value(text: str) -> int | None:
    """The integer a numeral or number word stands for ("12", "twelve", "a", "seventy-five"), or None."""
    key = " ".join(regex_fold(text).replace("-", " ").split())
    if key.isdigit():
        return int(key)
    if key in _WORDS:
        return _WORDS[key]
    tens, _, unit = key.partition(" ")
    if unit and _WORDS.get(tens, 0) >= 20 and _WORDS[tens] % 10 == 0 and 0 < _WORDS.get(unit, 0) < 10:
        return _WORDS[tens] + _WORDS[unit]
    return None


_TIME_UNITS = {
    **dict.fromkeys(("day", "days"), "day"),
    **dict.fromkeys(("week", "weeks", "wk", "wks"), "week"),
    **dict.fromkeys(("month", "months", "mo", "mos"), "month"),
    **dict.fromkeys(("year", "years", "yr", "yrs"), "year"),
}
TIME_UNIT = r"(?:days?|weeks?|wks?|months?|mos?|years?|yrs?)\b"
"""Regex fragment: a unit of time as notes write it, in full or abbreviated ("weeks", "wks", "mos", "yr")."""


def time_unit(text: str) -> str:
    """The unit of time a word of `TIME_UNIT` names, singular and in full: "wks" is "week", "Months" "month"."""
    return _TIME_UNITS[regex_fold(text)]


_WEEKLY = (
    r"(?:(?:x|times?|days?|visits?|sessions?)\s*(?:(?:(?:a|per|/|each)\s*)?(?:week|wk)|weekly)"
    r"|(?:a|per|/|each)\s*(?:week|wk))\b"
)
"""After a count, how often a week: "x/week", "times a week", "visits per week", "x weekly", "xwk", "per week"."""
TIMES_A_WEEK = (
    rf"(?:(?P<pw>{NUMBER})(?:\s*(?:-|to)\s*(?P<pw2>{NUMBER}))?\s*{_WEEKLY}"
    r"|(?P<once>once|twice)[\s-]+(?:(?:a|per)\s+)?week(?:ly)?\b"
    r"|(?P<weekly>weekly|every\s+other\s+week)\b)"
)
"""Regex fragment: how often a week care is given, a count and its unit ("2x/week", "2-3 times a week", "3 visits per
week", "once a week", "twice-weekly"), or a word alone ("weekly", "every other week"). Read it with `times_a_week`."""
_ALONE = {"once": 1.0, "twice": 2.0, "weekly": 1.0}


def times_a_week(match: re.Match[str]) -> tuple[float, float] | None:
    """The sessions a week a match of `TIMES_A_WEEK` states, as (fewest, most): "2-3 times a week" is (2, 3), "twice
    weekly" (2, 2), "every other week" (0.5, 0.5); None for a count that is no number."""
    word = match.group("once") or match.group("weekly")
    if word:
        folded = regex_fold(word)
        value = _ALONE.get(folded, 0.5)
        return value, value
    low = number_value(match.group("pw"))
    high = number_value(match.group("pw2")) if match.group("pw2") else low
    return None if low is None or high is None else (float(low), float(high))


_COUNT_AFTER = re.compile(
    r"\s*(?:x|×|times)\s*(?P<n>\d{1,2})\b(?!\s*(?:/|\.\d|per\b|a\s+(?:week|day|month)|weekly|daily|monthly"
    rf"|{TIME_UNIT}|visits?|sessions?))",
    re.IGNORECASE,
)


def count_after(rest: str) -> int | None:
    """A count written straight after the thing it counts, `rest` being the text that follows its name (a request's
    "ESI x3 right L4-5", a note's "subacromial injection x2 last year", "injection times 2"); not a length or a
    frequency ("x 7 days", "x2 per week")."""
    match = _COUNT_AFTER.match(rest)
    return int(match.group("n")) if match else None
