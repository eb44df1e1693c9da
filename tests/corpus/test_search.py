"""Search: each gold item is found by its request with its decision; filters narrow; snippets mark the matched words.
Run against a corpus of the shared letters on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, select
from tests.conftest import gold_letters

from openimr.corpus.filters import Filters
from openimr.corpus.index import _RANK_WEIGHTS, HIGHLIGHT
from openimr.corpus.ingest import add_records
from openimr.corpus.query import parse_query, tsquery
from openimr.corpus.search import search
from openimr.corpus.store import Corpus, items
from openimr.errors import OpenIMRError
from openimr.model import Decision, Determination


def test_every_gold_item_is_found_by_its_request_with_its_decision(shared_corpus: Corpus) -> None:
    checked = 0
    for letter in gold_letters():
        if not letter.get("case_number"):
            continue
        for item in letter["items"]:
            phrase = item["item"].replace('"', " ")
            result = search(shared_corpus, f'"{phrase}"', limit=100)
            found = {(h.case_number, h.decision.value) for h in result.hits}
            assert (letter["case_number"], item["decision"]) in found, item["item"]
            checked += 1
    assert checked >= 215


def test_a_search_ranks_the_request_that_says_it_first(shared_corpus: Corpus) -> None:
    result = search(shared_corpus, "lumbar MRI", limit=10)
    assert result.hits and not result.more and result.ranked >= len(result.hits)
    top = result.hits[0]
    assert "lumbar" in top.item.lower() and "mri" in top.item.lower()
    scores = [h.score for h in result.hits]
    assert scores == sorted(scores, reverse=True)
    assert HIGHLIGHT[0] in top.snippet and HIGHLIGHT[1] in top.snippet


def test_filters_narrow(shared_corpus: Corpus) -> None:
    everything = search(shared_corpus, "therapy", limit=200)
    overturned = search(shared_corpus, "therapy", Filters(decision=Decision.OVERTURNED), limit=200)
    assert 0 < overturned.ranked < everything.ranked
    assert {h.decision for h in overturned.hits} == {Decision.OVERTURNED}
    assert len(overturned.hits) == sum(h.decision == Decision.OVERTURNED for h in everything.hits)

    january = Filters(start=dt.date(2017, 1, 1), end=dt.date(2017, 1, 31))
    dated = search(shared_corpus, "therapy", january, limit=200)
    assert 0 < dated.ranked < everything.ranked
    assert all(h.date and dt.date(2017, 1, 1) <= h.date <= dt.date(2017, 1, 31) for h in dated.hits)

    topic = search(shared_corpus, "therapy", Filters(topic="physical_therapy"), limit=200)
    assert topic.hits and {h.topic for h in topic.hits} == {"physical_therapy"}
    category = search(shared_corpus, "therapy", Filters(category="chiropractic"), limit=200)
    assert category.hits and {h.category for h in category.hits} == {"chiropractic"}

    specialty = search(shared_corpus, "therapy", Filters(specialty="family practice"), limit=200)
    assert 0 < specialty.ranked < everything.ranked


def test_exclusion_and_alternatives(shared_corpus: Corpus) -> None:
    either = search(shared_corpus, "acupuncture OR chiropractic", limit=200)
    one = search(shared_corpus, "acupuncture", limit=200)
    other = search(shared_corpus, "chiropractic", limit=200)
    assert max(one.ranked, other.ranked) < either.ranked <= one.ranked + other.ranked
    without = search(shared_corpus, "acupuncture -chiropractic", limit=200)
    assert without.ranked < one.ranked


def test_bad_queries_are_one_line_errors(shared_corpus: Corpus) -> None:
    with pytest.raises(OpenIMRError, match="nothing to search for"):
        search(shared_corpus, "the of and")
    with pytest.raises(OpenIMRError, match="nothing to search for"):
        search(shared_corpus, "-acupuncture")
    with pytest.raises(OpenIMRError, match="date range is empty"):
        Filters(start=dt.date(2017, 2, 1), end=dt.date(2017, 1, 1))
    assert search(shared_corpus, 'x-ray "10/325" #60 (quoted) NOT: AND*').hits is not None


def test_a_window_ranks_the_newest_matches_only(shared_corpus: Corpus) -> None:
    query = parse_query("therapy")
    everything = shared_corpus.index.search(query, Filters(), limit=500)
    assert not everything.capped and everything.window > 30
    newest = shared_corpus.index.search(query, Filters(), limit=500, window=12)
    assert newest.capped and newest.window == 12 and len(newest.ranked) == 12
    dates = dict(_dates(shared_corpus, [item for item, _ in everything.ranked]))
    cut = sorted(dates.values(), reverse=True)[11]
    assert all(dates[item] >= cut.replace(day=1) for item, _ in newest.ranked)
    overturned = shared_corpus.index.search(query, Filters(decision=Decision.OVERTURNED), limit=500, window=3)
    assert overturned.window == 3 and len(overturned.ranked) == 3
    assert {h.decision for h in search(shared_corpus, "therapy", Filters(decision=Decision.OVERTURNED)).hits} == {
        Decision.OVERTURNED
    }


def _dates(corpus: Corpus, ids: list[int]) -> list[tuple[int, dt.date]]:
    with corpus.engine.connect() as connection:
        rows = connection.execute(select(items.c.id, items.c.decision_date).where(items.c.id.in_(ids))).all()
    return [(row[0], row[1] or dt.date.min) for row in rows]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (dt.date(2016, 12, 1), dt.date(2017, 1, 31)),  # whole months
        (dt.date(2017, 1, 12), dt.date(2017, 2, 9)),  # starts and ends within a month
        (dt.date(2017, 2, 1), None),
        (None, dt.date(2017, 1, 20)),
    ],
)
def test_a_date_range_keeps_exactly_the_matches_decided_in_it_with_their_scores(
    shared_corpus: Corpus, start: dt.date | None, end: dt.date | None
) -> None:
    query = parse_query("therapy")
    everything = shared_corpus.index.search(query, Filters(), limit=500)
    dates = dict(_dates(shared_corpus, [item for item, _ in everything.ranked]))
    inside = [
        (item, score)
        for item, score in everything.ranked
        if dates[item] != dt.date.min and (start is None or dates[item] >= start) and (end is None or dates[item] <= end)
    ]
    assert 0 < len(inside) < len(everything.ranked)
    dated = shared_corpus.index.search(query, Filters(start=start, end=end), limit=500)
    assert not dated.capped and dated.window == len(inside)
    assert dated.ranked == inside
    # A window smaller than the matches in the range: the newest of them, ranked as in the full search.
    newest = shared_corpus.index.search(query, Filters(start=start, end=end), limit=500, window=5)
    assert newest.capped and newest.window == 5
    assert set(newest.ranked) <= set(inside)
    cut = sorted((dates[item] for item, _ in inside), reverse=True)[4]
    assert all(dates[item] >= cut.replace(day=1) for item, _ in newest.ranked)


def test_a_window_filled_to_its_last_row_still_tells_that_more_lie_beyond(shared_corpus: Corpus) -> None:
    query = parse_query("therapy")
    everything = shared_corpus.index.search(query, Filters(), limit=500)
    dates = dict(_dates(shared_corpus, [item for item, _ in everything.ranked]))
    newest = max(dates.values())
    in_newest_month = sum((day.year, day.month) == (newest.year, newest.month) for day in dates.values())
    assert 0 < in_newest_month < everything.window
    full = shared_corpus.index.search(query, Filters(), limit=500, window=in_newest_month)
    assert full.capped and full.window == in_newest_month
    assert all((dates[item].year, dates[item].month) == (newest.year, newest.month) for item, _ in full.ranked)


def _copied_back(records: list[Determination]) -> list[Determination]:
    """Thirty dated letters copied back over four years: each copy its own case number, decided 122 days before the
    last."""
    bases = [record for record in records if record.case_number and record.decision_date][:30]
    return [
        record.model_copy(
            update={
                "case_number": f"{record.case_number}-{copy}",
                "decision_date": record.decision_date - dt.timedelta(days=122 * copy) if record.decision_date else None,
            }
        )
        for copy in range(13)
        for record in bases
    ]


@pytest.mark.parametrize("text", ["therapy", "lumb* -cervical"])
def test_a_date_range_over_years_keeps_exactly_the_matches_decided_in_it(
    database_url: str, shared_records: list[Determination], text: str
) -> None:
    """Thirty letters copied back over four years (`_copied_back`): a range of more than three years, of whole months
    or not, or open at its start, keeps exactly its matches, scored as in a search without dates; a window smaller than
    its matches holds the newest of them."""
    corpus = Corpus.open(database_url)
    add_records(corpus, _copied_back(shared_records))
    query = parse_query(text)
    everything = corpus.index.search(query, Filters(), limit=10_000, window=10_000)
    assert not everything.capped
    dates = dict(_dates(corpus, [item for item, _ in everything.ranked]))
    assert min(dates.values()) < dt.date(2013, 3, 1) and max(dates.values()) > dt.date(2016, 12, 1)
    for start, end in [
        (dt.date(2013, 3, 1), dt.date(2016, 10, 31)),
        (dt.date(2013, 2, 14), dt.date(2016, 11, 20)),
        (None, dt.date(2016, 6, 30)),
    ]:
        inside = [
            (item, score)
            for item, score in everything.ranked
            if (start is None or dates[item] >= start) and (end is None or dates[item] <= end)
        ]
        assert 10 < len(inside) < len(everything.ranked)
        dated = corpus.index.search(query, Filters(start=start, end=end), limit=10_000)
        assert not dated.capped and dated.ranked == inside
        newest = corpus.index.search(query, Filters(start=start, end=end), limit=10_000, window=10)
        assert newest.capped and newest.window == 10
        assert set(newest.ranked) <= set(inside)
    corpus.close()


_PARSED_TAGS = """
CREATE TEMP TABLE vectors AS
SELECT t.id, t.tags, t.tsv AS stored,
       setweight(to_tsvector('english', t.request), 'A') || setweight(to_tsvector('english', t.rationale), 'B')
       || setweight(to_tsvector('english', l.summary), 'C') || setweight(to_tsvector('simple', t.tags), 'D') AS parsed
FROM corpus_item_texts AS t JOIN corpus_items AS i ON i.id = t.id JOIN corpus_letters AS l ON l.id = i.letter_id
"""
"""Each item's stored vector beside one with its tags parsed as words of weight D."""


def test_stored_vectors_match_and_rank_as_vectors_with_parsed_tags(shared_corpus: Corpus) -> None:
    """PostgreSQL stores the tags as lexemes without positions: each query matches the same items, with the same rank,
    as it does a vector whose tags are parsed words of weight D; every tag filters the same items."""
    if shared_corpus.dialect != "postgresql":
        pytest.skip("PostgreSQL vectors")
    with shared_corpus.raw() as connection, connection.transaction(force_rollback=True), connection.cursor() as cursor:
        cursor.execute(_PARSED_TAGS)
        for text in ("lumbar MRI", '"physical therapy"', "opioid OR opiate", "acupuncture -chiropractic", "cyclo*"):
            user, params = tsquery(parse_query(text))
            stored, parsed = (f"v.{c} @@ ({user}), ts_rank({_RANK_WEIGHTS}, v.{c}, {user}, 1)" for c in ("stored", "parsed"))
            rows = cursor.execute(f"SELECT v.id, {stored}, {parsed} FROM vectors AS v ORDER BY v.id", params).fetchall()
            assert len(rows) > 200 and sum(row[1] for row in rows) > 3, text
            assert [(row[0], row[1], row[2]) for row in rows] == [(row[0], row[3], row[4]) for row in rows], text
        tag_tests, tag_differences = cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE (v.stored @@ q) <> (v.parsed @@ q)) FROM vectors AS v, "
            "(SELECT DISTINCT unnest(string_to_array(tags, ' ')) AS tag FROM vectors) AS tags, "
            "to_tsquery('simple', tags.tag) AS q"
        ).fetchone()
    assert tag_tests > 10_000 and tag_differences == 0


@pytest.mark.postgres
def test_a_prefix_query_keeps_the_windows_of_the_one_word_it_stands_for(
    postgres_url: str, shared_records: list[Determination]
) -> None:
    """PostgreSQL reads several months' matches of a prefix query in one probe (each probe of a prefix reads all its
    words' postings): in a corpus where the prefix stands for one word, its windows of any size, with or without
    filters, hold the same matches, scores and `more` as those of the word, which is probed a step at a time."""
    corpus = Corpus.open(postgres_url)
    add_records(corpus, _copied_back(shared_records))
    with corpus.raw() as connection:
        words = connection.execute(
            "SELECT word FROM ts_stat('SELECT tsv FROM corpus_item_texts') WHERE word LIKE 'cyclo%'"
        ).fetchall()
    assert words == [("cyclobenzaprin",)]
    prefix, word = parse_query("cyclo* -tizanidine"), parse_query("cyclobenzaprine -tizanidine")
    everything = corpus.index.search(word, Filters(), limit=10_000, window=10_000)
    assert len(everything.ranked) > 40
    for filters in (
        Filters(),
        Filters(decision=Decision.UPHELD),
        Filters(start=dt.date(2014, 1, 1), end=dt.date(2016, 6, 30)),
    ):
        for window in (3, 8, 20, 50, 10_000):
            expected = corpus.index.search(word, filters, limit=10_000, window=window)
            assert corpus.index.search(prefix, filters, limit=10_000, window=window) == expected, (filters, window)
    corpus.close()


def test_a_search_reads_over_one_connection_and_leaves_it_as_it_was(shared_corpus: Corpus) -> None:
    """A search with hits (its probes, its hits' details, their passages; unfiltered, and filtered as far as every
    month at once) checks one connection out of the pool, not one a part; the hits are those of the same search
    again, and on PostgreSQL the connection's plan setting is back to its default afterwards."""
    checkouts: list[object] = []

    def count(*_: object) -> None:
        checkouts.append(None)

    event.listen(shared_corpus.engine, "checkout", count)
    try:
        for filters in (Filters(), Filters(decision=Decision.OVERTURNED, category="imaging")):
            checkouts.clear()
            result = search(shared_corpus, "lumbar MRI", filters, limit=5)
            assert result.hits and len(checkouts) == 1
            assert search(shared_corpus, "lumbar MRI", filters, limit=5) == result
    finally:
        event.remove(shared_corpus.engine, "checkout", count)
    if shared_corpus.dialect == "postgresql":
        with shared_corpus.engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW plan_cache_mode").scalar() == "auto"
