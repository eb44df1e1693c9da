"""Overturn rates with 95% Wilson score intervals, grouped by category, topic, year, month, specialty or guideline.

`corpus_stats` counts in the database (grouped by SQL over the narrow items table and its covering indexes);
`Table.of_counts` builds the same table from counts made elsewhere (the DMHC data set). An item counts once under each
of its letter's reviewer specialties and once under each guideline its MAXIMUS line cites, so those groups can sum to
more than the items.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field
from sqlalchemy import Select, and_, exists, func, select

from openimr.corpus.filters import Filters
from openimr.corpus.records import NO_GUIDELINE, UNDATED, specialty_label
from openimr.corpus.store import Corpus, item_guidelines, items, letter_specialties, letters
from openimr.model import Decision

Z_95 = 1.959963984540054
"""The standard normal quantile of a two-sided 95% interval."""
Grouping = Literal["category", "topic", "year", "month", "specialty", "guideline"]
GROUPINGS: tuple[str, ...] = get_args(Grouping)
TIME_GROUPINGS = ("year", "month")
UNCOVERED = "(no topic)"
WC_PROGRAMME = "California workers' compensation IMR (DWC Final Determination Letters)"


def wilson(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a binomial proportion (0 to 1 for no trials)."""
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


class Group(BaseModel):
    """One group's count, overturned count and overturn rate with its 95% Wilson interval."""

    group: str
    items: int
    overturned: int
    rate: float = Field(description="Share overturned, 0 to 1.")
    ci_low: float
    ci_high: float

    @classmethod
    def of(cls, group: str, total: int, overturned: int) -> Group:
        """The group's row from its counts."""
        low, high = wilson(overturned, total)
        return cls(
            group=group,
            items=total,
            overturned=overturned,
            rate=overturned / total if total else 0.0,
            ci_low=round(low, 6),
            ci_high=round(high, 6),
        )


class Table(BaseModel):
    """Overturn rates by one grouping, over one programme's data."""

    programme: str
    by: str
    unit: str = Field(default="items", description="What is counted: decided items, or (DMHC) reviews.")
    time: bool = Field(description="Whether groups are periods (plotted as a line) or categories (bars).")
    items: int = Field(description="Distinct items (or reviews) counted.")
    overturned: int
    groups: list[Group]
    note: str = ""

    @classmethod
    def of_counts(
        cls, programme: str, by: str, counts: Mapping[str, tuple[int, int]], time: bool, unit: str = "items", note: str = ""
    ) -> Table:
        """A table from {group: (total, overturned)}: periods in order (undated last), categories largest first."""
        groups = [Group.of(name, total, over) for name, (total, over) in counts.items()]
        if time:
            groups.sort(key=lambda g: (g.group == UNDATED, g.group))
        else:
            groups.sort(key=lambda g: (-g.items, g.group))
        total = sum(t for t, _ in counts.values())
        over = sum(o for _, o in counts.values())
        return cls(programme=programme, by=by, unit=unit, time=time, items=total, overturned=over, groups=groups, note=note)


def _filtered(statement: Select[Any], filters: Filters) -> Select[Any]:
    conditions = []
    if filters.decision:
        conditions.append(items.c.overturned == int(filters.decision == Decision.OVERTURNED))
    if filters.topic:
        conditions.append(items.c.topic == filters.topic)
    if filters.category:
        conditions.append(items.c.category == filters.category)
    if filters.start:
        conditions.append(items.c.decision_date >= filters.start)
    if filters.end:
        conditions.append(items.c.decision_date <= filters.end)
    if filters.specialty:
        conditions.append(
            exists().where(
                and_(
                    letter_specialties.c.letter_id == items.c.letter_id,
                    letter_specialties.c.specialty == specialty_label(filters.specialty),
                )
            )
        )
    if filters.exclude_key:
        conditions.append(~exists().where(and_(letters.c.id == items.c.letter_id, letters.c.key == filters.exclude_key)))
    return statement.where(*conditions) if conditions else statement


def corpus_stats(corpus: Corpus, by: Grouping, filters: Filters | None = None) -> Table:
    """Items, overturned items and overturn rate per group of the corpus, with 95% Wilson intervals."""
    filters = filters or Filters()
    overturned = func.coalesce(func.sum(items.c.overturned), 0)
    if by == "specialty":
        label: Any = letter_specialties.c.specialty
        statement = select(label, func.count(), overturned).select_from(
            items.join(letter_specialties, letter_specialties.c.letter_id == items.c.letter_id)
        )
    elif by == "guideline":
        label = item_guidelines.c.guideline
        statement = select(label, func.count(), overturned).select_from(
            items.join(item_guidelines, item_guidelines.c.item_id == items.c.id)
        )
    else:
        label = items.c[by]
        statement = select(label, func.count(), overturned).select_from(items)
    totals = _filtered(select(func.count(), overturned).select_from(items), filters)
    with corpus.engine.connect() as connection:
        rows = connection.execute(_filtered(statement, filters).group_by(label)).all()
        n_items, n_overturned = connection.execute(totals).one()
    counts: dict[str, tuple[int, int]] = {}
    for name, total, over in rows:
        key = _label(by, name)
        before = counts.get(key, (0, 0))
        counts[key] = (before[0] + int(total), before[1] + int(over))
    table = Table.of_counts(WC_PROGRAMME, by, counts, time=by in TIME_GROUPINGS, note=_NOTES.get(by, ""))
    return table.model_copy(update={"items": int(n_items), "overturned": int(n_overturned)})


_NOTES = {
    "specialty": "An item counts under each board certification of its reviewer.",
    "guideline": "An item counts under each guideline its MAXIMUS line cites.",
    "topic": "Topics are the review engine's classification of each request.",
    "category": "Categories are the review engine's classification of each request.",
}


def _label(by: str, value: Any) -> str:
    if value is None:
        return {"topic": UNCOVERED, "category": UNCOVERED, "guideline": NO_GUIDELINE}.get(by, UNDATED)
    return str(value)


def count_pairs(pairs: Iterable[tuple[str, bool]]) -> dict[str, tuple[int, int]]:
    """{group: (total, overturned)} of (group, overturned) pairs."""
    counts: dict[str, list[int]] = {}
    for group, is_overturned in pairs:
        row = counts.setdefault(group, [0, 0])
        row[0] += 1
        row[1] += int(is_overturned)
    return {group: (row[0], row[1]) for group, row in counts.items()}
