"""openimr's own HTML rendering of a 2014+ letter, read back by turning it into text first.

Block elements (paragraphs, headings, table rows) end a paragraph; table cells are separated by a space; the text
then reads like openimr's plain-text rendering.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from openimr.letters.grammar import parse_flow
from openimr.letters.text import to_flow
from openimr.model import Determination

NAME = "html"
_DETECT = re.compile(r"^\s*(?:<!DOCTYPE html|<html\b)", re.IGNORECASE)
_BLOCKS = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "li", "br", "table", "section", "header", "title"})
_SKIPPED = frozenset({"style", "script", "head"})


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML document, one block element per paragraph."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._current: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skipping += 1
        elif tag in _BLOCKS:
            self.flush()
        elif tag in ("td", "th"):
            self._current.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCKS:
            self.flush()

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self._current.append(data)

    def flush(self) -> None:
        self.paragraphs.append("".join(self._current))
        self._current = []


def html_paragraphs(html: str) -> list[str]:
    """The text of an HTML document as paragraphs."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    extractor.flush()
    return extractor.paragraphs


def detect(text: str) -> bool:
    """True for an HTML document."""
    return _DETECT.match(text) is not None


def parse(text: str, source: str | None) -> Determination:
    """Read a letter in this layout."""
    return parse_flow(to_flow(html_paragraphs(text)), NAME, source)
