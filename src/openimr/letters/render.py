"""Write a `Determination` as a 2014+ Final Determination Letter: Markdown, plain text, HTML or PDF.

Jinja2 templates in `templates/` hold the layout and the fixed wording; HTML is autoescaped, so nothing from a case
is taken as markup; Markdown escapes the characters its own parser would read as markup; PDF is WeasyPrint's
rendering of the HTML. An item with an original request, an authorized part and a disputed remainder whose label
does not already say so is written in the modified-request wording.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import jinja2
import markupsafe

from openimr.errors import OpenIMRError
from openimr.letters import grammar
from openimr.letters.text import format_date
from openimr.model import Determination, ItemDetermination, Letter, Organization

FORMATS = ("md", "txt", "html", "pdf")
"""The formats `render_letter` writes."""

_MARKDOWN_SPECIAL = re.compile(r"([\\*|<>#])")
_SNIPPET_MARK = re.compile(r"\[(.*?)\]")

APPEAL_GROUNDS = (
    "the Administrative Director acted without or in excess of the Administrative Director's powers;",
    "the determination was procured by fraud;",
    "the independent medical reviewer was subject to a material conflict of interest in violation of Labor Code section 139.5;",
    "the determination was the result of bias on the basis of race, national origin, ethnic group identification,"
    " religion, age, sex, sexual orientation, color, or disability;",
    "the determination was the result of a plainly erroneous express or implied finding of fact, provided that the"
    " mistake of fact is a matter of ordinary knowledge based on the information submitted for review and not a matter"
    " that is subject to expert opinion.",
)
"""The grounds on which an IMR determination may be set aside (Labor Code section 4610.6(h); domain.md §A.12)."""


@cache
def _environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("openimr.letters", "templates"),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = lambda text: _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))
    env.filters["paragraphs"] = lambda text: [p for p in str(text).split("\n\n") if p.strip()]
    env.filters["marks"] = marked
    return env


def item_label(item: ItemDetermination) -> str:
    """The label an item is written under: its request, or the modified-request wording built from its parts."""
    if not (item.original_request and item.authorized and item.disputed):
        return item.request
    if grammar.split_modified(item.request) != (item.original_request, item.authorized, item.disputed):
        if item.disputed.casefold() == item.original_request.casefold():
            return (
                f"{item.original_request} was the original request. The Claims Administrator authorized {item.authorized},"
                f" leaving the original request IMR eligible. The original request, {item.disputed}"
            )
        return (
            f"{item.original_request} was the original request. {item.authorized} was authorized by the Claims"
            f" Administrator. The remaining IMR eligible portion of the original request, {item.disputed}"
        )
    return item.request


def marked(text: str) -> markupsafe.Markup:
    """A precedent's snippet for HTML: escaped, its [matched] words in <mark>."""
    escaped = str(markupsafe.escape(text))
    return markupsafe.Markup(_SNIPPET_MARK.sub(r"<mark>\1</mark>", escaped))


def _context(document: Determination | Letter, organization: Organization | None) -> dict[str, Any]:
    letter = document if isinstance(document, Letter) else None
    determination = document.determination if isinstance(document, Letter) else document
    org = letter.organization if letter else organization or Organization()
    return {
        "d": determination,
        "letter": letter,
        "draft": letter is not None and letter.signature is None,
        "org": org,
        "org_guideline": grammar.guideline_label(org.short_name),
        "appeal_grounds": APPEAL_GROUNDS,
        "date": format_date,
        "items": [(item, item_label(item), item.original_request is not None) for item in determination.items],
        "aid": [
            (number, item_label(item), item)
            for number, item in enumerate(determination.items, start=1)
            if (item.precedents or item.precedent_summary) and (letter is None or letter.signature is None)
        ],
        "reviewer_sentence": bool(determination.reviewer.subspecialty),
        "g": grammar,
    }


def render_letter(document: Determination | Letter, fmt: str, organization: Organization | None = None) -> bytes:
    """The letter in `fmt` ("md", "txt", "html" or "pdf"), as bytes (UTF-8 for the text formats).

    A `Determination` is written as the determination alone, naming `organization` (default: `Organization()`); a
    `Letter` is written whole, with its organization's letterhead, the addressees, the identifiers, the signature block
    and the appeal rights, and marked DRAFT on every page until it is signed. PDF pages are numbered "Page n of N".
    """
    if fmt not in FORMATS:
        raise OpenIMRError(f"unknown letter format {fmt!r}; expected one of {', '.join(FORMATS)}")
    context = _context(document, organization)
    if fmt == "pdf":
        return _pdf(_environment(True).get_template("letter.html.j2").render(context))
    template = {"md": "letter.md.j2", "txt": "letter.txt.j2", "html": "letter.html.j2"}[fmt]
    return _environment(fmt == "html").get_template(template).render(context).encode("utf-8")


def _pdf(html: str) -> bytes:
    """WeasyPrint's PDF of `html` (imported here: it loads system libraries that only PDF output needs)."""
    try:
        from weasyprint import HTML
    except OSError as error:  # pragma: no cover - depends on the machine's pango/harfbuzz
        raise OpenIMRError(f"PDF output needs WeasyPrint's system libraries (pango): {error}") from None
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
