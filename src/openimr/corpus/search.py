"""`search(corpus, text, filters)`: ranked full-text search over the corpus's requests, rationales and summaries.

Each hit is one decided item: its letter's case number and decision date, the item as stated, the decision, its topic
and category, and the passage that matched with the matched words in square brackets. Ranking is the database's
(`openimr.corpus.index`): BM25 in SQLite, `ts_rank` in PostgreSQL, over the newest `WINDOW` matches.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pydantic import BaseModel, Field
from sqlalchemy import select

from openimr.corpus.filters import Filters
from openimr.corpus.index import WINDOW, Hits
from openimr.corpus.query import Query, parse_query
from openimr.corpus.store import Corpus, items, letters
from openimr.errors import OpenIMRError
from openimr.model import Decision

MAX_LIMIT = 200


class SearchHit(BaseModel):
    """One matching item."""

    case_number: str | None
    date: dt.date | None = Field(description="Decision date of the letter.")
    position: int = Field(description="The item's number in its letter, from 1.")
    item: str = Field(description="The request as the letter states it.")
    decision: Decision
    topic: str | None
    category: str | None
    snippet: str = Field(description="The passage that matched, matched words between square brackets.")
    score: float = Field(description="Relevance: higher ranks first.")


class SearchResult(BaseModel):
    """The best hits of a search, and how many matches were ranked to find them."""

    query: str
    hits: list[SearchHit]
    ranked: int = Field(description="Matches ranked: all of them, or the newest `window` when `more` is true.")
    window: int
    more: bool = Field(description="More (older) matches exist beyond the window: narrow the search to reach them.")


def search(corpus: Corpus, text: str, filters: Filters | None = None, limit: int = 20) -> SearchResult:
    """The best `limit` items matching `text` (see `openimr.corpus.query` for the syntax) that pass `filters`."""
    if not 1 <= limit <= MAX_LIMIT:
        raise OpenIMRError(f"the limit must be from 1 to {MAX_LIMIT}", "--limit")
    query = parse_query(text)
    found, best = ranked_hits(corpus, query, filters or Filters(), limit)
    return SearchResult(query=text, hits=best, ranked=found.window, window=WINDOW, more=found.capped)


def ranked_hits(corpus: Corpus, query: Query, filters: Filters, limit: int) -> tuple[Hits, list[SearchHit]]:
    """The index's best `limit` matches and their hits, read over one connection (`Corpus.reading`)."""
    with corpus.reading():
        found = corpus.index.search(query, filters, limit)
        return found, hits(corpus, query, found.ranked, [item_id for item_id, _ in found.ranked])


def hits(corpus: Corpus, query: Query, ranked: Sequence[tuple[int, float]], ids: list[int]) -> list[SearchHit]:
    """The ranked item ids as hits, with their letters' details and passages, in rank order (the texts looked up by
    the items' search keys: see `Index.passages`)."""
    if not ids:
        return []
    with corpus.reading() as connection:
        rows = connection.execute(
            select(
                items.c.id,
                items.c.search_key,
                letters.c.case_number,
                items.c.decision_date,
                items.c.position,
                items.c.overturned,
                items.c.topic,
                items.c.category,
            )
            .join(letters, letters.c.id == items.c.letter_id)
            .where(items.c.id.in_(ids))
        ).all()
        passages = corpus.index.passages(query, {row.id: row.search_key for row in rows})
    details = {row.id: row for row in rows}
    return [
        SearchHit(
            case_number=row.case_number,
            date=row.decision_date,
            position=row.position,
            item=passage.request,
            decision=Decision.OVERTURNED if row.overturned else Decision.UPHELD,
            topic=row.topic,
            category=row.category,
            snippet=passage.snippet,
            score=round(score, 6),
        )
        for item_id, score in ranked
        if (row := details.get(item_id)) is not None and (passage := passages.get(item_id)) is not None
    ]
