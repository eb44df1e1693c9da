"""Small readings of record wording shared by the extractors: sentences about the request or the UR decision, and
numbers written as words."""

from __future__ import annotations

import re

_ABOUT_REQUEST = re.compile(
    r"\b(?:request\w*|RFA|authoriz\w+|utilization review|UR|non-?certif\w+|certif\w+|denied|modified"
    r"|the decision|prior review|peer review)\b",
    re.IGNORECASE,
)
_WORDS = {
    "one": 1,
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
    "fifteen": 15,
    "eighteen": 18,
    "twenty": 20,
    "twenty-four": 24,
}


def about_request_or_review(sentence: str) -> bool:
    """Whether a sentence speaks of the request or the UR decision rather than of the worker's care."""
    return bool(_ABOUT_REQUEST.search(sentence))


def number_value(token: str) -> int:
    """A count written in digits or words ("8", "eight")."""
    return int(token) if token.isdigit() else _WORDS[token.lower()]
