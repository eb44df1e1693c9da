"""Final Determination Letters: read any known layout into a `Determination`, and write one back out.

`parse_letter(path)` and `parse_letter_text(text)` detect the layout (see `openimr.letters.layouts`);
`render_letter(determination, fmt)` writes the 2014+ layout as Markdown, plain text, HTML or PDF, and
`parse_letter_text(render_letter(d, fmt))` gives `d` back, except for `source` and `layout`, which describe a reading
and are set by the parse (the file read and the layout found), not carried by a rendering.
"""

from __future__ import annotations

from pathlib import Path

from openimr.documents import read_document
from openimr.errors import OpenIMRError
from openimr.letters.citations import citation_keys, parse_guideline_line
from openimr.letters.layouts import detect_layout
from openimr.letters.render import FORMATS, render_letter
from openimr.model import Determination

__all__ = ["FORMATS", "citation_keys", "parse_guideline_line", "parse_letter", "parse_letter_text", "render_letter"]


def parse_letter(path: Path) -> Determination:
    """Read the letter in `path` (.pdf, .txt or .md); `OpenIMRError` naming the file when it cannot."""
    document = read_document(path)
    return parse_letter_text(document.text, source=str(path), from_pdf=document.type == "pdf")


def parse_letter_text(text: str, source: str | None = None, from_pdf: bool = False) -> Determination:
    """Read a letter's text in any known layout; `OpenIMRError` when it is no letter or lacks a part.

    `source` names the input in errors and is stored in `Determination.source`; `from_pdf` says the text was
    extracted from a PDF, which rules out the layouts of text and Markdown files.
    """
    if not text.strip():
        raise OpenIMRError("empty letter (no text)", source)
    layout = detect_layout(text, from_pdf)
    determination: Determination = layout.parse(text, source)
    return determination
