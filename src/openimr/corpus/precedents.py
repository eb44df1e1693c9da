"""Precedents: for each drafted item, the most similar past items of the corpus and how such items were decided.

Similar means, first, decided under the same guideline topic (the engine classifies the corpus's items as it
classifies a draft's, `records.classify`), then ranked by full-text similarity to the item's request and the key
facts its criteria rest on (the evidence spans), any of those words counting; past items of other topics that share
those words follow when the topic has too few. The line "N similar past items: X% overturned" counts the past items of
the same topic (or, for an item no topic covers, the newest past items that have every word of its request).

The draft's own case (by case number) is never among its precedents, nor counted: a case built from a past letter
finds the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select

from openimr.corpus.filters import Filters
from openimr.corpus.index import WINDOW
from openimr.corpus.query import STOPWORDS, Clause, Query, Term, any_of
from openimr.corpus.search import SearchHit, ranked_hits
from openimr.corpus.store import Corpus, items, letters
from openimr.errors import OpenIMRError
from openimr.model import Case, Determination, DisputedItem, Document, ItemDetermination, Precedent
from openimr.review import review_case

PRECEDENTS = 5
"""Precedents listed per item."""
_REQUEST_WORDS = 8
_FACT_WORDS = 8


@dataclass(frozen=True)
class _Words:
    request: list[str]
    facts: list[str]


def _content_words(text: str, limit: int) -> list[str]:
    """Distinct words of `text` worth matching on: not common English, not bare numbers or doses, three letters on."""
    found: list[str] = []
    for word in Term(text).words:
        if len(word) >= 3 and word not in STOPWORDS and not word[0].isdigit() and word not in found:
            found.append(word)
        if len(found) >= limit:
            break
    return found


def _words(item: ItemDetermination) -> _Words:
    request = _content_words(item.disputed or item.request, _REQUEST_WORDS)
    spans = " ".join(span.text for criterion in item.criteria for span in criterion.evidence)
    facts = [w for w in _content_words(spans, _FACT_WORDS + len(request)) if w not in request][:_FACT_WORDS]
    return _Words(request, facts)


def _as_precedent(hit: SearchHit) -> Precedent:
    return Precedent(
        case_number=hit.case_number,
        date=hit.date,
        item=hit.item,
        decision=hit.decision,
        snippet=hit.snippet,
        score=hit.score,
    )


def _ranked(corpus: Corpus, query: Query, filters: Filters, limit: int) -> list[SearchHit]:
    return ranked_hits(corpus, query, filters, limit)[1]


def _topic_counts(corpus: Corpus, topic: str, exclude_key: str | None) -> tuple[int, int]:
    statement = select(func.count(), func.coalesce(func.sum(items.c.overturned), 0)).where(items.c.topic == topic)
    if exclude_key:
        own = select(letters.c.id).where(letters.c.key == exclude_key).scalar_subquery()
        statement = statement.where(items.c.letter_id != func.coalesce(own, -1))
    with corpus.engine.connect() as connection:
        total, overturned = connection.execute(statement).one()
    return int(total), int(overturned)


def _request_counts(corpus: Corpus, words: list[str], exclude_key: str | None) -> tuple[int, int]:
    """Past items having every word of the request in their request, rationale or summary (the newest `WINDOW`)."""
    found = corpus.index.search(Query([Clause([Term(w) for w in words])]), Filters(exclude_key=exclude_key), WINDOW)
    ids = [item_id for item_id, _ in found.ranked]
    if not ids:
        return 0, 0
    with corpus.engine.connect() as connection:
        overturned = connection.scalar(select(func.coalesce(func.sum(items.c.overturned), 0)).where(and_(items.c.id.in_(ids))))
    return len(ids), int(overturned or 0)


def summary_line(total: int, overturned: int) -> str:
    """ "N similar past items: X% overturned"."""
    noun = "item" if total == 1 else "items"
    return f"{total:,} similar past {noun}: {100 * overturned / total:.0f}% overturned" if total else "no similar past items"


def find_precedents(
    corpus: Corpus, item: ItemDetermination, exclude_key: str | None = None, limit: int = PRECEDENTS
) -> tuple[list[Precedent], str]:
    """The most similar past items to a drafted item, and the summary line."""
    words = _words(item)
    try:
        query = any_of(words.request + words.facts)
    except OpenIMRError:
        return [], "no similar past items (the request has no words to match on)"
    precedents: list[Precedent] = []
    if item.topic:
        same = _ranked(corpus, query, Filters(topic=item.topic, exclude_key=exclude_key), limit)
        precedents = [_as_precedent(hit) for hit in same]
        total, overturned = _topic_counts(corpus, item.topic, exclude_key)
    else:
        total, overturned = _request_counts(corpus, words.request, exclude_key) if words.request else (0, 0)
    if len(precedents) < limit:
        seen = {(p.case_number, p.item) for p in precedents}
        others = _ranked(corpus, query, Filters(exclude_key=exclude_key), limit + len(precedents))
        precedents += [_as_precedent(h) for h in others if h.topic != item.topic and (h.case_number, h.item) not in seen]
    return precedents[:limit], summary_line(total, overturned)


def attach_precedents(determination: Determination, corpus: Corpus | None, limit: int = PRECEDENTS) -> Determination:
    """The determination with each item's precedents and summary line; unchanged without a corpus.

    Letters of the determination's own case number are excluded."""
    if corpus is None:
        return determination
    updated = []
    for item in determination.items:
        precedents, line = find_precedents(corpus, item, determination.case_number, limit)
        updated.append(item.model_copy(update={"precedents": precedents, "precedent_summary": line}))
    return determination.model_copy(update={"items": updated})


def with_precedents(determination: Determination, database_url: str, limit: int = PRECEDENTS) -> Determination:
    """The determination with precedents from the corpus at `database_url`; unchanged when there is no corpus there
    (no database, no corpus tables, or no letters yet: nothing is created)."""
    corpus = Corpus.existing(database_url)
    if corpus is None:
        return determination
    try:
        return attach_precedents(determination, corpus, limit)
    finally:
        corpus.close()


def precedents_for_request(
    corpus: Corpus, request: str, record: str = "", exclude_key: str | None = None, limit: int = PRECEDENTS
) -> tuple[ItemDetermination, list[Precedent], str]:
    """Precedents for a request not yet in a case: the engine drafts it on `record` (its topic, and the facts its
    criteria rest on), then the corpus is searched as for a drafted item. Returns the drafted item too."""
    case = Case(
        documents=[Document(id="record", type="clinical_summary", text=record)],
        disputed_items=[DisputedItem(request=request)],
    )
    (item,) = review_case(case).items
    found, line = find_precedents(corpus, item, exclude_key, limit)
    return item, found, line
