"""The corpus store: past Final Determination Letters and their items as tables, in the configured database.

Tables (SQLAlchemy Core; created by the corpus's own Alembic migrations, `openimr/corpus/migrations`, with their own
version table so the corpus and the case store migrate independently in one database):

- `corpus_letters`: one row per letter, keyed by case number (`records.letter_key`); header dates, reviewer, summary.
- `corpus_items`: one narrow row per decided item (decision, topic, category, decision date, year, month) that
  statistics scan; `search_key` orders items newest first (decision date, then id) for the full-text index.
- `corpus_item_texts`: the item's request, rationale and guideline lines, and its filter tags; on PostgreSQL also the
  `tsv` column (request, rationale, summary, tags) under a GIN index, and the item's `search_key`, the order the rows
  are kept in; there the table is partitioned by decision month (`month_keys`: one range of keys a month).
- `corpus_letter_specialties`, `corpus_item_guidelines`: the labels a letter or item may have several of.

The full-text index itself is `openimr.corpus.index` (SQLite FTS5 tables, one per decision year; PostgreSQL tsvector).
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url

from openimr.cases.store import BUSY_TIMEOUT, make_engine
from openimr.corpus.filters import item_tags, letter_tags
from openimr.corpus.records import UNDATED, guideline_labels, letter_key, month_label, specialty_label
from openimr.errors import OpenIMRError
from openimr.model import Decision, Determination
from openimr.settings import redact

VERSION_TABLE = "corpus_alembic_version"
"""Alembic's version table of the corpus migrations (the case store keeps its own `alembic_version`)."""

metadata = MetaData()

letters = Table(
    "corpus_letters",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(80), nullable=False, unique=True, comment="Case number, or a digest for a letter without one."),
    Column("case_number", String(40), index=True),
    Column("decision_date", Date),
    Column("date_of_injury", Date),
    Column("ur_denial_date", Date),
    Column("application_received", Date),
    Column("date_assigned", Date),
    Column("priority", String(20)),
    Column("layout", String(40)),
    Column("source", Text),
    Column("reviewer", JSON, nullable=False),
    Column("summary", Text, nullable=False),
    Column("knowledge_version", String(100), comment="Knowledge base that classified the items' topics."),
    Column("added_at", DateTime(timezone=True), nullable=False),
)

items = Table(
    "corpus_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("letter_id", Integer, ForeignKey("corpus_letters.id"), nullable=False, index=True),
    Column("position", SmallInteger, nullable=False),
    Column("search_key", BigInteger, nullable=False, unique=True),
    Column("overturned", SmallInteger, nullable=False, comment="1 Overturned, 0 Upheld."),
    Column("topic", String(100)),
    Column("category", String(100)),
    Column("decision_date", Date),
    Column("year", SmallInteger),
    Column("month", String(7)),
)

item_texts = Table(
    "corpus_item_texts",
    metadata,
    Column("id", Integer, ForeignKey("corpus_items.id"), primary_key=True),
    Column("request", Text, nullable=False),
    Column("rationale", Text, nullable=False),
    Column("original_request", Text),
    Column("authorized", Text),
    Column("disputed", Text),
    Column("claims_administrator_guideline", Text),
    Column("maximus_guideline", Text),
    Column("tags", Text, nullable=False, comment="Filter tags of the full-text index (see openimr.corpus.index)."),
)

letter_specialties = Table(
    "corpus_letter_specialties",
    metadata,
    Column("letter_id", Integer, ForeignKey("corpus_letters.id"), primary_key=True),
    Column("specialty", String(200), primary_key=True),
)

item_guidelines = Table(
    "corpus_item_guidelines",
    metadata,
    Column("item_id", Integer, ForeignKey("corpus_items.id"), primary_key=True),
    Column("guideline", String(300), primary_key=True),
)

fts_shards = Table(
    "corpus_fts_shards",
    metadata,
    Column("shard", Integer, primary_key=True, autoincrement=False, comment="Decision year; 0 for undated letters."),
)


DAYS = 1 << 22
"""Past the day number of any date (`date.max` is day 3,652,059): a key counts its days back from here."""
IDS = 1 << 31
"""Past any item id: a key counts its item id back from here."""


def search_key(decision_date: dt.date | None, item_id: int, overturned: bool) -> int:
    """The key that orders items newest first, ascending, in the full-text index: days back from `DAYS` to the
    decision date (high 32 bits), then ids back from `IDS` to the item id, and the decision in the lowest bit
    (1 Overturned), so a decision filter is a test of the key, not a join. Ascending: FTS5 walks a posting list
    forwards at about half the CPU of walking it backwards, and a search walks the newest matches first."""
    days = DAYS - (decision_date.toordinal() if decision_date else 0)
    return (days << 32) | ((IDS - 1 - item_id) << 1) | int(overturned)


def item_of(key: int) -> int:
    """The item id a search key carries."""
    return IDS - 1 - ((key & 0xFFFFFFFF) >> 1)


def shard_of(key: int) -> int:
    """The decision year a search key falls in; 0 for undated items."""
    ordinal = DAYS - (key >> 32)
    return dt.date.fromordinal(ordinal).year if ordinal else 0


def key_range(start: dt.date | None, end: dt.date | None) -> tuple[int, int]:
    """The search keys of items decided from `start` to `end`, both included (open ends are unbounded)."""
    low = (DAYS - end.toordinal()) << 32 if end else 0
    high = ((DAYS - start.toordinal() + 1) << 32) - 1 if start else (1 << 62)
    return low, high


def month_keys(month: str) -> tuple[int, int]:
    """The search keys of the items decided in a month ("2017-01", or `UNDATED`), both included: one run of keys."""
    if month == UNDATED:
        return DAYS << 32, ((DAYS + 1) << 32) - 1
    year, number = (int(part) for part in month.split("-"))
    first = dt.date(year, number, 1)
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return key_range(first, last)


def partition_name(month: str) -> str:
    """PostgreSQL: the name of the partition of `corpus_item_texts` that holds a month's items."""
    return "corpus_item_texts_" + ("undated" if month == UNDATED else month.replace("-", ""))


def create_partition(month: str) -> str:
    """PostgreSQL: the statement that creates the partition of `corpus_item_texts` that holds a month's items, unless
    it exists."""
    low, high = month_keys(month)
    return (
        f"CREATE TABLE IF NOT EXISTS {partition_name(month)} PARTITION OF corpus_item_texts "
        f"FOR VALUES FROM ({low}) TO ({high + 1})"
    )


Values = tuple[Any, ...]
"""One table row's values, in the table's column order."""


@dataclass
class BatchRows:
    """A batch of letters as the rows of each table, numbered with the ids given, in batch order. Dates are
    `dt.date` (PostgreSQL) or ISO strings (SQLite), as `flatten` was asked."""

    letters: list[Values] = field(default_factory=list)
    """`corpus_letters`: id, key, case number, five dates, priority, layout, source, reviewer, summary, knowledge
    version, added at."""
    specialties: list[tuple[int, str]] = field(default_factory=list)
    """`corpus_letter_specialties`: letter id, specialty."""
    items: list[Values] = field(default_factory=list)
    """`corpus_items`: id, letter id, position, search key, overturned, topic, category, decision date, year, month."""
    texts: list[Values] = field(default_factory=list)
    """`corpus_item_texts` without PostgreSQL's `tsv`: id, request, rationale, original request, authorized, disputed,
    the two guideline lines, tags."""
    guidelines: list[tuple[int, str]] = field(default_factory=list)
    """`corpus_item_guidelines`: item id, guideline."""
    entries: dict[int, list[Values]] = field(default_factory=dict)
    """Full-text index entries by decision year (0 undated): search key, request, rationale, summary, tags."""
    letter_of: list[int] = field(default_factory=list)
    """The letter id of each of `texts`, in the same order."""


class DatabaseBusy(OpenIMRError):
    """Another process held a SQLite database's write lock for longer than the busy timeout (a long batch, or the
    settling of its index, in another `imr corpus add`). The transaction that waited wrote nothing; those committed
    before it stay."""

    def __init__(self, database: str) -> None:
        super().__init__(
            f"another process held the database's write lock for longer than the busy timeout ({BUSY_TIMEOUT} s): "
            "the write that waited was undone, those committed before it are kept; run the command again once the "
            "other writer is done",
            database,
        )


def _busy(error: BaseException) -> bool:
    """Whether a SQLite error (or SQLAlchemy's wrapping of one) is SQLITE_BUSY: the busy timeout ran out."""
    cause = getattr(error, "orig", error)
    return isinstance(cause, sqlite3.OperationalError) and cause.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY


class Corpus:
    """The corpus in one database: its engine and dialect, and the full-text index for that dialect."""

    def __init__(self, engine: Engine, owns_engine: bool = True) -> None:
        """The corpus over `engine`; `close` disposes of the engine only when the corpus owns it."""
        from openimr.corpus.index import index_for

        self.engine = engine
        self.owns_engine = owns_engine
        self.dialect = engine.dialect.name
        self._reading = threading.local()
        """The connection of this thread's `reading`, while it lasts."""
        if self.dialect not in ("sqlite", "postgresql"):
            raise OpenIMRError(f"the corpus needs SQLite or PostgreSQL, not {self.dialect}", redact(str(engine.url)))
        self.index = index_for(self)

    @classmethod
    def open(cls, url: str) -> Corpus:
        """The corpus at `url`, its tables created or migrated to the latest schema."""
        engine = _engine(url)
        upgrade(engine)
        return cls(engine)

    @classmethod
    def existing(cls, url: str) -> Corpus | None:
        """The corpus at `url` if that database exists and holds at least one letter; None otherwise.

        Nothing is created: a missing SQLite file stays missing, an unmigrated database stays as it is."""
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and (not parsed.database or not Path(parsed.database).is_file()):
            return None
        engine = _engine(url)
        try:
            found = cls.existing_on(engine)
        except Exception as error:  # an unreachable server is the user's to know about, in one line
            engine.dispose()
            raise OpenIMRError(f"cannot read the corpus database ({error.__class__.__name__})", redact(url)) from None
        if found is None:
            engine.dispose()
            return None
        return cls(engine)

    @classmethod
    def existing_on(cls, engine: Engine) -> Corpus | None:
        """The corpus on an engine another part owns (the case service's), if its database holds at least one
        letter; None otherwise. Closing it leaves the engine alone."""
        with engine.connect() as connection:
            inspector = inspect(connection)
            if not inspector.has_table(VERSION_TABLE) or not inspector.has_table(letters.name):
                return None
            if connection.execute(select(letters.c.id).limit(1)).first() is None:
                return None
        return cls(engine, owns_engine=False)

    @contextmanager
    def raw(self) -> Iterator[Any]:
        """A DB-API connection of the pool (sqlite3 or psycopg), returned to the pool afterwards; within this thread's
        `reading`, that one's. A SQLite statement that waited past the busy timeout for another process's write lock
        raises `DatabaseBusy`."""
        held: Connection | None = getattr(self._reading, "connection", None)
        pooled = None if held is not None else self.engine.raw_connection()
        driver = held.connection.driver_connection if held is not None else pooled.driver_connection  # type: ignore[union-attr]
        try:
            yield driver
        except sqlite3.OperationalError as error:
            if _busy(error):
                raise DatabaseBusy(str(self.engine.url.database)) from None
            raise
        finally:
            if pooled is not None:
                pooled.close()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """One pooled connection for a read of several statements (a search: its probes, its hits' details, their
        passages), in one transaction, which `raw` gives in this thread meanwhile; within another `reading`, that
        one's. Each checkout costs round trips to the server (the pool's ping; on PostgreSQL a BEGIN before the first
        statement and a ROLLBACK at the return: a search over three checkouts made nine), and under load each round
        trip waits for both processes to be scheduled. (Autocommit would save the BEGIN and the ROLLBACK, but cost
        PostgreSQL more CPU a search: 34.6 against 31.2 ms, each statement its own transaction.)"""
        held: Connection | None = getattr(self._reading, "connection", None)
        if held is not None:
            yield held
            return
        with self.engine.connect() as connection:
            self._reading.connection = connection
            try:
                yield connection
            finally:
                self._reading.connection = None

    def counts(self) -> tuple[int, int]:
        """Letters and items in the corpus."""
        with self.engine.connect() as connection:
            n_letters = connection.scalar(select(func.count()).select_from(letters)) or 0
            n_items = connection.scalar(select(func.count()).select_from(items)) or 0
        return int(n_letters), int(n_items)

    def add(self, records: Iterable[Determination]) -> tuple[int, int]:
        """Add classified letters (see `records.classify`) in one transaction; a letter whose key is already in the
        corpus replaces it. Returns the letters written (a key twice in `records` counts once) and how many of them
        replaced a letter already there."""
        batch = {letter_key(record): record for record in records}
        if not batch:
            return 0, 0
        return len(batch), self.index.write(batch)

    def optimize(self) -> None:
        """Settle the full-text index after a bulk load (see `Index.optimize`); `add_records` does it when a load
        at least doubled the corpus."""
        self.index.optimize()

    def close(self) -> None:
        """Release the engine's connections (when the corpus owns the engine)."""
        if self.owns_engine:
            self.engine.dispose()


def flatten(
    batch: dict[str, Determination],
    letter_ids: Iterator[int],
    item_ids: Iterator[int],
    now: dt.datetime | str,
    iso_dates: bool = False,
) -> BatchRows:
    """The rows of a batch of letters keyed by `letter_key`, numbered with the ids given; `now` is the time they are
    added, and with `iso_dates` every date is written as an ISO string (SQLite). One pass over the letters, the values
    of a letter computed once for its items."""
    rows = BatchRows()
    for key, letter in batch.items():
        letter_id = next(letter_ids)
        named = [*letter.reviewer.specialties, letter.reviewer.subspecialty or ""]
        specialties = list(dict.fromkeys(specialty_label(s) for s in named if s.strip()))
        date = letter.decision_date
        month = month_label(date)
        shared_tags = letter_tags(specialties, key, month)
        dates: list[Any] = [
            letter.decision_date,
            letter.date_of_injury,
            letter.ur_denial_date,
            letter.application_received,
            letter.date_assigned,
        ]
        if iso_dates:
            dates = [value.isoformat() if value else None for value in dates]
        rows.letters.append(
            (
                letter_id,
                key,
                letter.case_number,
                *dates,
                letter.priority.value if letter.priority else None,
                letter.layout,
                letter.source,
                letter.reviewer.model_dump_json(),
                letter.summary,
                letter.knowledge_version,
                now,
            )
        )
        rows.specialties.extend((letter_id, specialty) for specialty in specialties)
        decided, year = dates[0], date.year if date else None
        item_month = month if date else None
        summary = letter.summary
        entries = rows.entries.setdefault(year or 0, [])
        for position, item in enumerate(letter.items, start=1):
            item_id = next(item_ids)
            overturned = item.decision == Decision.OVERTURNED
            key_value = search_key(date, item_id, overturned)
            tags = item_tags(item.decision, item.topic, item.category, shared_tags)
            rows.items.append(
                (item_id, letter_id, position, key_value, int(overturned), item.topic, item.category, decided, year, item_month)
            )
            rows.texts.append(
                (
                    item_id,
                    item.request,
                    item.rationale,
                    item.original_request,
                    item.authorized,
                    item.disputed,
                    item.claims_administrator_guideline,
                    item.maximus_guideline,
                    tags,
                )
            )
            rows.letter_of.append(letter_id)
            rows.guidelines.extend((item_id, guideline) for guideline in guideline_labels(item.citations))
            entries.append((key_value, item.request, item.rationale, summary, tags))
    return rows


def _engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        folder = Path(parsed.database).parent
        if not folder.is_dir():
            raise OpenIMRError("no such folder for the database file", str(folder))
        if not os.access(folder, os.W_OK):
            raise OpenIMRError("cannot write to the database's folder", str(folder))
    return make_engine(url)


def migrations(connection: Any) -> Config:
    """Alembic's configuration of the corpus migrations shipped in the package, over `connection`."""
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine) -> None:
    """Bring the corpus tables to the latest schema with the migrations shipped in the package.

    Processes that open one corpus at once (two `imr corpus add` runs into a new database) migrate it one at a time,
    the second seeing what the first made: on PostgreSQL under a lock of the transaction (an advisory one, which no
    reader or writer of the corpus takes); on SQLite, only when the schema is not the latest, in a transaction that
    takes the write lock as it begins (BEGIN IMMEDIATE: a deferred one would read the old schema, then fail to
    write)."""
    try:
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": VERSION_TABLE})
                command.upgrade(migrations(connection), "head")
        elif not _latest(engine):
            migrating = make_engine(engine.url.render_as_string(hide_password=False), writer=True)
            try:
                with migrating.begin() as connection:
                    command.upgrade(migrations(connection), "head")
            finally:
                migrating.dispose()
    except OpenIMRError:
        raise
    except Exception as error:
        if _busy(error):
            raise DatabaseBusy(str(engine.url.database)) from None
        raise OpenIMRError(
            f"cannot open the corpus database ({error.__class__.__name__}: {str(error).splitlines()[0][:200]})",
            redact(str(engine.url)),
        ) from None


def _latest(engine: Engine) -> bool:
    """Whether the corpus tables at `engine` are at the latest migration already."""
    with engine.connect() as connection:
        current = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE}).get_current_heads()
        return set(current) == set(ScriptDirectory.from_config(migrations(connection)).get_heads())
