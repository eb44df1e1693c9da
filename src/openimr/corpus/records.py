"""Corpus records: a parsed letter classified by the engine's topics, and the labels statistics group it by.

A corpus record is a `Determination` as `parse_letter` reads it, with each item's `topic` and `category` set to the
guideline topic the review engine picks for that request (`review_case` on the case the letter describes, never its
decisions). The same classification labels a draft's items, so a draft and the corpus speak of the same topics.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from openimr.corpus.evaluate import case_from_letter
from openimr.errors import OpenIMRError
from openimr.model import Citation, Determination
from openimr.review import review_case

UNDATED = "undated"
"""Group of letters without a decision date (the 2013-15 text renderings print none)."""
NO_GUIDELINE = "(no guideline cited)"
OTHER_EVIDENCE = "Other evidence"
"""Group of citations outside the MTUS, ODG and ACOEM: studies, books, web pages, regulations."""
_FAMILIES = ("MTUS", "ODG", "ACOEM")


def classify(letter: Determination) -> Determination:
    """The letter with each item's `topic` and `category` set as the review engine classifies its request.

    Only the engine's choice of topic is kept; its decisions are not. An item no topic covers has topic None and
    category "uncovered"."""
    if not letter.items:
        raise OpenIMRError("letter has no disputed items", letter.source)
    draft = review_case(case_from_letter(letter))
    items = [
        item.model_copy(update={"topic": drafted.topic, "category": drafted.category})
        for item, drafted in zip(letter.items, draft.items, strict=True)
    ]
    return letter.model_copy(update={"items": items, "knowledge_version": draft.knowledge_version})


def read_record(path: Path) -> Determination:
    """Parse and classify one letter file; `OpenIMRError` naming the file when it cannot be read as a letter."""
    from openimr.letters import parse_letter

    return classify(parse_letter(path))


def letter_key(letter: Determination) -> str:
    """What makes a letter the same letter when added again: its case number, or for a letter printed without one
    (the 2013-15 text renderings) a digest of its summary and items."""
    if letter.case_number:
        return letter.case_number
    digest = hashlib.sha256()
    for part in (letter.summary, *(f"{item.request}\x1f{item.decision.value}" for item in letter.items)):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x1e")
    return f"sha256:{digest.hexdigest()[:32]}"


def specialty_label(specialty: str) -> str:
    """A board certification as statistics group it ("&" and "and" written alike, spacing collapsed)."""
    return " ".join(specialty.replace("&", " and ").split())


def guideline_label(citation: Citation) -> str:
    """The guideline a citation names, for statistics: "MTUS Low Back Complaints", "ODG Pain", or "Other evidence"."""
    if citation.source not in _FAMILIES:
        return OTHER_EVIDENCE
    return f"{citation.source} {citation.guideline}".strip()


def guideline_labels(citations: list[Citation]) -> list[str]:
    """The distinct guidelines an item cites, in order; `NO_GUIDELINE` when it cites none."""
    labels = list(dict.fromkeys(guideline_label(c) for c in citations))
    return labels or [NO_GUIDELINE]


def month_label(date: dt.date | None) -> str:
    """ "2017-01" for a date in January 2017; `UNDATED` for none."""
    return f"{date.year:04d}-{date.month:02d}" if date else UNDATED
