"""The corpus store: letters added twice are stored once, replaced not duplicated, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import pickle
import re
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import func, select, text

from openimr.cases.store import BUSY_TIMEOUT, make_engine
from openimr.corpus.ingest import add_letters, add_records
from openimr.corpus.records import letter_key, month_label
from openimr.corpus.search import search
from openimr.corpus.store import Corpus, item_guidelines, item_of, items, letter_specialties, letters, migrations, shard_of
from openimr.errors import OpenIMRError
from openimr.model import Decision, Determination


def _table_counts(corpus: Corpus) -> dict[str, int]:
    with corpus.engine.connect() as connection:
        return {
            table.name: int(connection.scalar(select(func.count()).select_from(table)) or 0)
            for table in (letters, items, letter_specialties, item_guidelines)
        }


def test_add_twice_counts_once(database_url: str, shared_records: list[Determination]) -> None:
    corpus = Corpus.open(database_url)
    expected_items = sum(len(r.items) for r in shared_records)
    assert add_records(corpus, shared_records, batch=40) == (len(shared_records), 0)
    first = _table_counts(corpus)
    assert corpus.counts() == (len(shared_records), expected_items)
    assert add_records(corpus, shared_records, batch=25) == (len(shared_records), len(shared_records))
    assert _table_counts(corpus) == first
    hits = search(corpus, "cyclobenzaprine", limit=200).hits
    assert len({(h.case_number, h.position, h.item) for h in hits}) == len(hits)
    corpus.close()


def test_a_readded_letter_replaces_its_old_version(database_url: str, shared_records: list[Determination]) -> None:
    corpus = Corpus.open(database_url)
    letter = next(r for r in shared_records if r.case_number and len(r.items) >= 2)
    add_records(corpus, [letter])
    flipped = Decision.OVERTURNED if letter.items[0].decision == Decision.UPHELD else Decision.UPHELD
    changed = letter.model_copy(
        update={"items": [letter.items[0].model_copy(update={"decision": flipped, "request": "Invented request zyxwv"})]}
    )
    assert add_records(corpus, [changed]) == (1, 1)
    assert corpus.counts() == (1, 1)
    (hit,) = search(corpus, "zyxwv").hits
    assert hit.case_number == letter.case_number and hit.decision == flipped
    corpus.close()


def _optimized(corpus: Corpus) -> tuple[bool, int]:
    """SQLite: whether every year table is one FTS5 segment, and how many segments there are; PostgreSQL: whether the
    items table was ever vacuumed by hand, and how many times."""
    with corpus.engine.connect() as connection:
        if corpus.dialect == "sqlite":
            shards = connection.scalars(text("SELECT shard FROM corpus_fts_shards")).all()
            segments = sum(
                int(connection.scalar(text(f"SELECT count(DISTINCT segid) FROM corpus_fts_{shard}_idx")) or 0) for shard in shards
            )
            return segments == len(shards), segments
        vacuums = connection.scalar(text("SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'corpus_items'"))
        return bool(vacuums), int(vacuums or 0)


def test_a_load_that_doubles_the_corpus_optimizes_its_index(database_url: str, shared_records: list[Determination]) -> None:
    corpus = Corpus.open(database_url)
    dated = [r for r in shared_records if r.decision_date]
    add_records(corpus, dated[:60], batch=5)  # into an empty corpus: optimized afterwards
    optimized, first = _optimized(corpus)
    assert optimized
    add_records(corpus, dated[60:66], batch=2)  # 6 new letters do not double 60: left as written
    optimized, second = _optimized(corpus)
    assert (not optimized and second > first) if corpus.dialect == "sqlite" else second == first
    corpus.optimize()
    optimized, third = _optimized(corpus)
    assert optimized and (third < second if corpus.dialect == "sqlite" else third == second + 1)
    assert search(corpus, "cyclobenzaprine", limit=200).hits
    corpus.close()


def test_letters_without_case_number_are_keyed_by_content(shared_records: list[Determination]) -> None:
    unnumbered = [r for r in shared_records if r.case_number is None]
    assert unnumbered, "the seeds include letters printed without a case number"
    keys = [letter_key(r) for r in unnumbered]
    assert len(set(keys)) == len(keys) and all(k.startswith("sha256:") for k in keys)
    assert [letter_key(r.model_copy()) for r in unnumbered] == keys


def test_an_unusable_database_is_one_clear_error(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("db")
    with pytest.raises(OpenIMRError, match="no such folder"):
        Corpus.open(f"sqlite:///{folder / 'missing' / 'openimr.db'}")
    assert Corpus.existing(f"sqlite:///{folder / 'none.db'}") is None
    assert not (folder / "none.db").exists()


def test_keys_migrate_between_descending_and_ascending_order(database_url: str, shared_records: list[Determination]) -> None:
    """corpus_0003 rewrites the keys of a corpus made before it (date and item id themselves, newest the highest) and
    rebuilds the index; searches then give what they give on a corpus made after it."""
    corpus = Corpus.open(database_url)
    add_records(corpus, shared_records, batch=40)
    queries = ["lumbar MRI", "physical therapy", '"functional improvement"']
    expected = {q: search(corpus, q, limit=50).model_dump() for q in queries}
    with corpus.engine.connect() as connection:
        now = dict(connection.execute(select(items.c.id, items.c.search_key)).all())
    with corpus.engine.begin() as connection:
        command.downgrade(migrations(connection), "corpus_0002")
    with corpus.engine.connect() as connection:
        rows = connection.execute(select(items.c.id, items.c.search_key, items.c.decision_date, items.c.overturned)).all()
    for row in rows:  # the keys before corpus_0003: day number << 32 | item id << 1 | decision
        day = row.decision_date.toordinal() if row.decision_date else 0
        assert row.search_key == (day << 32) | (row.id << 1) | row.overturned
    corpus.close()

    corpus = Corpus.open(database_url)  # migrated again
    with corpus.engine.connect() as connection:
        assert dict(connection.execute(select(items.c.id, items.c.search_key)).all()) == now
    assert all(item_of(key) == item_id and (key & 1) in (0, 1) and shard_of(key) >= 0 for item_id, key in now.items())
    assert {q: search(corpus, q, limit=50).model_dump() for q in queries} == expected
    corpus.close()


def _vector_storage(corpus: Corpus) -> str | None:
    """PostgreSQL's storage mode of the vectors ('m' in their rows, 'x' out of line); None on SQLite."""
    if corpus.dialect != "postgresql":
        return None
    with corpus.engine.connect() as connection:
        return str(
            connection.scalar(
                text("SELECT attstorage FROM pg_attribute WHERE attrelid = 'corpus_item_texts'::regclass AND attname = 'tsv'")
            )
        )


def test_vectors_move_into_their_rows_and_back(database_url: str, shared_records: list[Determination]) -> None:
    """corpus_0004 keeps PostgreSQL's vectors in their rows, its downgrade lets them out again (SQLite: nothing to do);
    searches give the same hits, scores and snippets after the upgrade of the corpus again."""
    corpus = Corpus.open(database_url)
    add_records(corpus, shared_records, batch=40)
    queries = ["lumbar MRI", "physical therapy", '"functional improvement"', "cyclo* -tramadol"]
    expected = {q: search(corpus, q, limit=50).model_dump() for q in queries}
    inline, out_of_line = ("m", "x") if corpus.dialect == "postgresql" else (None, None)
    assert _vector_storage(corpus) == inline
    with corpus.engine.begin() as connection:
        command.downgrade(migrations(connection), "corpus_0003")
    assert _vector_storage(corpus) == out_of_line
    corpus.close()

    corpus = Corpus.open(database_url)  # upgraded again
    with corpus.engine.connect() as connection:
        assert connection.scalar(text("SELECT version_num FROM corpus_alembic_version")) == "corpus_0006"
    assert _vector_storage(corpus) == inline
    assert {q: search(corpus, q, limit=50).model_dump() for q in queries} == expected
    corpus.close()


def test_a_load_of_many_batches_merges_what_it_deferred(tmp_path: Path, shared_records: list[Determination]) -> None:
    """SQLite defers FTS5 merges during a load (`Index.bulk`); a load too small to optimize merges them afterwards as
    automerge would have, and searches find what a corpus loaded in one batch finds."""
    dated = [r for r in shared_records if r.decision_date]
    corpus = Corpus.open(f"sqlite:///{tmp_path / 'batches.db'}")
    add_records(corpus, dated[:60], batch=60)
    later = dated[60:]
    busiest = max(Counter(r.decision_date.year for r in later if r.decision_date).items(), key=lambda kv: kv[1])
    assert busiest[1] >= 20, "enough letters of one year for one segment each, more than a level holds"
    add_records(corpus, later, batch=1)  # does not double the corpus: merged, not optimized
    with corpus.engine.connect() as connection:
        table = f"corpus_fts_{busiest[0]}"
        segments = int(connection.scalar(text(f"SELECT count(DISTINCT segid) FROM {table}_idx")) or 0)
        settings = dict(connection.execute(text(f"SELECT k, v FROM {table}_config")).all())
    assert segments < 16 < busiest[1]
    assert settings["automerge"] == 16 and settings["crisismerge"] == 64
    whole = Corpus.open(f"sqlite:///{tmp_path / 'whole.db'}")
    add_records(whole, dated)
    for query in ("physical therapy", "cyclobenzaprine", '"functional improvement"'):
        assert search(corpus, query, limit=50).model_dump() == search(whole, query, limit=50).model_dump()
    corpus.close()
    whole.close()


def _index_consistent(corpus: Corpus) -> bool:
    """Whether the full-text index holds exactly the items of the corpus. SQLite: each year table passes FTS5's
    integrity check of its own structure, and the documents its index lists (read through an fts5vocab table, not
    through the content the table points at) are the keys of that year's items. PostgreSQL: every item has its text
    row with a vector, and no text row is left without its item."""
    with corpus.engine.connect() as connection:
        if corpus.dialect == "sqlite":
            keys = connection.scalars(select(items.c.search_key)).all()
            for shard in connection.scalars(text("SELECT shard FROM corpus_fts_shards")).all():
                table = f"corpus_fts_{shard}"
                connection.execute(text(f"INSERT INTO {table} ({table}, rank) VALUES ('integrity-check', 0)"))
                connection.execute(text(f"CREATE VIRTUAL TABLE temp.vocab_{shard} USING fts5vocab(main, {table}, instance)"))
                indexed = set(connection.scalars(text(f"SELECT DISTINCT doc FROM temp.vocab_{shard}")).all())
                if indexed != {key for key in keys if shard_of(key) == shard}:
                    return False
            return True
        orphans = connection.scalar(
            text("SELECT count(*) FROM corpus_item_texts AS t LEFT JOIN corpus_items AS i ON i.id = t.id WHERE i.id IS NULL")
        )
        vectors = connection.scalar(
            text("SELECT count(*) FROM corpus_items AS i JOIN corpus_item_texts AS t ON t.id = i.id WHERE t.tsv <> ''")
        )
        n_items = connection.scalar(select(func.count()).select_from(items))
        return orphans == 0 and vectors == n_items


def _with_request(letter: Determination, request: str) -> Determination:
    """The letter with its first item's request replaced and its decision flipped (synthetic text)."""
    first = letter.items[0]
    flipped = Decision.OVERTURNED if first.decision == Decision.UPHELD else Decision.UPHELD
    changed = first.model_copy(update={"decision": flipped, "request": request})
    return letter.model_copy(update={"items": [changed, *letter.items[1:]]})


def test_a_letter_given_twice_in_one_load_ends_as_its_last(database_url: str, shared_records: list[Determination]) -> None:
    """Within one load of small batches (two writers on PostgreSQL), letters that come again in a later batch replace
    their earlier version: counted once, the index holds only the last version's words and decision."""
    numbered = [r for r in shared_records if r.case_number]
    again = numbered[:12]
    records = [*(_with_request(r, "Invented request zyxold") for r in again), *shared_records[12:]]
    records += [_with_request(r, "Invented request zyxnew") for r in again]
    corpus = Corpus.open(database_url)
    assert add_records(corpus, records, batch=9, writers=2) == (len(records), len(again))
    assert corpus.counts() == (len(shared_records), sum(len(r.items) for r in shared_records))
    assert _index_consistent(corpus)
    assert search(corpus, "zyxold").hits == []
    hits = search(corpus, "zyxnew", limit=50).hits
    assert sorted(h.case_number or "" for h in hits) == sorted(r.case_number or "" for r in again)
    expected = {r.case_number: _with_request(r, "x").items[0].decision for r in again}
    assert all(h.position == 1 and h.decision == expected[h.case_number] for h in hits)
    assert _table_counts(corpus)[letters.name] == len(shared_records)
    corpus.close()


def test_a_readded_letter_whose_decision_moved_leaves_its_old_month(
    database_url: str, shared_records: list[Determination]
) -> None:
    """A letter added again with a decision date in another year and month (one no letter was decided in) is stored
    once, under its new date: its items' texts and index entries leave the old month (PostgreSQL's partition, SQLite's
    year table) for the new one, and a search finds each item once, dated anew."""
    dated = [r for r in shared_records if r.case_number and r.decision_date]
    corpus = Corpus.open(database_url)
    add_records(corpus, dated, batch=20)
    counts = corpus.counts()
    letter = dated[0]
    assert letter.decision_date is not None
    taken = {month_label(r.decision_date) for r in dated}
    moved_to = next(day for day in (dt.date(year, 6, 15) for year in range(2030, 2000, -1)) if month_label(day) not in taken)
    moved = _with_request(letter, "Invented request zyxmoved").model_copy(update={"decision_date": moved_to})
    assert add_records(corpus, [moved]) == (1, 1)
    assert corpus.counts() == counts
    assert _index_consistent(corpus)
    with corpus.engine.connect() as connection:
        months = connection.execute(
            select(items.c.month, func.count())
            .join(letters, letters.c.id == items.c.letter_id)
            .where(letters.c.case_number == letter.case_number)
            .group_by(items.c.month)
        ).all()
    assert months == [(month_label(moved_to), len(letter.items))]
    if corpus.dialect == "postgresql":
        placed = _months_in_key_order(corpus)  # asserts each text is in its own month's partition
        assert _partition_of(month_label(moved_to)) in placed
    hits = search(corpus, "zyxmoved", limit=50).hits
    assert [(h.case_number, h.position, h.date) for h in hits] == [(letter.case_number, 1, moved_to)]
    corpus.close()


@pytest.mark.postgres
def test_a_new_months_partition_and_a_readded_letter_meet_without_deadlock(
    postgres_url: str, shared_records: list[Determination]
) -> None:
    """A letter's partition for a new month is created while another writer re-adds a letter (deleting its old texts,
    then its old items), both queued behind a session holding `corpus_items` in SHARE mode (as a CREATE INDEX on it
    does): once it ends, both writes complete. (A writer that took the texts before `corpus_items` deadlocked here
    with the creator, which holds `corpus_items` and waits for the texts.)"""
    by_month: dict[str, list[Determination]] = defaultdict(list)
    for record in shared_records:
        by_month[month_label(record.decision_date)].append(record)
    new_month = max(month for month in by_month if month != month_label(None))
    earlier = [r for r in shared_records if month_label(r.decision_date) != new_month]
    again = next(r for r in earlier if r.case_number)
    corpus = Corpus.open(postgres_url)
    add_records(corpus, earlier, batch=20)
    with corpus.raw() as holder, ThreadPoolExecutor(max_workers=2) as pool:
        holder.execute("LOCK TABLE corpus_items IN SHARE MODE")
        creating = pool.submit(corpus.add, by_month[new_month])
        _wait_for_waiters(holder, 1)
        readding = pool.submit(corpus.add, [_with_request(again, "Invented request zyxagain")])
        _wait_for_waiters(holder, 2)
        holder.rollback()
        assert creating.result(timeout=120) == (len(by_month[new_month]), 0)
        assert readding.result(timeout=120) == (1, 1)
    assert corpus.counts() == (len(shared_records), sum(len(r.items) for r in shared_records))
    assert _index_consistent(corpus)
    assert _partition_of(new_month) in _months_in_key_order(corpus)
    assert [h.case_number for h in search(corpus, "zyxagain").hits] == [again.case_number]
    corpus.close()


def _wait_for_waiters(connection: Any, n: int) -> None:
    """Wait until `n` sessions wait for a lock on `corpus_items` (at most a minute)."""
    deadline = time.monotonic() + 60
    query = "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'corpus_items'::regclass"
    while connection.execute(query).fetchone()[0] < n:
        assert time.monotonic() < deadline, f"fewer than {n} sessions waited for corpus_items"
        time.sleep(0.05)


def test_a_failing_letter_amid_a_batch_is_named_the_rest_added(database_url: str, shared_dir: Path, tmp_path: Path) -> None:
    """Letters read in batches of two, with an unreadable file amid them: it is named and counted, every other letter is
    added; added again, each replaces itself and the index stays consistent."""
    folder = tmp_path / "letters"
    folder.mkdir()
    seeds = sorted((shared_dir / "seeds").glob("*.txt"))
    for n, seed in enumerate(seeds):
        (folder / f"{2 * n:02d}_{seed.name}").write_bytes(seed.read_bytes())
    broken = folder / "03_broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n")
    corpus = Corpus.open(database_url)
    failures: list[str] = []
    report = add_letters(corpus, [folder], on_failure=failures.append, batch=2)
    assert (report.written, report.replaced, report.failed) == (len(seeds), 0, 1)
    assert len(failures) == 1 and failures[0].startswith(f"{broken}:")
    letters_before, items_before = corpus.counts()
    assert letters_before == len(seeds) and items_before > letters_before
    again = add_letters(corpus, [folder], batch=3)
    assert (again.written, again.replaced, again.failed) == (len(seeds), len(seeds), 1)
    assert corpus.counts() == (letters_before, items_before)
    assert _index_consistent(corpus)
    corpus.close()


def _months_in_key_order(corpus: Corpus) -> dict[str, bool]:
    """Whether PostgreSQL's item texts lie in search-key order, of each month's partition; each text with its item's
    key and in its decision month's partition."""
    with corpus.engine.connect() as connection:
        stored = connection.execute(
            text("SELECT tableoid::regclass::text, id, search_key FROM corpus_item_texts ORDER BY tableoid, ctid")
        ).all()
        keys = {
            row.id: (row.search_key, row.month)
            for row in connection.execute(select(items.c.id, items.c.search_key, items.c.month))
        }
    assert {item_id: key for _, item_id, key in stored} == {item_id: key for item_id, (key, _) in keys.items()}
    assert all(partition == _partition_of(keys[item_id][1]) for partition, item_id, _ in stored)
    in_partitions: dict[str, list[int]] = defaultdict(list)
    for partition, _, key in stored:
        in_partitions[partition].append(key)
    return {partition: run == sorted(run) for partition, run in in_partitions.items()}


def _texts_in_key_order(corpus: Corpus) -> bool:
    """Whether PostgreSQL's item texts lie in search-key order within each month's partition."""
    return all(_months_in_key_order(corpus).values())


def _partition_of(month: str | None) -> str:
    """The name of a month's partition of PostgreSQL's item texts (None: undated)."""
    return "corpus_item_texts_" + (month or "undated").replace("-", "")


def _key_correlations(corpus: Corpus) -> dict[str, float]:
    """The correlation of each month's item texts' order in its partition with their keys (the planner's statistics;
    months of one key left out)."""
    with corpus.engine.connect() as connection:
        connection.execute(text("ANALYZE corpus_item_texts"))
        rows = connection.execute(
            text(
                "SELECT tablename, correlation FROM pg_stats WHERE tablename LIKE 'corpus\\_item\\_texts\\_%' "
                "AND attname = 'search_key' AND correlation IS NOT NULL"
            )
        )
        return {name: float(correlation) for name, correlation in rows}


def _of_partitions(corpus: Corpus, column: str) -> dict[str, Any]:
    """Each partition of PostgreSQL's item texts and `column`, an expression over its `pg_class` row `c`."""
    with corpus.engine.connect() as connection:
        rows = connection.execute(
            text(
                f"SELECT c.relname, {column} FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'corpus_item_texts'::regclass"
            )
        )
        return {name: value for name, value in rows}


def _partitions(corpus: Corpus) -> dict[str, int]:
    """The partitions of PostgreSQL's item texts and the file each is stored in."""
    return _of_partitions(corpus, "c.relfilenode")


@pytest.mark.postgres
def test_postgres_keeps_item_texts_by_month_in_key_order(postgres_url: str, shared_records: list[Determination]) -> None:
    """A load of letters oldest first (each month's rows then the reverse of the keys') ends with one partition a
    decision month, each written again newest first; the newest letter of a month re-added goes to its month's end,
    and an optimize writes again those months only; corpus_0006's downgrade gives one table in key order back (but for
    rows put in earlier pages' room), and corpus_0005's drops the keys; upgraded again, the months are partitions in
    key order (but for such rows); searches give the same hits, scores and snippets."""
    corpus = Corpus.open(postgres_url)
    oldest_first = sorted(shared_records, key=lambda r: (r.decision_date is not None, r.decision_date or dt.date.min))
    add_records(corpus, oldest_first, batch=10)
    months = {month_label(r.decision_date) for r in shared_records}
    assert set(_partitions(corpus)) == {_partition_of(m) for m in months}
    assert _texts_in_key_order(corpus)
    assert min(_key_correlations(corpus).values()) == pytest.approx(1.0)

    by_month: dict[str, list[Determination]] = defaultdict(list)
    for record in oldest_first:
        by_month[month_label(record.decision_date)].append(record)
    newest_of_months = [records[-1] for records in by_month.values() if len(records) > 1]
    assert newest_of_months
    add_records(corpus, newest_of_months, batch=5)  # replaced, appended at their months' ends with their new keys
    assert corpus.counts()[0] == len(shared_records)
    out_of_order = {name for name, ordered in _months_in_key_order(corpus).items() if not ordered}
    drifted = {name for name, correlation in _key_correlations(corpus).items() if correlation < 0.9}
    assert drifted and drifted <= out_of_order <= {_partition_of(month_label(r.decision_date)) for r in newest_of_months}
    queries = ["lumbar MRI", "physical therapy", '"functional improvement"', "cyclo* -tramadol"]
    expected = {q: search(corpus, q, limit=50).model_dump() for q in queries}
    files = _partitions(corpus)
    corpus.optimize()
    assert {name for name, node in _partitions(corpus).items() if node != files[name]} == drifted
    assert {name for name, ordered in _months_in_key_order(corpus).items() if not ordered} == out_of_order - drifted
    assert {q: search(corpus, q, limit=50).model_dump() for q in queries} == expected

    with corpus.engine.begin() as connection:
        command.downgrade(migrations(connection), "corpus_0005")
    assert not _partitions(corpus)
    with corpus.engine.connect() as connection:  # one table, nearly in key order (an INSERT fills earlier pages' room)
        connection.execute(text("ANALYZE corpus_item_texts"))
        correlation = connection.scalar(
            text("SELECT correlation FROM pg_stats WHERE tablename = 'corpus_item_texts' AND attname = 'search_key'")
        )
    assert correlation > 0.9
    with corpus.engine.begin() as connection:
        command.downgrade(migrations(connection), "corpus_0004")
    with corpus.engine.connect() as connection:
        columns = connection.scalars(
            text("SELECT column_name FROM information_schema.columns WHERE table_name = 'corpus_item_texts'")
        ).all()
    assert "search_key" not in columns
    corpus.close()

    corpus = Corpus.open(postgres_url)  # upgraded again: keyed, partitioned, each month nearly in key order
    assert set(_partitions(corpus)) == {_partition_of(m) for m in months}
    _texts_in_key_order(corpus)  # each text in its month's partition, with its item's key
    assert min(_key_correlations(corpus).values()) > 0.9
    assert {q: search(corpus, q, limit=50).model_dump() for q in queries} == expected
    corpus.close()


def _autovacuum_off(corpus: Corpus) -> dict[str, bool]:
    """Whether autovacuum is kept off each partition of PostgreSQL's item texts."""
    return _of_partitions(corpus, "'autovacuum_enabled=off' = ANY(coalesce(c.reloptions, '{}'))")


@pytest.mark.postgres
def test_postgres_load_keeps_autovacuum_off_its_partitions_until_it_ends(
    postgres_url: str, shared_records: list[Determination]
) -> None:
    """During a load autovacuum is off every partition of the item texts, those the load creates among them; the load
    gives it back to all of them when it ends, and when it stops on an error too."""
    corpus = Corpus.open(postgres_url)
    add_records(corpus, shared_records, batch=40)
    before = _autovacuum_off(corpus)
    assert before and not any(before.values())
    moved = [  # decided in a month of its own
        record.model_copy(update={"case_number": f"CM20-{n:07d}", "decision_date": dt.date(2020, 3, 1 + n)})
        for n, record in enumerate(shared_records[:4])
    ]
    during: list[dict[str, bool]] = []

    def records() -> Any:
        yield from moved
        during.append(_autovacuum_off(corpus))
        raise RuntimeError("the load stops here")

    with pytest.raises(RuntimeError):
        add_records(corpus, records(), batch=2)
    assert len(during) == 1 and set(during[0]) > set(before) and all(during[0].values())
    after = _autovacuum_off(corpus)
    assert set(after) == set(during[0]) and not any(after.values())
    corpus.close()


ROUNDS = 4
"""Rounds of the concurrent-add test of two versions: a new database (both processes migrate it), then the corpus they
left, in turn."""

_ADD_ONE_VERSION = """
import json, pickle, sys, time
from pathlib import Path
from openimr.corpus.ingest import add_records
from openimr.corpus.store import Corpus
url, version, ready, go = sys.argv[1], pickle.loads(Path(sys.argv[2]).read_bytes()), Path(sys.argv[3]), Path(sys.argv[4])
ready.touch()
while not go.exists():
    time.sleep(0.002)
corpus = Corpus.open(url)
print(json.dumps(add_records(corpus, version)))
corpus.close()
"""
"""A process that adds one version of some letters as soon as `go` exists (after it says it is `ready`), and prints
the letters written and replaced."""


def _emptied(url: str) -> None:
    """Drop every table of the database at `url` (a SQLite file: delete it)."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        for part in path.parent.glob(path.name + "*"):
            part.unlink()
        return
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def _orphans(corpus: Corpus) -> dict[str, int]:
    """Rows whose parent row is gone: texts and items without their item or letter, labels without theirs."""
    checks = {
        "texts": "SELECT count(*) FROM corpus_item_texts AS t LEFT JOIN corpus_items AS i ON i.id = t.id WHERE i.id IS NULL",
        "items": "SELECT count(*) FROM corpus_items AS i LEFT JOIN corpus_letters AS l ON l.id = i.letter_id WHERE l.id IS NULL",
        "guidelines": "SELECT count(*) FROM corpus_item_guidelines AS g LEFT JOIN corpus_items AS i ON i.id = g.item_id "
        "WHERE i.id IS NULL",
        "specialties": "SELECT count(*) FROM corpus_letter_specialties AS s LEFT JOIN corpus_letters AS l "
        "ON l.id = s.letter_id WHERE l.id IS NULL",
        "untexted items": "SELECT count(*) FROM corpus_items AS i LEFT JOIN corpus_item_texts AS t ON t.id = i.id "
        "WHERE t.id IS NULL",
    }
    with corpus.engine.connect() as connection:
        return {name: int(connection.scalar(text(query)) or 0) for name, query in checks.items()}


def _counted(stderr: str) -> tuple[int, int]:
    """The letters `imr corpus add` says it added and updated (its last line)."""
    found = re.match(r"added (\d+), updated (\d+), skipped 0, failed 0; ", stderr.splitlines()[-1])
    assert found, stderr
    return int(found[1]), int(found[2])


def test_two_runs_adding_the_same_letters_at_once_store_each_once(database_url: str, shared_dir: Path, tmp_path: Path) -> None:
    """Two `imr corpus add` runs of the same letters started at once, round after round: into a new database (both
    migrate it) and into the corpus they left. Both exit 0 and count every letter, added or updated; a letter new to
    the corpus is counted added by one run only; the corpus holds each letter once, nothing orphaned."""
    folder = tmp_path / "letters"
    folder.mkdir()
    seeds = sorted((shared_dir / "seeds").glob("*.txt"))
    for seed in seeds:
        shutil.copy(seed, folder / seed.name)
    command = [sys.executable, "-c", "from openimr.cli import main; main()", "corpus", "add", str(folder), "-j", "1"]
    tables: dict[str, int] | None = None
    for round_ in range(2):
        fresh = round_ % 2 == 0
        if fresh:
            _emptied(database_url)
        runs = [subprocess.Popen([*command, "--db", database_url], stderr=subprocess.PIPE, text=True) for _ in range(2)]
        errors = [run.communicate(timeout=600)[1] for run in runs]
        assert [run.returncode for run in runs] == [0, 0], errors
        counts = [_counted(stderr) for stderr in errors]
        assert all(added + updated == len(seeds) for added, updated in counts), errors
        assert sum(added for added, _ in counts) == (len(seeds) if fresh else 0), errors
        corpus = Corpus.open(database_url)
        n_letters, n_items = corpus.counts()
        assert all(stderr.splitlines()[-1].endswith(f"corpus: {n_letters} letters, {n_items} items") for stderr in errors)
        assert n_letters == len(seeds)
        tables = tables or _table_counts(corpus)
        assert _table_counts(corpus) == tables
        assert not any(_orphans(corpus).values()) and _index_consistent(corpus)
        corpus.close()


def _first_item_only(letter: Determination) -> Determination:
    return letter.model_copy(update={"items": letter.items[:1]})


def test_two_versions_of_the_same_case_numbers_added_at_once_end_as_the_later(
    database_url: str, shared_records: list[Determination], tmp_path: Path
) -> None:
    """Two processes each add a version of the same twelve case numbers (one with every item, its first's request
    changed; one with its first item only, another request) at one moment, round after round, into a new database and
    into the corpus they left. Both succeed and count every letter; one letter a case number, all of it from one
    version: the later's (a run that found every letter there already replaced the other's), nothing orphaned."""
    numbered = [r for r in shared_records if r.case_number and len(r.items) >= 2][:12]
    versions = {
        "zyxwhole": [_with_request(r, "Invented request zyxwhole") for r in numbered],
        "zyxfirst": [_first_item_only(_with_request(r, "Invented request zyxfirst")) for r in numbered],
    }
    for word, version in versions.items():
        (tmp_path / word).write_bytes(pickle.dumps(version))
    for round_ in range(ROUNDS):
        fresh = round_ % 2 == 0
        if fresh:
            _emptied(database_url)
        go = tmp_path / f"go{round_}"
        ready = {word: tmp_path / f"{word}{round_}" for word in versions}
        runs = {
            word: subprocess.Popen(
                [sys.executable, "-c", _ADD_ONE_VERSION, database_url, str(tmp_path / word), str(ready[word]), str(go)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for word in versions
        }
        deadline = time.monotonic() + 300
        while not all(path.exists() for path in ready.values()):
            assert time.monotonic() < deadline and all(run.poll() is None for run in runs.values())
            time.sleep(0.01)
        go.touch()
        outputs = {word: run.communicate(timeout=600) for word, run in runs.items()}
        assert all(run.returncode == 0 for run in runs.values()), outputs
        counts = {word: tuple(json.loads(out)) for word, (out, _) in outputs.items()}
        assert all(written == len(numbered) for written, _ in counts.values()), counts
        corpus = Corpus.open(database_url)
        stored = {word: sorted(h.case_number or "" for h in search(corpus, word, limit=50).hits) for word in versions}
        (later,) = [word for word in versions if stored[word]]
        assert stored[later] == sorted(r.case_number or "" for r in numbered)
        if fresh:  # the earlier run found none of them, the later run all of them
            assert sorted(replaced for _, replaced in counts.values()) == [0, len(numbered)], counts
            assert counts[later][1] == len(numbered), counts
        else:
            assert all(replaced == len(numbered) for _, replaced in counts.values()), counts
        assert corpus.counts() == (len(numbered), sum(len(r.items) for r in versions[later]))
        assert not any(_orphans(corpus).values()) and _index_consistent(corpus)
        corpus.close()


_HOLD_WRITE_LOCK = """
import sqlite3, sys, time
from pathlib import Path
database, ready, release, when, year = sys.argv[1:6]
connection = sqlite3.connect(database, isolation_level=None)
deadline = time.monotonic() + 600
setting = f"SELECT v FROM corpus_fts_{year}_config WHERE k = 'hashsize'"  # the last bulk setting a load writes
while when == "amid the load" and connection.execute(setting).fetchone()[0] != 16 << 20:  # until the load has begun
    time.sleep(0.005)
connection.execute("BEGIN IMMEDIATE")
Path(ready).touch()
while not Path(release).exists() and time.monotonic() < deadline:
    time.sleep(0.05)
connection.execute("ROLLBACK")
"""
"""A process that holds a SQLite database's write lock (as another writer's long batch, or its index's settling, does)
from the start, or from when a run's load has begun (its index's bulk settings written), until a release file exists."""


@pytest.mark.parametrize(
    ("when", "held"),
    [("before the load", "within"), ("before the load", "past"), ("amid the load", "past")],
    ids=["released-within-the-timeout", "held-past-it-before-the-load", "held-past-it-amid-the-load"],
)
def test_a_sqlite_add_behind_another_writers_lock_waits_or_stops_cleanly(
    when: str, held: str, shared_dir: Path, shared_records: list[Determination], tmp_path: Path
) -> None:
    """`imr corpus add` while another process holds the SQLite corpus's write lock: released within the busy timeout,
    the run waits and adds every letter; held past it (before the load: the run meets it writing its index's bulk
    settings, before it parses any letter; amid the load: at its batch), the run stops with one line naming the
    database and the problem, exit status non-zero, no traceback, the corpus as it was (nothing half-written); once
    the lock is released, the run stopped at its batch, run again, adds every letter and the index's settings are
    back."""
    database = tmp_path / "openimr.db"
    url = f"sqlite:///{database}"
    dated = [r for r in shared_records if r.decision_date and Path(r.source or "").suffix == ".pdf"][:2]
    assert len(dated) == 2 and dated[0].decision_date
    corpus = Corpus.open(url)
    add_records(corpus, dated)
    tables = _table_counts(corpus)
    corpus.close()
    seeds = sorted((shared_dir / "seeds").glob("*.txt"))
    folder = tmp_path / "letters"
    folder.mkdir()
    for seed in seeds:
        shutil.copy(seed, folder / seed.name)
    ready, release = tmp_path / "ready", tmp_path / "release"
    year = str(dated[0].decision_date.year)  # a year table the corpus has
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_WRITE_LOCK, str(database), str(ready), str(release), when, year])
    command = [sys.executable, "-c", "from openimr.cli import main; main()", "corpus", "add", str(folder), "-j", "1", "--db", url]
    if when == "before the load":
        _wait_for(ready, holder)
    run = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    _wait_for(ready, holder)
    if held == "within":
        time.sleep(BUSY_TIMEOUT / 6)
        release.touch()
    stderr = run.communicate(timeout=900)[1]
    returncode = run.returncode
    if held == "past":
        assert holder.poll() is None, "the lock was released before the run gave up"
        release.touch()
        assert holder.wait(timeout=60) == 0  # the lock is given back before the corpus is read and written again
        lines = stderr.strip().splitlines()
        assert returncode != 0 and len(lines) == 1 and "Traceback" not in stderr, stderr
        assert lines[0].startswith(f"imr: error: {database}: another process held the database's write lock"), stderr
        corpus = Corpus.open(url)
        assert _table_counts(corpus) == tables
        assert not any(_orphans(corpus).values()) and _index_consistent(corpus)
        corpus.close()
        if when == "before the load":
            return
        again = subprocess.run(command, stderr=subprocess.PIPE, text=True, timeout=900)
        returncode, stderr = again.returncode, again.stderr
    assert returncode == 0, stderr
    assert _counted(stderr) == (len(seeds), 0)
    assert holder.wait(timeout=60) == 0
    corpus = Corpus.open(url)
    assert corpus.counts()[0] == len(dated) + len(seeds)
    assert not any(_orphans(corpus).values()) and _index_consistent(corpus)
    with corpus.engine.connect() as connection:  # the index's bulk settings undone (automerge back on)
        for shard in connection.scalars(text("SELECT shard FROM corpus_fts_shards")).all():
            assert connection.scalar(text(f"SELECT v FROM corpus_fts_{shard}_config WHERE k = 'automerge'")) == 16
    corpus.close()


def _wait_for(ready: Path, holder: subprocess.Popen[bytes]) -> None:
    """Until the lock holder says it holds the lock (it must not have exited)."""
    deadline = time.monotonic() + 600
    while not ready.exists():
        assert holder.poll() is None and time.monotonic() < deadline
        time.sleep(0.005)
