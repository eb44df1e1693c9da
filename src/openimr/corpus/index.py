"""The full-text index of the corpus and the bulk writer, one class per database.

Each item is one entry: its request, its rationale and its letter's summary (weighted in that order), plus filter
tags (`openimr.corpus.filters`). A search ranks the matches by relevance (SQLite FTS5's BM25; PostgreSQL's `ts_rank`)
within a window of the newest matches by decision date (`WINDOW`): scoring every match of a common word in a corpus of
millions of items takes seconds in either engine (FTS5 reads the whole posting list of each word for its IDF and
scores about 10 µs a row; PostgreSQL reads each matching row's tsvector), so the cost of a search is bounded by the
window instead of by the corpus. Filters and dates narrow the matches before the window is taken, so any item stays
reachable. Every match is in the window when there are fewer than `WINDOW` of them (any corpus of a few thousand
letters).

- SQLite: one FTS5 table per decision year (`corpus_fts_<year>`, `corpus_fts_0` for undated letters; external content
  over the view `corpus_search_text`, rowid = `search_key`, ascending from the newest decision date). Years are searched
  newest first until the window is full; within a year, one walk of the matches in rowid order (newest first) scores each
  until the window is full. Per-year tables also keep each word's posting list, which FTS5's BM25 reads whole, to one
  year of letters.
- PostgreSQL: `corpus_item_texts.tsv` (weights A request, B rationale, C summary; the tags without positions) under a
  GIN index, the table partitioned by decision month (`corpus_0006`), each partition under its own GIN index. Months
  are searched newest first, a probe naming its months by their run of search keys (the planner reads only their
  partitions, newest first, until the probe's limit), until the window is full, each probe ranking the rows it reads
  (so the window is the newest matches to within the months of its last probe); when the months left look too few in
  matches to fill it, the rest are read at once, newest first (those months' matches under a date range, otherwise
  all), ranked as they are read. A prefix query's steps after the first are served by one probe of as many months as
  should fill the window (`_ReadAhead`): each probe of a prefix reads the posting lists of all its words in each of its
  months. The rows of each month are kept in key order, newest first (`optimize` restores it after loads), so the rows
  a probe reads first are its newest: the same rows, in the same order, as one table in key order gave.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import heapq
import itertools
import math
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import psycopg

from openimr.corpus.filters import Filters
from openimr.corpus.query import Query, fts5, tsquery
from openimr.corpus.records import UNDATED, month_label
from openimr.corpus.store import (
    DatabaseBusy,
    create_partition,
    flatten,
    item_of,
    key_range,
    letters,
    metadata,
    month_keys,
    partition_name,
    shard_of,
)
from openimr.model import Decision, Determination

if TYPE_CHECKING:
    from openimr.corpus.store import Corpus

WINDOW = 2000
"""How many of the newest matches a search ranks."""
SNIPPET_WORDS = 24
HIGHLIGHT = ("[", "]")
"""What encloses a matched word in a snippet."""
ELLIPSIS = "…"


@dataclass(frozen=True)
class Hits:
    """The best-ranked item ids with their scores (higher is better), how many matches the window held, and whether
    more matches lie beyond it."""

    ranked: list[tuple[int, float]]
    window: int
    capped: bool


@dataclass(frozen=True)
class Passage:
    """An item's request as the letter states it, and the passage that matched, matched words highlighted."""

    request: str
    snippet: str


class Index(Protocol):
    """What the corpus needs of a database's full-text index."""

    def write(self, batch: dict[str, Determination]) -> int:
        """Write a batch of letters keyed by `letter_key`, replacing the letters already stored under those keys;
        returns how many were replaced."""
        ...

    def optimize(self) -> None:
        """Settle the index after a bulk load (merged and analyzed), so searches read it fast."""
        ...

    def bulk(self) -> contextlib.AbstractContextManager[Callable[[bool], None]]:
        """A load of many batches: within it, writes may defer upkeep of the index; the function it gives settles the
        index at the end of the load (with True, by `optimize`; with False, only what was deferred)."""
        ...

    def search(self, query: Query, filters: Filters, limit: int, window: int = WINDOW) -> Hits:
        """The best `limit` matches of `query` among the newest `window` items that pass `filters`."""
        ...

    def passages(self, query: Query, keys: Mapping[int, int]) -> dict[int, Passage]:
        """Each item's request, and a passage of it with the words of `query` highlighted; `keys`: each item's id and
        its search key."""
        ...


def index_for(corpus: Corpus) -> Index:
    """The index of the corpus's database."""
    return PostgresIndex(corpus) if corpus.dialect == "postgresql" else SqliteIndex(corpus)


def _placeholders(n: int) -> str:
    return ",".join("?" * n)


# -- SQLite ---------------------------------------------------------------------------------------------------------

_FTS_COLUMNS = "request, rationale, summary, tags"
_BM25 = "bm25({t}, 4.0, 2.0, 1.0, 0.0)"
"""Column weights: the request counts most, then the rationale, then the summary; tags not at all."""
_LETTER_INSERT = (
    "INSERT INTO corpus_letters (id, key, case_number, decision_date, date_of_injury, ur_denial_date, "
    "application_received, date_assigned, priority, layout, source, reviewer, summary, knowledge_version, added_at) "
    f"VALUES ({_placeholders(15)})"
)
_ITEM_INSERT = (
    "INSERT INTO corpus_items (id, letter_id, position, search_key, overturned, topic, category, decision_date, year, "
    f"month) VALUES ({_placeholders(10)})"
)
_TEXT_INSERT = (
    "INSERT INTO corpus_item_texts (id, request, rationale, original_request, authorized, disputed, "
    f"claims_administrator_guideline, maximus_guideline, tags) VALUES ({_placeholders(9)})"
)


def _fts_table(shard: int) -> str:
    return f"corpus_fts_{int(shard)}"


class SqliteIndex:
    """FTS5 tables per decision year over the corpus tables of a SQLite database."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self.settings = _FTS_SETTINGS
        """The FTS5 settings of year tables this index creates: `_BULK_SETTINGS` during a bulk load."""

    @contextlib.contextmanager
    def bulk(self) -> Iterator[Callable[[bool], None]]:
        """During a load, year tables merge no segments as batches are written (`_BULK_SETTINGS`); settling merges
        them once: all into one (`optimize`), or only the levels automerge would have merged. A load that stops on an
        error leaves its segments to the next writes' automerge (searches stay right, a little slower until then); one
        stopped by another process's write lock (`DatabaseBusy`) leaves the bulk settings too, to the next load's
        settling (every write is a load's): setting them back would wait for the same lock again."""
        self._configure(_BULK_SETTINGS)
        settled = False

        def settle(optimize: bool) -> None:
            nonlocal settled
            settled = True
            self._configure(_FTS_SETTINGS)
            if optimize:
                self.optimize()
            else:
                self._merge()

        try:
            yield settle
        except DatabaseBusy:
            settled = True
            raise
        finally:
            if not settled:
                self._configure(_FTS_SETTINGS)

    def _configure(self, settings: dict[str, int]) -> None:
        """Apply FTS5 settings to every year table, and to those created from now on."""
        self.settings = settings
        with self.corpus.raw() as connection, connection:
            for (shard,) in connection.execute("SELECT shard FROM corpus_fts_shards").fetchall():
                _set(connection, _fts_table(shard), settings)

    @contextlib.contextmanager
    def _autocommitting(self) -> Iterator[tuple[Any, list[str]]]:
        """A raw connection in autocommit mode (FTS5's 'merge' and 'optimize' commands commit as they go) and the
        names of the year tables."""
        with self.corpus.raw() as connection:
            isolation = connection.isolation_level
            connection.isolation_level = None
            try:
                shards = connection.execute("SELECT shard FROM corpus_fts_shards").fetchall()
                yield connection, [_fts_table(shard) for (shard,) in shards]
            finally:
                connection.isolation_level = isolation

    def _merge(self) -> None:
        """Merge each year table's levels of `usermerge` segments or more, as automerge does, until none is left."""
        with self._autocommitting() as (connection, tables):
            for table in tables:
                while True:  # FTS5's 'merge' changes fewer than 2 rows once there is nothing left to merge
                    before = connection.total_changes
                    connection.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('merge', 2000)")
                    if connection.total_changes - before < 2:
                        break

    # writing

    def write(self, batch: dict[str, Determination]) -> int:
        with self.corpus.raw() as connection:
            isolation = connection.isolation_level
            connection.isolation_level = None
            cursor = connection.cursor()
            try:
                cursor.execute("PRAGMA cache_size=-262144")
                cursor.execute("BEGIN IMMEDIATE")
                replaced = self._write(cursor, batch)
                cursor.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    cursor.execute("ROLLBACK")
                raise
            finally:
                cursor.close()
                connection.isolation_level = isolation
        return replaced

    def _write(self, cursor: Any, batch: dict[str, Determination]) -> int:
        keys = list(batch)
        existing = [
            row[0]
            for chunk in _chunks(keys, 30000)
            for row in cursor.execute(f"SELECT id FROM corpus_letters WHERE key IN ({_placeholders(len(chunk))})", chunk)
        ]
        shards = {row[0] for row in cursor.execute("SELECT shard FROM corpus_fts_shards")}
        if existing:
            self._remove(cursor, existing)
        next_letter = (cursor.execute("SELECT coalesce(max(id), 0) FROM corpus_letters").fetchone()[0]) + 1
        next_item = (cursor.execute("SELECT coalesce(max(id), 0) FROM corpus_items").fetchone()[0]) + 1
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        rows = flatten(batch, itertools.count(next_letter), itertools.count(next_item), now, iso_dates=True)
        cursor.executemany(_LETTER_INSERT, rows.letters)
        cursor.executemany("INSERT INTO corpus_letter_specialties (letter_id, specialty) VALUES (?, ?)", rows.specialties)
        cursor.executemany(_ITEM_INSERT, rows.items)
        cursor.executemany(_TEXT_INSERT, rows.texts)
        cursor.executemany("INSERT INTO corpus_item_guidelines (item_id, guideline) VALUES (?, ?)", rows.guidelines)
        for shard, entries in sorted(rows.entries.items()):
            if shard not in shards:
                _create_shard(cursor, shard, self.settings)
                shards.add(shard)
            table = _fts_table(shard)
            # In rowid order: FTS5 writes its pending terms out to a new segment whenever a rowid is lower than the
            # one before, so a batch in no date order costs a flush (and later merges) per entry, most of the work.
            entries.sort()
            cursor.executemany(f"INSERT INTO {table} (rowid, {_FTS_COLUMNS}) VALUES (?, ?, ?, ?, ?)", entries)
        return len(existing)

    def _remove(self, cursor: Any, letter_ids: list[int]) -> None:
        """Delete letters, their items and their index entries (FTS5 external content needs the old values)."""
        for chunk in _chunks(letter_ids, 30000):
            marks = _placeholders(len(chunk))
            old = cursor.execute(
                f"SELECT v.search_key, v.request, v.rationale, v.summary, v.tags FROM corpus_search_text AS v "
                f"JOIN corpus_items AS i ON i.search_key = v.search_key WHERE i.letter_id IN ({marks})",
                chunk,
            ).fetchall()
            by_shard: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
            for entry in old:
                by_shard[shard_of(entry[0])].append(entry)
            for shard, entries in by_shard.items():
                table = _fts_table(shard)
                entries.sort()  # in rowid order, as they were written
                cursor.executemany(
                    f"INSERT INTO {table} ({table}, rowid, {_FTS_COLUMNS}) VALUES ('delete', ?, ?, ?, ?, ?)", entries
                )
            items_of = f"SELECT id FROM corpus_items WHERE letter_id IN ({marks})"
            cursor.execute(f"DELETE FROM corpus_item_guidelines WHERE item_id IN ({items_of})", chunk)
            cursor.execute(f"DELETE FROM corpus_item_texts WHERE id IN ({items_of})", chunk)
            cursor.execute(f"DELETE FROM corpus_items WHERE letter_id IN ({marks})", chunk)
            cursor.execute(f"DELETE FROM corpus_letter_specialties WHERE letter_id IN ({marks})", chunk)
            cursor.execute(f"DELETE FROM corpus_letters WHERE id IN ({marks})", chunk)

    def optimize(self) -> None:
        """Merge each year table's segments into one (a search then walks one posting list a word instead of dozens:
        about twice as fast on a bulk-loaded corpus) and refresh the planner's statistics."""
        with self._autocommitting() as (connection, tables):
            for table in tables:
                connection.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")
            connection.execute("ANALYZE")

    # searching

    def _shards(self, cursor: Any, filters: Filters) -> list[int]:
        """The year tables a search reads, newest first, undated last (and not at all under a date range)."""
        years = sorted((row[0] for row in cursor.execute("SELECT shard FROM corpus_fts_shards") if row[0]), reverse=True)
        first = filters.start.year if filters.start else 0
        last = filters.end.year if filters.end else 9999
        chosen = [year for year in years if first <= year <= last]
        if not filters.dated and 0 in {row[0] for row in cursor.execute("SELECT shard FROM corpus_fts_shards")}:
            chosen.append(0)
        return chosen

    def search(self, query: Query, filters: Filters, limit: int, window: int = WINDOW) -> Hits:
        expression = _fts5_filtered(query, filters)
        low, high = key_range(filters.start, filters.end)
        # The decision is the key's lowest bit: tested on each match, where a tag would cost its whole posting list.
        decided = "" if filters.decision is None else f" AND (rowid & 1) = {int(filters.decision == Decision.OVERTURNED)}"
        scored: list[tuple[int, float]] = []
        capped = False
        with self.corpus.raw() as connection:
            cursor = connection.cursor()
            try:
                for shard in self._shards(cursor, filters):
                    table = _fts_table(shard)
                    where = f"{table} MATCH ? AND rowid BETWEEN ? AND ?{decided}"
                    room = window - len(scored)
                    if room == 0:  # the window is full: one older match anywhere means more lie beyond it
                        older = cursor.execute(f"SELECT 1 FROM {table} WHERE {where} LIMIT 1", (expression, low, high))
                        if older.fetchone() is not None:
                            capped = True
                            break
                        continue
                    # One walk of the shard's matches, newest first (FTS5 reads them in rowid order and stops at the
                    # limit), scoring each: the window is this walk's first `room` rows.
                    score = _BM25.format(t=table)
                    found = cursor.execute(
                        f"SELECT rowid, {score} FROM {table} WHERE {where} ORDER BY rowid LIMIT ?",
                        (expression, low, high, room + 1),
                    ).fetchall()
                    if len(found) > room:
                        scored.extend((item_of(key), -bm25) for key, bm25 in found[:room])
                        capped = True
                        break
                    scored.extend((item_of(key), -bm25) for key, bm25 in found)
            finally:
                cursor.close()
        ranked = heapq.nsmallest(limit, scored, key=lambda hit: (-hit[1], -hit[0]))
        return Hits(ranked, len(scored), capped)

    def passages(self, query: Query, keys: Mapping[int, int]) -> dict[int, Passage]:
        if not keys:
            return {}
        expression = fts5(query)
        found: dict[int, Passage] = {}
        with self.corpus.raw() as connection:
            cursor = connection.cursor()
            try:
                marks = _placeholders(len(keys))
                requests = cursor.execute(f"SELECT id, request FROM corpus_item_texts WHERE id IN ({marks})", list(keys))
                for item_id, request in requests.fetchall():
                    table = _fts_table(shard_of(keys[item_id]))
                    row = cursor.execute(
                        f"SELECT snippet({table}, -1, ?, ?, ?, ?) FROM {table} WHERE {table} MATCH ? AND rowid = ?",
                        (*HIGHLIGHT, ELLIPSIS, SNIPPET_WORDS, expression, keys[item_id]),
                    ).fetchone()
                    found[item_id] = Passage(request, "" if row is None else " ".join(str(row[0]).split()))
            finally:
                cursor.close()
        return found


_FTS_SETTINGS = {"automerge": 16, "crisismerge": 64, "usermerge": 16, "hashsize": 1 << 20}
"""FTS5 merges a level's segments once 16 are there (default 4): a bulk load merges each posting fewer times; a search
reads a few more segments (bounded, and searches measured well within their budget). `usermerge`: the same for the
merges `SqliteIndex.bulk` defers. `hashsize`: FTS5's default, 1 MiB of pending terms a table before it writes them."""
_BULK_SETTINGS = {"automerge": 0, "crisismerge": 1000, "usermerge": 16, "hashsize": 16 << 20}
"""During a bulk load: no merging as batches are written (at most 1,000 segments a level; FTS5 allows 2,000 in all),
and up to 16 MiB of a table's pending terms held until its batch commits (one segment a batch instead of several).
Merging once afterwards saves automerge's earlier passes: 100,000 letters, index settled, 414 µs of CPU a letter
against 572-592 (batches of 10,000 against 2,000 too)."""


def _set(connection: Any, table: str, settings: dict[str, int]) -> None:
    for name, value in settings.items():
        connection.execute(f"INSERT INTO {table} ({table}, rank) VALUES (?, ?)", (name, value))


def _create_shard(cursor: Any, shard: int, settings: dict[str, int]) -> None:
    table = _fts_table(shard)
    cursor.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5({_FTS_COLUMNS}, content='corpus_search_text', "
        "content_rowid='search_key', tokenize='porter unicode61 remove_diacritics 2')"
    )
    _set(cursor, table, settings)
    cursor.execute("INSERT INTO corpus_fts_shards (shard) VALUES (?)", (shard,))


def _fts5_filtered(query: Query, filters: Filters) -> str:
    expression = f"({fts5(query)})"
    for required in filters.required_tags(decision=False):
        expression += f' AND tags : "{required}"'
    for excluded in filters.excluded_tags():
        expression += f' NOT tags : "{excluded}"'
    return expression


def _chunks(values: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# -- PostgreSQL -----------------------------------------------------------------------------------------------------

_RANK_WEIGHTS = "'{0.0, 0.2, 0.5, 1.0}'"
"""ts_rank weights of D (none; tags, lexemes without positions, weigh as D), C (summary), B (rationale), A (request)."""
Row = tuple[int, float]
"""A match found by a probe: its item id and its rank."""
_FEW_MONTHS = 36
"""At most this many months in one probe (see `PostgresIndex._newest`)."""
_AHEAD = 1.5
"""A read-ahead probe's months are expected to hold this many times the room left in the window."""
_TEXT_COLUMNS = (
    "id, request, rationale, original_request, authorized, disputed, claims_administrator_guideline, maximus_guideline, tags"
)
_TEXT_TYPES = ("integer", "text", "text", "text", "text", "text", "text", "text", "text")
"""The SQL types of `_TEXT_COLUMNS`, in order."""
_FILL_TEXTS = f"""
WITH summaries AS MATERIALIZED (
    SELECT id, setweight(to_tsvector('english', summary), 'C') AS vector FROM corpus_letters WHERE id = ANY(%(letters)b)
)
INSERT INTO corpus_item_texts ({_TEXT_COLUMNS}, search_key, tsv)
SELECT s.id, s.request, s.rationale, s.original_request, s.authorized, s.disputed, s.claims_administrator_guideline,
       s.maximus_guideline, s.tags, s.search_key,
       setweight(to_tsvector('english', s.request), 'A') || setweight(to_tsvector('english', s.rationale), 'B')
       || summaries.vector || array_to_tsvector(string_to_array(s.tags, ' '))
FROM unnest(%(letter_of)b::integer[], %(keys)b::bigint[], {", ".join(f"%(c{n})b::{t}[]" for n, t in enumerate(_TEXT_TYPES))})
     AS s (letter_id, search_key, {_TEXT_COLUMNS})
JOIN summaries ON summaries.id = s.letter_id
ORDER BY s.search_key
"""
"""Each item's texts, its search key and its vector, the texts given as one binary array a column (no staging table:
the server neither writes them to a table nor compresses and reads them back); the summary's vector made once a
letter. The tags are lexemes without positions (no parsing: they are single words already): a filter matches them,
their rank weight is 0, and each counts once in a vector's length, as a tag at one position of weight D did, so ranks
stay the same. A batch's rows are written in key order (the order `PostgresIndex.optimize` keeps the table in)."""
_AUTOVACUUM = {
    True: "ALTER TABLE {partition} RESET (autovacuum_enabled)",
    False: "ALTER TABLE {partition} SET (autovacuum_enabled = off)",
}
"""The statements that give a partition back to autovacuum, or keep autovacuum off it (`PostgresIndex.bulk`)."""
_ATTEMPTS = 5
"""How many times `PostgresIndex.write` tries a batch that met letters another writer added at the same moment."""
_ORDERED = 0.9
"""The correlation of the texts' physical order with their search keys (PostgreSQL's statistics) under which
`PostgresIndex.optimize` writes the table again in key order."""


class PostgresIndex:
    """The `tsv` column and its GIN index, in a PostgreSQL database (`corpus_item_texts`, partitioned by decision month:
    `corpus_0006`).

    Lock order. Every path that writes takes `corpus_items` before `corpus_item_texts`, so none holds the texts while
    waiting for `corpus_items`:

    - a partition's creator (`_partition`, its own transaction): the creators' advisory lock, then `corpus_items` in
      SHARE ROW EXCLUSIVE mode (the partition's foreign key needs it), then `corpus_item_texts` in ACCESS EXCLUSIVE mode
      (CREATE TABLE … PARTITION OF); a month whose partition exists takes no lock on the texts;
    - a batch (`write`, after its creator; adding letters, and re-adding a case number, which deletes the old version
      first): `corpus_items` in ROW EXCLUSIVE mode as its first statement, then `corpus_letters`: the rows of its
      letters there already, FOR UPDATE in key order, then the keys it inserts (the unique index: a key another
      writer inserted and has not committed yet is waited for), and only then the other tables: a re-add deletes the
      old guidelines and texts (every partition, ROW EXCLUSIVE) before the old items, and the fill inserts the texts
      after the items (the parent, then each partition its rows go to). Without that first lock, a re-add held the
      texts while it waited for `corpus_items` behind a creator holding `corpus_items` and waiting for the texts: a
      deadlock. Two batches with case numbers in common (two `imr corpus add` runs at once) wait for each other only on
      those letters' rows and keys; one that then meets a key committed after its look-up (a unique violation), or
      that deadlocks on keys inserted in another order, is rolled back and written again, holding nothing;
    - `optimize` (autocommit, one table at a time: VACUUM or ANALYZE, and CLUSTER of one partition) holds one table a
      statement, so it waits but closes no cycle;
    - a load's switching of autovacuum (`_autovacuum`, autocommit: SHARE UPDATE EXCLUSIVE on one partition a
      statement, which no writer or search conflicts with) holds nothing else, so it too waits but closes no cycle;
    - a search reads (ACCESS SHARE, no conflict with writers): it waits only for a creator, which waits for nothing a
      search holds. There is no other delete or update."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self.partitioned: set[str] = set()
        """The months whose partitions this index has seen exist."""
        self.loading = False
        """Whether a load (`bulk`) is under way: the partitions it creates are left alone by autovacuum too."""

    # writing

    def _partition(self, batch: dict[str, Determination]) -> None:
        """Create the partitions of the batch's months that do not exist yet, in a transaction of their own before the
        batch's (creating a partition locks the whole table: within a writer's transaction, which already writes to
        it, two writers would wait for each other); one creator at a time (an advisory lock). A partition's foreign key
        to `corpus_items` needs a SHARE ROW EXCLUSIVE lock on that table, which a writer holds in ROW EXCLUSIVE mode
        from its first statement: the creator takes it first, before the partitioned table, in the writers' order (see
        the class's lock order)."""
        missing = {month_label(letter.decision_date) for letter in batch.values()} - self.partitioned
        if not missing:
            return
        with self.corpus.raw() as connection, connection.transaction(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('corpus_item_texts partitions'))")
            cursor.execute("LOCK TABLE corpus_items IN SHARE ROW EXCLUSIVE MODE")
            for month in sorted(missing):
                cursor.execute(create_partition(month))
                if self.loading:
                    cursor.execute(_AUTOVACUUM[False].format(partition=partition_name(month)))
        self.partitioned |= missing

    def write(self, batch: dict[str, Determination]) -> int:
        """Write a batch in one transaction (see `Index.write`). Another writer may add some of its case numbers at the
        same moment (a second `imr corpus add`): a batch that meets, in the unique index of the letters' keys, a letter
        committed after its own look-up (a unique violation), or that deadlocks with such a writer, is rolled back and
        written again, then replacing that letter; after `_ATTEMPTS` tries the error is raised."""
        self._partition(batch)
        attempt = 1
        while True:
            try:
                return self._write(batch)
            except (psycopg.errors.UniqueViolation, psycopg.errors.DeadlockDetected) as error:
                met = isinstance(error, psycopg.errors.DeadlockDetected) or error.diag.table_name == letters.name
                if not met or attempt == _ATTEMPTS:
                    raise
                attempt += 1

    def _write(self, batch: dict[str, Determination]) -> int:
        with self.corpus.raw() as connection, connection.transaction(), connection.cursor() as cursor:
            # The fill's estimated cost passes `jit_above_cost`: compiling it costs more than it saves in one batch.
            cursor.execute("SET LOCAL jit = off")
            # `corpus_items` before the texts, as a partition's creator takes them (see the class's lock order).
            cursor.execute("LOCK TABLE corpus_items IN ROW EXCLUSIVE MODE")
            keys = list(batch)
            # The letters there already, locked (in key order) until this batch ends: a writer replacing one of them at
            # the same moment waits, then finds it gone and starts again (its insert meets this batch's key).
            cursor.execute("SELECT id FROM corpus_letters WHERE key = ANY(%s) ORDER BY key FOR UPDATE", (keys,))
            existing = [row[0] for row in cursor.fetchall()]
            if existing:
                self._remove(cursor, existing)
            n_items = sum(len(letter.items) for letter in batch.values())
            letter_ids = _sequence(cursor, "corpus_letters", len(batch))
            item_ids = _sequence(cursor, "corpus_items", n_items)
            rows = flatten(batch, iter(letter_ids), iter(item_ids), dt.datetime.now(dt.UTC))
            with cursor.copy(
                "COPY corpus_letters (id, key, case_number, decision_date, date_of_injury, ur_denial_date, "
                "application_received, date_assigned, priority, layout, source, reviewer, summary, knowledge_version, "
                "added_at) FROM STDIN"
            ) as copy:
                for values in rows.letters:
                    copy.write_row(values)
            with cursor.copy("COPY corpus_letter_specialties (letter_id, specialty) FROM STDIN") as copy:
                for pair in rows.specialties:
                    copy.write_row(pair)
            with cursor.copy(
                "COPY corpus_items (id, letter_id, position, search_key, overturned, topic, category, decision_date, "
                "year, month) FROM STDIN"
            ) as copy:
                for values in rows.items:
                    copy.write_row(values)
            columns = {f"c{n}": [values[n] for values in rows.texts] for n in range(len(_TEXT_TYPES))}
            keys = [values[3] for values in rows.items]  # rows.items and rows.texts are in the same order
            cursor.execute(_FILL_TEXTS, {"letters": letter_ids, "letter_of": rows.letter_of, "keys": keys, **columns})
            with cursor.copy("COPY corpus_item_guidelines (item_id, guideline) FROM STDIN") as copy:
                for pair in rows.guidelines:
                    copy.write_row(pair)
        return len(existing)

    def optimize(self) -> None:
        """VACUUM ANALYZE the corpus tables: the GIN indexes' pending entries merged, the planner's statistics fresh.
        A month's item texts, when their rows have drifted out of key order (`_ORDERED`: a load of letters of any dates
        appends them at their partition's end), are written again in key order instead (CLUSTER, which builds the
        partition's indexes anew): a probe then reads a month's matches newest first (see `PostgresIndex.search`). Only
        the months out of order are written again."""
        with self.corpus.raw() as connection:
            autocommit = connection.autocommit
            connection.autocommit = True
            try:
                for table in metadata.sorted_tables:
                    if table.name == "corpus_item_texts":
                        connection.execute(f"ANALYZE {table.name}")
                        for partition, keys, ordered in self._partitions(connection):
                            if ordered:
                                connection.execute(f"VACUUM {partition}")
                            else:
                                connection.execute("SET maintenance_work_mem = '512MB'")
                                connection.execute(f"CLUSTER {partition} USING {keys}")
                                connection.execute("RESET maintenance_work_mem")
                                connection.execute(f"ANALYZE {partition}")
                    else:
                        connection.execute(f"VACUUM ANALYZE {table.name}")
            finally:
                connection.autocommit = autocommit

    @staticmethod
    def _partitions(connection: Any) -> list[tuple[str, str, bool]]:
        """Each month's partition of the item texts, its index of keys, and whether its rows are in key order to within
        `_ORDERED` (after an ANALYZE of the table)."""
        rows = connection.execute(
            "SELECT p.relname, k.relname, s.correlation FROM pg_inherits AS part "
            "JOIN pg_class AS p ON p.oid = part.inhrelid "
            "JOIN pg_index AS ix ON ix.indrelid = part.inhrelid "
            "JOIN pg_inherits AS of_keys ON of_keys.inhrelid = ix.indexrelid "
            "AND of_keys.inhparent = 'ix_corpus_item_texts_search_key'::regclass "
            "JOIN pg_class AS k ON k.oid = ix.indexrelid "
            "LEFT JOIN pg_stats AS s ON s.schemaname = current_schema() AND s.tablename = p.relname "
            "AND s.attname = 'search_key' "
            "WHERE part.inhparent = 'corpus_item_texts'::regclass ORDER BY p.relname"
        ).fetchall()
        return [(partition, keys, correlation is None or correlation >= _ORDERED) for partition, keys, correlation in rows]

    @contextlib.contextmanager
    def bulk(self) -> Iterator[Callable[[bool], None]]:
        """During a load, autovacuum leaves the item texts' partitions alone, and gets them back when the load ends,
        however it ends (`_autovacuum`); settling optimizes when asked to. As a load grows a month, autovacuum analyzed
        its partition again and again, each time reading all its rows and counting every vector's lexemes: ~200 µs of
        server CPU a letter at 20,000 letters, ~370 at 100,000 (a fifth of the server's CPU), all of it redone by
        `optimize` after a large load; after a small one, autovacuum analyzes each month it grew once (its count of
        rows changed since the last analysis keeps growing while it is off). A load stopped by a crash leaves autovacuum
        off on the partitions until the end of the next load."""
        self.loading = True
        self._autovacuum(False)
        try:
            yield lambda optimize: self.optimize() if optimize else None
        finally:
            self.loading = False
            self._autovacuum(True)

    def _autovacuum(self, on: bool) -> None:
        """Let autovacuum at the item texts' partitions, or keep it off them (autocommit, a statement a partition)."""
        with self.corpus.raw() as connection:
            autocommit = connection.autocommit
            connection.autocommit = True
            try:
                for partition, _, _ in self._partitions(connection):
                    connection.execute(_AUTOVACUUM[on].format(partition=partition))
            finally:
                connection.autocommit = autocommit

    @staticmethod
    def _remove(cursor: Any, letter_ids: list[int]) -> None:
        items_of = "SELECT id FROM corpus_items WHERE letter_id = ANY(%s)"
        cursor.execute(f"DELETE FROM corpus_item_guidelines WHERE item_id IN ({items_of})", (letter_ids,))
        cursor.execute(f"DELETE FROM corpus_item_texts WHERE id IN ({items_of})", (letter_ids,))
        cursor.execute("DELETE FROM corpus_items WHERE letter_id = ANY(%s)", (letter_ids,))
        cursor.execute("DELETE FROM corpus_letter_specialties WHERE letter_id = ANY(%s)", (letter_ids,))
        cursor.execute("DELETE FROM corpus_letters WHERE id = ANY(%s)", (letter_ids,))

    # searching

    def search(self, query: Query, filters: Filters, limit: int, window: int = WINDOW) -> Hits:
        user, user_params = tsquery(query)
        params: dict[str, Any] = dict(user_params)
        required = " & ".join(filters.required_tags())
        wanted = f"(({user})"
        if required:
            wanted += " && to_tsquery('simple', %(required)s)"
            params["required"] = required
        for n, excluded in enumerate(filters.excluded_tags()):
            wanted += f" && !!to_tsquery('simple', %(excluded{n})s)"
            params[f"excluded{n}"] = excluded
        wanted += ")"
        matched = f"t.tsv @@ {wanted}"
        low, high = key_range(filters.start, filters.end)
        # A range that starts or ends within a month (the read-ahead serves whole months only).
        partial = bool(filters.start and filters.start.day != 1) or bool(
            filters.end and (filters.end + dt.timedelta(days=1)).day != 1
        )
        rank = f"ts_rank({_RANK_WEIGHTS}, t.tsv, {user}, 1)"
        with self.corpus.raw() as connection, connection.cursor() as cursor:
            cursor.execute("SELECT min(month), max(month) FROM corpus_items")
            first, last = cursor.fetchone() or (None, None)
            months = _months_back(first, last, filters.start, filters.end)
            ahead = _ReadAhead(months) if query.has_prefix and not partial else None

            def probe(chosen: list[str] | None, room: int, ordered: bool) -> list[Row]:
                """Up to `room` + 1 matches decided in the `chosen` months (None: in any month), each with its rank
                (the probe reads each match's row, vector included, anyway): in no order or, when `ordered`, newest
                first."""
                values = {**params, "room": room + 1, **_keys_within(chosen, low, high)}
                if ordered and chosen is None and not filters.dated:
                    return _everything(cursor, wanted, user, values)
                if ordered:
                    return _ordered(cursor, matched + _WITHIN, rank, values)
                if ahead is not None and chosen is not None:
                    return ahead.probe(chosen, room, lambda: plain(values), wide)
                return plain(values)

            def plain(values: dict[str, Any]) -> list[Row]:
                sql = f"SELECT t.id, {rank} FROM corpus_item_texts AS t WHERE {matched}{_WITHIN} LIMIT %(room)s"
                return list(cursor.execute(sql, values).fetchall())

            def wide(chosen: list[str], most: int) -> list[tuple[str, int, float]]:
                """Up to `most` matches of the `chosen` months, each with its month and its rank, in the order the
                heap holds them (a bitmap scan's, as any probe of the GIN index reads them); each match's month looked
                up by its id (its tags are stored out of line: reading them costs more)."""
                values = {**params, "most": most, **_keys_within(chosen, low, high)}
                sql = (
                    f"SELECT coalesce(o.month, '{UNDATED}'), t.id, {rank} FROM corpus_item_texts AS t CROSS JOIN LATERAL "
                    "(SELECT i.month FROM corpus_items AS i WHERE i.id = t.id OFFSET 0) AS o "
                    f"WHERE {matched}{_WITHIN} LIMIT %(most)s"
                )
                return list(cursor.execute(sql, values).fetchall())

            window_rows, capped = self._newest(months, filters, probe, window)
        scored = [(item_id, float(score)) for item_id, score in window_rows]
        ranked = heapq.nsmallest(limit, scored, key=lambda hit: (-hit[1], -hit[0]))
        return Hits(ranked, len(window_rows), capped)

    @staticmethod
    def _newest(
        months: list[str], filters: Filters, probe: Callable[[list[str] | None, int, bool], list[Row]], window: int
    ) -> tuple[list[Row], bool]:
        """The newest `window` matches (`months` newest first), month by month, and whether more lie beyond: the newest
        month alone, then as many months as the matches so far suggest will fill the window (at most twice as many as
        before), each step one probe of the months' partitions; a step's months that hold more matches than the room
        left fill it with those the plan reads first (newest month first, each in its partition's order: the newest of
        them while the rows are in key order, see `optimize`). Once the months left look too few in matches to fill
        it, the rest at once, ordered by date: of those months (one probe) when a date range leaves at most
        `_FEW_MONTHS` of them, otherwise every match in the range (they are few). A window filled to its last row by a
        step asks the months left for one more match (`_any_match`)."""
        if not filters.dated:
            months.append(UNDATED)
        found: list[Row] = []
        position, step = 0, 1
        while position < len(months) and len(found) < window:
            room = window - len(found)
            if step == 0:
                left = months[position:]
                if filters.dated and len(left) <= _FEW_MONTHS:
                    rest = probe(left, room, True)
                    return found + rest[:room], len(rest) > room
                everything = probe(None, window, True)
                return everything[:window], len(everything) > window
            chunk = months[position : position + step]
            got = probe(chunk, room, False)
            position += len(chunk)
            if len(got) > room:
                return found + got[:room], True
            found.extend(got)
            rate = len(got) / len(chunk)
            left_count = len(months) - position
            needed = window - len(found)
            step = 0 if rate * left_count < needed else max(1, min(2 * len(chunk), math.ceil(needed / rate)))
        if len(found) == window and position < len(months):  # full to the last row: one older match means more
            return found, _any_match(months[position:], probe)
        return found, False

    def passages(self, query: Query, keys: Mapping[int, int]) -> dict[int, Passage]:
        """The texts looked up by their search keys, the partition key: the planner reads only the hits' months'
        partitions (by id, each hit was looked up in every partition's primary key, and every partition planned)."""
        if not keys:
            return {}
        user, params = tsquery(query)
        options = (
            f"StartSel={HIGHLIGHT[0]}, StopSel={HIGHLIGHT[1]}, MaxWords={SNIPPET_WORDS}, MinWords=8, MaxFragments=2, "
            f'FragmentDelimiter=" {ELLIPSIS} "'
        )
        with self.corpus.raw() as connection, connection.cursor() as cursor:
            cursor.execute(
                "SELECT t.id, t.request, ts_headline('english', concat_ws(' ', t.request, t.rationale, l.summary), "
                f"{user}, %(options)s) FROM corpus_item_texts AS t JOIN corpus_items AS i ON i.id = t.id "
                "JOIN corpus_letters AS l ON l.id = i.letter_id WHERE t.search_key = ANY(%(keys)s)",
                {**params, "options": options, "keys": list(keys.values())},
            )
            rows = cursor.fetchall()
        return {item_id: Passage(request, " ".join(str(snippet).split())) for item_id, request, snippet in rows}


def _any_match(months: list[str], probe: Callable[[list[str] | None, int, bool], list[Row]]) -> bool:
    """Whether any of `months` (newest first) holds a match: the first month, then twice as many as before, at most
    `_FEW_MONTHS` a probe, until one holds a match (one probe of all of them would build the bitmap of every match in
    all of them before its first row: seconds at a million letters, where most queries match in the first month
    alone)."""
    position, step = 0, 1
    while position < len(months):
        if probe(months[position : position + step], 0, False):
            return True
        position += step
        step = min(2 * step, _FEW_MONTHS)
    return False


def _everything(cursor: Any, wanted: str, user: str, values: dict[str, Any]) -> list[Row]:
    """Up to `values["room"]` matches of the tsquery expression `wanted` in every month, newest first, each ranked by
    `user` (as `_ordered`), by a prepared statement's generic plan: a custom plan of a statement over the partitioned
    table plans every partition at each search (about 29 ms at 66 months under load, most of such a search), a generic
    plan once a connection. Both queries are computed first and bound as values (a generic plan does not fold them:
    it would parse them again at each row), and no range of keys is named (a generic plan cannot know it covers every
    month, and would read each partition's key index); the rows, their ranks and their order are those of `_ordered`
    over the same matches. The generic plan is asked for by a setting of the session, made with the queries'
    computation (one round trip) and reset after the statement: a search's later statements, its passages among them,
    run in the same transaction (`Corpus.reading`) and must not be planned generically."""
    cursor.execute(f"SELECT ({wanted})::text, ({user})::text, set_config('plan_cache_mode', 'force_generic_plan', false)", values)
    matching, ranking, _ = cursor.fetchone()
    rank = f"ts_rank({_RANK_WEIGHTS}, t.tsv, %(ranking)s::tsquery, 1)"
    bound = {"matching": matching, "ranking": ranking, "room": values["room"]}
    try:
        return _ordered(cursor, "t.tsv @@ %(matching)s::tsquery", rank, bound, prepare=True)
    finally:  # a failed transaction undoes the setting itself, and takes no more statements
        if cursor.connection.info.transaction_status != psycopg.pq.TransactionStatus.INERROR:
            cursor.execute("RESET plan_cache_mode")


def _ordered(cursor: Any, condition: str, rank: str, values: dict[str, Any], prepare: bool | None = None) -> list[Row]:
    """Up to `values["room"]` matches of `condition`, newest first, each ranked as it is read (its row is read anyway,
    so a window it fills is not read again to rank it). Materialized: the GIN indexes find the matches, then they are
    ordered by key, and only when they are more than the room (not: the planner walking the key index from the newest
    item and testing each one's vector)."""
    gate = "(SELECT count(*) FROM m) < %(room)s"
    sql = (
        f"WITH m AS MATERIALIZED (SELECT t.id, t.search_key, {rank} AS rank FROM corpus_item_texts AS t "
        f"WHERE {condition}) SELECT m.id, m.rank FROM m WHERE {gate} "
        f"UNION ALL (SELECT m.id, m.rank FROM m WHERE NOT {gate} ORDER BY m.search_key LIMIT %(room)s)"
    )
    return list(cursor.execute(sql, values, prepare=prepare).fetchall())


_WITHIN = " AND t.search_key BETWEEN %(first)s AND %(last)s"
"""The keys a probe reads (`_keys_within`): the planner reads only the partitions of their months."""


def _keys_within(months: list[str] | None, low: int, high: int) -> dict[str, int]:
    """The first and last search keys of a probe of `months` (consecutive months, newest first; None: any month)
    within the keys `low` to `high` (a date range's)."""
    if months is not None:
        runs = [month_keys(month) for month in months]
        low, high = max(low, min(run[0] for run in runs)), min(high, max(run[1] for run in runs))
    return {"first": low, "last": high}


@dataclass
class _ReadAhead:
    """Month steps of a prefix query served by fewer GIN probes. PostgreSQL reads every posting list of a prefix's
    words into a bitmap at each probe, whatever the months it is intersected with (the costliest part of such a
    search), so once a step has shown how many matches a month holds, one probe reads the matches of as many months as
    should fill the window (`_AHEAD` times the room left, at most `_FEW_MONTHS` months), and the steps within them are
    served from it. A step gets the rows its own probe would have: a probe reads the heap in its order (a bitmap scan),
    so a month's matches come in the same order from a probe of more months; a read cut by its limit serves a step
    only when it holds more than the step's room."""

    months: list[str]
    """The search's months, newest first (the list `PostgresIndex._newest` walks)."""
    covered: set[str] = field(default_factory=set)
    rows: list[tuple[str, int, float]] = field(default_factory=list)
    """The matches read ahead: month, item id, rank, in heap order."""
    complete: bool = True
    seen_months: int = 0
    seen_rows: int = 0

    def probe(
        self,
        chosen: list[str],
        room: int,
        plain: Callable[[], list[Row]],
        wide: Callable[[list[str], int], list[tuple[str, int, float]]],
    ) -> list[Row]:
        """Up to `room` + 1 matches of the `chosen` months, from what was read ahead, from a new read ahead, or from
        `plain` (the step's own probe); `wide` reads the matches of some months, at most as many as asked."""
        rows = self._served(chosen, room)
        if rows is None and self.seen_rows and room and len(chosen) <= _FEW_MONTHS:
            start = self.months.index(chosen[0])
            rate = self.seen_rows / self.seen_months
            wider = self.months[start : start + max(len(chosen), min(_FEW_MONTHS, math.ceil(_AHEAD * room / rate)))]
            most = 2 * (room + 1)
            self.rows = wide(wider, most)
            self.covered, self.complete = set(wider), len(self.rows) < most
            rows = self._served(chosen, room)
        if rows is None:
            rows = plain()
        self.seen_months += len(chosen)
        self.seen_rows += len(rows)
        return rows

    def _served(self, chosen: list[str], room: int) -> list[Row] | None:
        if not self.covered.issuperset(chosen):
            return None
        wanted = set(chosen)
        rows = [(item_id, score) for month, item_id, score in self.rows if month in wanted]
        return rows[: room + 1] if self.complete or len(rows) > room else None


def _sequence(cursor: Any, table: str, n: int) -> list[int]:
    """`n` fresh ids from a table's serial sequence."""
    if n == 0:
        return []
    cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)", (n,))
    return [row[0] for row in cursor.fetchall()]


def _months_back(first: str | None, last: str | None, start: dt.date | None, end: dt.date | None) -> list[str]:
    """Calendar months ("2017-01") from the newest to the oldest the corpus holds, within the dates given."""
    if first is None or last is None:
        return []
    low = max(_month_number(first), start.year * 12 + start.month - 1 if start else 0)
    high = min(_month_number(last), end.year * 12 + end.month - 1 if end else 10**6)
    return [f"{n // 12:04d}-{n % 12 + 1:02d}" for n in range(high, low - 1, -1)]


def _month_number(month: str) -> int:
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1
