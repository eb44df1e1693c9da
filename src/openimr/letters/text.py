"""Small text helpers the letter layouts share: whitespace, dates and the "flow" form of a letter.

A *flow* is a letter's text with one paragraph per line and single spaces inside paragraphs. Each layout module
knows how to recover paragraphs from its own rendering (PDF line ends, blank lines, Markdown markup) and hands a
flow to the grammar, which never looks at the original line structure.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

DATE = r"\d{1,2}/\d{1,2}/\d{4}"
"""A date as letters print it: m/d/yyyy or mm/dd/yyyy."""

_DATE_RE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def collapse(text: str) -> str:
    """`text` with every run of whitespace made one space, stripped."""
    return " ".join(text.split())


# The hyphen or slash is matched first and the character before it checked after: patterns that start with a
# lookbehind are tried at every position and cost several times more.
_HYPHEN_WRAP = re.compile(r"([-/])(?<=\S[-/])\n[ \t]*(?=\w)")
_HYPHEN_WRAP_ACROSS_BLANKS = re.compile(r"([-/])(?<=\S[-/])\n(?:[ \t]*\n)*[ \t]*(?=\w)")


def join_hyphen_wraps(text: str, across_blank_lines: bool = False) -> str:
    """`text` with lines that wrap right after a hyphen or slash inside a word ("10-30-" / "2016") joined up.

    `across_blank_lines` also joins when stray blank lines sit between the two parts.
    """
    return (_HYPHEN_WRAP_ACROSS_BLANKS if across_blank_lines else _HYPHEN_WRAP).sub(r"\1", text)


def to_flow(paragraphs: Iterable[str]) -> str:
    """Paragraphs as a flow: each collapsed to one line, empty ones dropped, joined by newlines."""
    return "\n".join(line for line in (collapse(p) for p in paragraphs) if line)


def parse_date(text: str | None) -> dt.date | None:
    """A printed m/d/yyyy date as a `date`; None for no text or an impossible date."""
    if not text:
        return None
    match = _DATE_RE.fullmatch(text.strip())
    if not match:
        return None
    month, day, year = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def format_date(value: dt.date | None) -> str:
    """A date printed the way letters print it (mm/dd/yyyy); empty for None."""
    return value.strftime("%m/%d/%Y") if value else ""
