"""The 2014+ letter as text extracted from a DWC PDF (2016-17), and as openimr's own plain-text rendering.

PDF text extraction gives one line per printed line. A line that wraps inside a paragraph keeps its trailing space
(or ends in a word); a paragraph ends where a line ends right after a full stop, colon, question or exclamation
mark, quote or closing parenthesis. A blank line also ends a paragraph. Page breaks are ordinary line ends here, once
the page footers of openimr's PDF letters ("Case Number: ... Page n of N", the page's last line) are taken out.
"""

from __future__ import annotations

import re

from openimr.letters.grammar import parse_flow
from openimr.letters.text import join_hyphen_wraps, to_flow
from openimr.model import Determination

NAME = "dwc_2016"
# Starts with the newline, then looks back at the character before it (a leading lookbehind would be tried everywhere).
_PARAGRAPH_END = re.compile(r"\n(?:[ \t]*\n|(?<=[.:?!\"')]\n))")
# A footer starts a line, or follows a hyphen that ended the page's last line (the extraction joins those).
_PAGE_FOOTER = re.compile(r"(?:^|(?<=-))(?:Case Number:[ \t]*\S*[ \t]+)?Page \d+ of \d+[ \t]*(?:\n|$)", re.MULTILINE)


def detect(text: str) -> bool:
    """Every 2014+ letter in extracted-text form qualifies: this is the fallback layout."""
    return True


def parse(text: str, source: str | None) -> Determination:
    """Read a letter in this layout."""
    text = _PAGE_FOOTER.sub("", text)
    return parse_flow(to_flow(_PARAGRAPH_END.split(join_hyphen_wraps(text))), NAME, source)
