"""What a search, a statistic or a precedent lookup is narrowed to, and the tags that carry it in the full-text index.

Each item's index entry holds tags for its decision, topic, category, its letter's specialties, its letter's key and
decision month. A tag is a word no letter contains ("zt" + a digest of the topic, ...), so a filter is one more term
the full-text engine intersects in its index (FTS5 `tags : "zt..."`, a PostgreSQL tsquery lexeme) instead of a join.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from openimr.corpus.records import UNDATED, specialty_label
from openimr.errors import OpenIMRError
from openimr.model import Decision


def tag(kind: str, value: str) -> str:
    """The index word of one label: "z", the kind's letter, and a digest of the label (case and spacing ignored)."""
    normal = " ".join(value.casefold().split())
    return "z" + kind + hashlib.blake2b(normal.encode("utf-8"), digest_size=6).hexdigest()


def month_tag(month: str) -> str:
    """The index word of a decision month ("2017-01") or of undated letters."""
    return "zm" + ("undated" if month == UNDATED else month.replace("-", ""))


def tags_for(decision: Decision, topic: str | None, category: str | None, specialties: list[str], key: str, month: str) -> str:
    """The tags of one item's index entry, space-separated."""
    words = [tag("d", decision.value), tag("k", key), month_tag(month)]
    if topic:
        words.append(tag("t", topic))
    if category:
        words.append(tag("c", category))
    words.extend(tag("s", s) for s in specialties)
    return " ".join(words)


@dataclass(frozen=True)
class Filters:
    """Narrowing of items: by decision, category, topic, a specialty of the reviewer, decision dates (inclusive), and
    the exclusion of one letter (by case number, or the key of a letter without one)."""

    decision: Decision | None = None
    category: str | None = None
    topic: str | None = None
    specialty: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    exclude_key: str | None = None

    def __post_init__(self) -> None:
        for name in ("category", "topic", "specialty", "exclude_key"):
            value = getattr(self, name)
            if value is not None and not value.isprintable():
                raise OpenIMRError("must be printable text (no control characters)", name)
        if self.start and self.end and self.start > self.end:
            raise OpenIMRError(f"the date range is empty ({self.start} is after {self.end})", "--from/--to")

    @property
    def dated(self) -> bool:
        """Whether a date range is set (undated letters then fall outside it)."""
        return self.start is not None or self.end is not None

    def required_tags(self) -> list[str]:
        """Tags an item must have."""
        required = []
        if self.decision:
            required.append(tag("d", self.decision.value))
        if self.topic:
            required.append(tag("t", self.topic))
        if self.category:
            required.append(tag("c", self.category))
        if self.specialty:
            required.append(tag("s", specialty_label(self.specialty)))
        return required

    def excluded_tags(self) -> list[str]:
        """Tags an item must not have."""
        return [tag("k", self.exclude_key)] if self.exclude_key else []
