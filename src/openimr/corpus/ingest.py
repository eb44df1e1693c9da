"""Adding letters to the corpus: parse and classify letter files on every core, write them in batches.

`add_letters` reads files (a process pool of `workers` parses and classifies them, `records.read_record`) and writes
what it read in batches; a letter that cannot be read is reported by `on_failure` as one line naming the file and the
problem, and the others go on. `add_records` writes already-parsed records, optionally over several database
connections (PostgreSQL does the full-text parsing server-side, so a second connection uses a second core there).
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from openimr.corpus.records import letter_key, read_record
from openimr.corpus.store import Corpus
from openimr.errors import OpenIMRError
from openimr.letters.files import collect_letters
from openimr.model import Determination

log = logging.getLogger(__name__)

BATCH = 5000
"""Letters written per transaction (with `Index.bulk`, SQLite writes each year table's share of a batch as one FTS5
segment, so larger batches mean fewer segments to merge)."""


@dataclass(frozen=True)
class IngestReport:
    """What an ingest did: letters written (new and replaced), non-letter files skipped, failures."""

    written: int
    replaced: int
    skipped: int
    failed: int

    @property
    def new(self) -> int:
        """Letters that were not in the corpus before."""
        return self.written - self.replaced


def read_or_error(path: Path) -> Determination | str:
    """The classified record of a letter file, or the one-line error that names it."""
    try:
        return read_record(path)
    except OpenIMRError as error:
        return str(error) if error.source else f"{path}: {error}"
    except Exception as error:  # a letter that trips a bug must not stop the others; the message names the file
        log.debug("unexpected error on %s", path, exc_info=True)
        return f"{path}: internal error ({error.__class__.__name__}); please report it"


def _read_all(files: list[Path], workers: int) -> Iterator[Determination | str]:
    if workers <= 1 or len(files) <= 1:
        yield from map(read_or_error, files)
        return
    pool = ProcessPoolExecutor(max_workers=workers)
    try:
        yield from pool.map(read_or_error, files, chunksize=max(1, min(16, len(files) // (8 * workers))))
    finally:  # a load stopped by an error parses none of the letters left
        pool.shutdown(wait=True, cancel_futures=True)


def add_letters(
    corpus: Corpus,
    paths: list[Path],
    workers: int = 1,
    on_failure: Callable[[str], None] = lambda _: None,
    progress: Callable[[int], None] = lambda _: None,
    on_start: Callable[[int], None] = lambda _: None,
    batch: int = BATCH,
) -> IngestReport:
    """Parse the letters under `paths` (files or folders) into the corpus, `batch` letters a transaction; report each
    failure and go on.

    `on_start` hears how many letter files there are, `progress` of each one done, `on_failure` each failure's line."""
    found = collect_letters(paths)
    for path in found.missing:
        on_failure(f"{path}: no such file or directory")
    on_start(len(found.letters))
    failed = len(found.missing)

    def records() -> Generator[Determination, None, None]:
        nonlocal failed
        for result in _read_all(found.letters, workers):
            progress(1)
            if isinstance(result, str):
                failed += 1
                on_failure(result)
            else:
                yield result

    reading = records()
    try:
        written, replaced = add_records(corpus, reading, batch=batch)
    finally:
        reading.close()
    return IngestReport(written=written, replaced=replaced, skipped=found.skipped, failed=failed)


def _batches(records: Iterable[Determination], size: int) -> Iterator[list[Determination]]:
    batch: list[Determination] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def add_records(
    corpus: Corpus, records: Iterable[Determination], batch: int = BATCH, writers: int = 1, optimize: bool = True
) -> tuple[int, int]:
    """Write classified records in batches of `batch` letters; returns letters written and replaced. The index's upkeep
    waits for the end of the load (`Index.bulk`); then, with `optimize`, a load that at least doubled the corpus
    optimizes the index (`Corpus.optimize`), and any other load merges what it deferred.

    With several `writers` (PostgreSQL), each letter key always goes to the same connection, in order, so a letter
    given twice ends as its last version whatever the interleaving."""
    with corpus.index.bulk() as settle:
        written, replaced = _write(corpus, records, batch, writers)
        settle(optimize and written > replaced and 2 * (written - replaced) >= corpus.counts()[0])
    return written, replaced


def _write(corpus: Corpus, records: Iterable[Determination], batch: int, writers: int) -> tuple[int, int]:
    if writers <= 1 or corpus.dialect == "sqlite":
        totals = [corpus.add(chunk) for chunk in _batches(records, batch)]
        return sum(t[0] for t in totals), sum(t[1] for t in totals)
    lanes = [ThreadPoolExecutor(max_workers=1) for _ in range(writers)]
    pending: list[list[Determination]] = [[] for _ in range(writers)]
    futures: list[list[Future[tuple[int, int]]]] = [[] for _ in range(writers)]
    try:
        for record in records:
            lane = zlib.crc32(letter_key(record).encode()) % writers
            pending[lane].append(record)
            if len(pending[lane]) >= batch:
                _submit(lanes[lane], futures[lane], pending[lane], corpus)
                pending[lane] = []
        for lane in range(writers):
            if pending[lane]:
                _submit(lanes[lane], futures[lane], pending[lane], corpus)
        totals = [future.result() for lane_futures in futures for future in lane_futures]
    finally:
        for executor in lanes:
            executor.shutdown(wait=True, cancel_futures=True)
    return sum(t[0] for t in totals), sum(t[1] for t in totals)


def _submit(lane: ThreadPoolExecutor, futures: list[Future[tuple[int, int]]], chunk: list[Determination], corpus: Corpus) -> None:
    """Queue a batch on its connection's lane, waiting while two are already queued there (memory stays bounded)."""
    while sum(not f.done() for f in futures) >= 2:
        next(f for f in futures if not f.done()).result()
    futures.append(lane.submit(corpus.add, chunk))
