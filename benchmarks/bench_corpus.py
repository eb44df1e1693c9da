"""Corpus at scale: ingest, search and statistics over a synthetic corpus of a million letters.

The shared letters (97 DWC letters and five seeds) are parsed and classified once (not timed); the synthetic corpus
varies their records: a new case number each, a decision date spread over July 2013 to December 2024 (the other
header dates moved with it), and the items in a shuffled order. About 2.2 items a letter: 1,000,000 letters give
about 2.2 million items. The text repeats (every synthetic letter is one of 102 letters), so every word of the
shared letters is frequent: a harder case for ranking than a real corpus, where most words are rare.

Measured: ingest from the already-parsed records (records are made on the fly, their cost measured apart), search
latency (p50 / p95 / max over a fixed set of queries, without and with filters), `stats --by year`, precedents for
drafted items, peak memory of this process, database size. On SQLite (a file in --dir) or, with --postgres URL, on
PostgreSQL (the database is emptied first: give a throwaway one).

Run: `python benchmarks/bench_corpus.py [--letters N] [--dir DIR] [--postgres URL] [--keep]`
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from sqlalchemy import create_engine, text

from openimr.corpus.evaluate import case_from_letter
from openimr.corpus.filters import Filters
from openimr.corpus.ingest import add_records
from openimr.corpus.precedents import attach_precedents
from openimr.corpus.records import read_record
from openimr.corpus.search import search
from openimr.corpus.stats import corpus_stats
from openimr.corpus.store import Corpus
from openimr.model import Decision, Determination
from openimr.review import review_case

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FIRST_DAY = dt.date(2013, 7, 1)
LAST_DAY = dt.date(2024, 12, 31)
QUERIES = [
    "lumbar MRI",
    "MRI of the cervical spine",
    "physical therapy",
    "chiropractic",
    "acupuncture",
    "cyclobenzaprine",
    "tramadol",
    "Norco",
    "omeprazole",
    "lidocaine patch",
    "compounded cream",
    '"functional improvement"',
    "radiculopathy",
    "epidural steroid injection",
    "EMG NCV lower extremities",
    "TENS unit",
    "urine drug screen",
    "knee arthroscopy",
    "shoulder MRI",
    "home health",
    "functional capacity evaluation",
    "x-rays lumbar spine",
    "muscle spasm",
    "sleep",
    "viagra",
    "inpatient rehabilitation",
    "platelet rich plasma",
    "heat cold",
    "orthopedic consultation",
    "lumbar support brace",
    "topical NSAID",
    "opioid OR opiate",
    "cyclo* -tizanidine",
    "depression",
    "weight loss",
    "hand surgery",
    "psychiatric",
    "bone scan",
    "biofeedback",
    "acupuncture -chiropractic",
]
FILTERS = [
    Filters(decision=Decision.OVERTURNED),
    Filters(topic="physical_therapy"),
    Filters(category="imaging"),
    Filters(start=dt.date(2019, 1, 1), end=dt.date(2020, 6, 30)),
    Filters(specialty="Occupational Medicine"),
    Filters(decision=Decision.UPHELD, start=dt.date(2023, 1, 1)),
]


def base_records() -> list[Determination]:
    """The shared letters, parsed and classified."""
    files = [*sorted((SHARED / "data" / "dwc_letters" / "pdf").glob("*.pdf")), *sorted((SHARED / "seeds").glob("*.txt"))]
    with ProcessPoolExecutor(max_workers=2) as pool:
        return list(pool.map(read_record, files))


def synthetic(bases: list[Determination], n: int, seed: int = 7) -> Iterator[Determination]:
    """`n` letters varied from `bases`: case number, dates, item order (built without re-validation: the parts are
    validated records already)."""
    rng = random.Random(seed)
    span = (LAST_DAY - FIRST_DAY).days
    for i in range(n):
        base = bases[i % len(bases)]
        decided = FIRST_DAY + dt.timedelta(days=rng.randrange(span + 1))
        shift = decided - base.decision_date if base.decision_date else None
        items = list(base.items)
        rng.shuffle(items)
        fields = dict(base)
        fields.update(
            case_number=f"CM{decided.year % 100:02d}-{i:07d}",
            decision_date=decided,
            date_assigned=_moved(base.date_assigned, shift, decided),
            date_of_injury=_moved(base.date_of_injury, shift, decided),
            ur_denial_date=_moved(base.ur_denial_date, shift, decided),
            application_received=_moved(base.application_received, shift, decided),
            items=items,
            source=None,
        )
        yield Determination.model_construct(**fields)


def _moved(date: dt.date | None, shift: dt.timedelta | None, decided: dt.date) -> dt.date | None:
    """A header date moved with the decision date (for a base letter without one, a month before the decision)."""
    if date is None:
        return None
    return date + shift if shift is not None else decided - dt.timedelta(days=30)


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"p50 {1000 * statistics.median(ordered):.1f} ms, p95 {1000 * p95:.1f} ms, max {1000 * ordered[-1]:.1f} ms"
        f" ({len(ordered)} searches)"
    )


def _load() -> str:
    """The machine's load average (1, 5, 15 minutes): the machine is shared, so each figure carries it."""
    return "load " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def _shown(filters: Filters) -> str:
    return ", ".join(f"{k}={v}" for k, v in vars(filters).items() if v is not None) or "no filter"


def _size(corpus: Corpus, path: Path | None) -> str:
    if path is not None:
        total = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
        return f"{total / 2**30:.2f} GiB"
    with corpus.engine.connect() as connection:
        return str(connection.scalar(text("SELECT pg_size_pretty(pg_database_size(current_database()))")))


def _server_cpu(pid: int | None) -> float:
    """CPU seconds a local PostgreSQL server (its postmaster `pid`) has used: its own, its live processes' and those of
    the processes it has reaped; 0 without a pid."""
    if pid is None:
        return 0.0
    tick = os.sysconf("SC_CLK_TCK")

    def fields(process: str) -> list[str]:
        return Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()

    own = fields(str(pid))
    total = sum(int(x) for x in own[11:15])  # utime, stime, cutime, cstime
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(pid):
            try:
                stat = fields(entry.name)
            except OSError:
                continue
            if stat[1] == str(pid):  # its parent is the postmaster
                total += int(stat[11]) + int(stat[12])
    return total / tick


def _ingest(corpus: Corpus, bases: list[Determination], n: int, writers: int, server: int | None) -> None:
    """Time making the records alone, then ingesting them with the index's settling after the load (SQLite: the FTS5
    merges deferred during the load and the optimize; PostgreSQL: VACUUM ANALYZE)."""
    started = time.perf_counter()
    made = sum(1 for _ in synthetic(bases, min(n, 100_000)))
    making = (time.perf_counter() - started) / made
    print(f"making records alone: {1 / making:,.0f} letters/s (included in the ingest figures below)")

    wall, cpu, server_cpu = time.perf_counter(), time.process_time(), _server_cpu(server)
    written, _ = add_records(corpus, synthetic(bases, n), writers=writers)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    server_cpu = _server_cpu(server) - server_cpu
    letters, items = corpus.counts()
    on_server = (
        f"; {server_cpu:,.0f} s CPU in the server: {1e6 * (cpu + server_cpu) / written:,.0f} µs CPU a letter in all"
        if server
        else ""
    )
    print(
        f"ingest, the index settled after it: {written:,} letters ({items:,} items) in {wall:,.0f} s:"
        f" {written / wall:,.0f} letters/s wall clock ({cpu:,.0f} s CPU in this process: {1e6 * cpu / written:,.0f} µs a"
        f" letter, {written / cpu:,.0f} letters per CPU second{on_server}; {_load()})"
    )
    assert letters == written == n


def main() -> None:
    """Build the synthetic corpus and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--letters", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=None, help="Folder for the SQLite file (default: a temporary one).")
    parser.add_argument("--postgres", default=None, help="A throwaway PostgreSQL database URL (emptied first).")
    parser.add_argument("--writers", type=int, default=2, help="Connections writing at once (PostgreSQL).")
    parser.add_argument("--server-pid", type=int, default=None, help="A local PostgreSQL postmaster's pid: report its CPU.")
    parser.add_argument("--keep", action="store_true", help="Keep the SQLite file.")
    parser.add_argument("--reuse", action="store_true", help="Measure a corpus built by an earlier --keep run (no ingest).")
    args = parser.parse_args()

    bases = base_records()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="openimr-bench-corpus-"))
    sqlite_path: Path | None = None
    if args.postgres:
        if not args.reuse:
            engine = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
            with engine.connect() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            engine.dispose()
        corpus = Corpus.open(args.postgres)
    else:
        folder.mkdir(parents=True, exist_ok=True)
        sqlite_path = folder / "corpus.db"
        if not args.reuse:
            for path in folder.glob("corpus.db*"):
                path.unlink()
        corpus = Corpus.open(f"sqlite:///{sqlite_path}")
    print(f"database: {corpus.dialect}; base letters: {len(bases)}, base items: {sum(len(b.items) for b in bases)}")

    if args.reuse:
        letters, items = corpus.counts()
        print(f"reusing a corpus of {letters:,} letters ({items:,} items)")
    else:
        _ingest(corpus, bases, args.letters, args.writers, args.server_pid)
    print(f"database size: {_size(corpus, sqlite_path)}")

    for name, filters in (("without filters", [Filters()]), ("with filters", FILTERS)):
        samples: list[float] = []
        cpu_samples: list[float] = []
        timed: list[tuple[float, str, Filters]] = []
        capped = 0
        server_cpu = _server_cpu(args.server_pid)
        for _ in range(2):
            for query in QUERIES:
                for chosen in filters:
                    started, cpu = time.perf_counter(), time.process_time()
                    result = search(corpus, query, chosen, limit=20)
                    samples.append(time.perf_counter() - started)
                    cpu_samples.append(time.process_time() - cpu)
                    timed.append((samples[-1], query, chosen))
                    capped += result.more
        server_cpu = _server_cpu(args.server_pid) - server_cpu
        on_server = f"; {1000 * server_cpu / len(samples):.1f} ms CPU a search in the server" if args.server_pid else ""
        print(
            f"search {name}: {_percentiles(samples)}; {capped} of them ranked the newest window of a larger match set ({_load()})"
        )
        print(f"    CPU in this process: {_percentiles(cpu_samples)}{on_server}")
        for seconds, query, chosen in sorted(timed, key=lambda t: t[0], reverse=True)[:5]:
            print(f"    slowest: {1000 * seconds:.0f} ms {query!r} {_shown(chosen)}")

    timings = []
    for _ in range(3):
        started = time.perf_counter()
        table = corpus_stats(corpus, "year")
        timings.append(time.perf_counter() - started)
    print(
        f"stats --by year: best {min(timings):.2f} s, worst {max(timings):.2f} s"
        f" ({len(table.groups)} years, {table.items:,} items; {_load()})"
    )
    started = time.perf_counter()
    corpus_stats(corpus, "topic")
    print(f"stats --by topic: {time.perf_counter() - started:.2f} s ({_load()})")

    drafts = [review_case(case_from_letter(letter)) for letter in bases[:20]]
    per_item = []
    for draft in drafts:
        started = time.perf_counter()
        attach_precedents(draft, corpus)
        per_item.append((time.perf_counter() - started) / len(draft.items))
    print(f"precedents per drafted item: {_percentiles(per_item).replace('searches', 'drafts')} ({_load()})")
    print(f"peak resident memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")
    corpus.close()
    if sqlite_path is not None and not args.keep:
        for path in folder.glob("corpus.db*"):
            path.unlink()
        if args.dir is None:
            shutil.rmtree(folder)


if __name__ == "__main__":
    sys.exit(main())
