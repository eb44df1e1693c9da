"""The corpus of past determinations in the service's database: search, statistics, precedents (any signed-in user).

404 while the database holds no corpus (`imr corpus add` fills it); 422 for a query with nothing to search for, an
unknown grouping or an empty date range.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from openimr.api.deps import Caller, ServicesDep
from openimr.cases.errors import NotFound
from openimr.corpus.filters import Filters
from openimr.corpus.precedents import PRECEDENTS, precedents_for_request
from openimr.corpus.search import MAX_LIMIT, SearchResult, search
from openimr.corpus.stats import Grouping, Table, corpus_stats
from openimr.corpus.store import Corpus
from openimr.model import Decision, Precedent

router = APIRouter(prefix="/corpus", tags=["corpus"])


def _corpus(services: ServicesDep) -> Corpus:
    """The corpus in the service's database (404 while there is none)."""
    with services.context.sessions() as session:
        engine = session.get_bind()
    corpus = Corpus.existing_on(engine) if isinstance(engine, Engine) else None
    if corpus is None:
        raise NotFound("no corpus in this database yet (add letters with `imr corpus add`)", "corpus")
    return corpus


CorpusDep = Annotated[Corpus, Depends(_corpus)]


def _narrowing(
    category: Annotated[str | None, Query(max_length=100, description='Treatment category, e.g. "imaging".')] = None,
    topic: Annotated[str | None, Query(max_length=100, description='Guideline topic, e.g. "opioids".')] = None,
    specialty: Annotated[str | None, Query(max_length=200, description="A board certification of the reviewer.")] = None,
    start: Annotated[dt.date | None, Query(alias="from", description="Decided on or after.")] = None,
    end: Annotated[dt.date | None, Query(alias="to", description="Decided on or before.")] = None,
) -> Filters:
    return Filters(category=category, topic=topic, specialty=specialty, start=start, end=end)


NarrowingDep = Annotated[Filters, Depends(_narrowing)]


@router.get("/search")
def search_corpus(
    _caller: Caller,
    corpus: CorpusDep,
    narrowing: NarrowingDep,
    q: Annotated[str, Query(min_length=1, max_length=1000, description='Words, "phrases", OR, -excluded, prefix*.')],
    decision: Decision | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
) -> SearchResult:
    """Full-text search over requests, rationales and summaries, best first, with the passage that matched."""
    return search(corpus, q, replace(narrowing, decision=decision), limit)


@router.get("/stats")
def corpus_statistics(_caller: Caller, corpus: CorpusDep, narrowing: NarrowingDep, by: Grouping = "category") -> Table:
    """Items, overturned items and overturn rate per group, with 95% Wilson intervals."""
    return corpus_stats(corpus, by, narrowing)


class PrecedentQuery(BaseModel):
    """An item to find precedents for: its request, and optionally the facts of the record it would be decided on."""

    request: str = Field(min_length=1, max_length=2000)
    record: str = Field(default="", max_length=200_000, description="Text of the records (clinical summary, reports).")
    exclude_case_number: str | None = Field(default=None, max_length=80, description="A letter never to list.")
    limit: int = Field(default=PRECEDENTS, ge=1, le=50)


class Precedents(BaseModel):
    """The most similar past items and the one-line summary of how such items were decided."""

    topic: str | None
    summary: str
    precedents: list[Precedent]


@router.post("/precedents")
def find_precedents(query: PrecedentQuery, _caller: Caller, corpus: CorpusDep) -> Precedents:
    """Precedents for a request: the engine classifies it (and reads the record's facts, if given), then the corpus
    lists the most similar past items, same topic first."""
    item, found, line = precedents_for_request(corpus, query.request, query.record, query.exclude_case_number, query.limit)
    return Precedents(topic=item.topic, summary=line, precedents=found)
