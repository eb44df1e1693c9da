"""The Markdown rendering of 2014+ letters (seed 002, and openimr's own Markdown output).

The header is a table whose cells hold bold labels and values; headings are "###" lines; field labels are bold
("**MAXIMUS guideline:**"). Markdown's own rule holds: paragraphs are separated by blank lines, and lines inside a
paragraph (including hard breaks written as two trailing spaces) join with a space.
"""

from __future__ import annotations

import re

from openimr.letters.grammar import parse_flow
from openimr.letters.text import to_flow
from openimr.model import Determination

NAME = "markdown"
_DETECT = re.compile(r"^\s*(?:\|.*\bCase Number\b|#{1,6}\s+(?:HOW THE IMR|CLINICAL CASE SUMMARY|IMR ISSUES))", re.MULTILINE)
_TABLE_RULE = re.compile(r"^\s*\|[\s|:-]*\|\s*$", re.MULTILINE)
_TABLE_ROW = re.compile(r"^\s*\|(.*)\|\s*$", re.MULTILINE)
_MARKUP = re.compile(r"</?b>|\*\*|^#{1,6}[ \t]+", re.MULTILINE)
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>])")
_PARAGRAPH_END = re.compile(r"\n[ \t]*\n")


def detect(text: str) -> bool:
    """True for a Markdown letter: a header table with the case number, or "###" section headings."""
    return _DETECT.search(text) is not None


def parse(text: str, source: str | None) -> Determination:
    """Read a letter in this layout."""
    text = _TABLE_RULE.sub("", text)
    text = _TABLE_ROW.sub(lambda row: "\n".join(cell.strip() for cell in row.group(1).split("|")) + "\n", text)
    text = _ESCAPE.sub(r"\1", _MARKUP.sub("", text))
    return parse_flow(to_flow(_PARAGRAPH_END.split(text)), NAME, source)
