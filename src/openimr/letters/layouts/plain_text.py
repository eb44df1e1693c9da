"""The 2013-15 plain-text renderings of 2014+ letters (seeds 000, 001, 003, 004).

Lines are wrapped with a trailing space on every line and stray blank lines between (and inside) paragraphs, so
neither trailing spaces nor blank lines mark a paragraph. A paragraph ends where a line's last visible character is
a full stop, colon, question or exclamation mark, quote or closing parenthesis.
"""

from __future__ import annotations

import re

from openimr.letters.grammar import parse_flow
from openimr.letters.text import join_hyphen_wraps, to_flow
from openimr.model import Determination

NAME = "plain_text"
_PARAGRAPH_END = re.compile(r"(?<=[.:?!\"')])[ \t]*\n")
_TRAILING_SPACE_SHARE = 0.8


def detect(text: str) -> bool:
    """True when most non-blank lines end with a space: the signature of these renderings."""
    with_space = without = 0
    for line in text.split("\n"):
        if not line.strip():
            continue
        if line[-1] in " \t":
            with_space += 1
        else:
            without += 1
    return with_space > 0 and with_space >= _TRAILING_SPACE_SHARE * (with_space + without)


def parse(text: str, source: str | None) -> Determination:
    """Read a letter in this layout."""
    return parse_flow(to_flow(_PARAGRAPH_END.split(join_hyphen_wraps(text, across_blank_lines=True))), NAME, source)
