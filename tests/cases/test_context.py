"""Document files and their rows across database failures: a row that committed keeps its file whatever the request was
told, and a file goes only once its row certainly did not commit (its COMMIT has ended and no row has its id)."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import ORMExecuteState
from tests.conftest import PrivatePostgres, synthetic_application
from tests.patience import patience

from openimr.cases import audit, uploads
from openimr.cases.domain import Actor, UserRole
from openimr.cases.intake import Filed, Filing
from openimr.cases.schemas import Application, FilingResult
from openimr.cases.services import Services, open_services
from openimr.cases.store import AuditRow, CaseRow, DocumentRow
from openimr.settings import Settings

FILER = Actor("context test", UserRole.INTAKE)


def _application(worker: str) -> Application:
    return synthetic_application(
        worker,
        "CTX-1",
        ur_decision="2026-10-01",
        received="2026-10-10",
        record="Synthetic progress report: low back pain, no change.",
    )


def _rows(services: Services) -> set[str]:
    with services.context.sessions() as session:
        return set(session.scalars(select(DocumentRow.id)))


def _files(services: Services) -> set[str]:
    return {p.name for p in services.context.documents.root.rglob("*") if p.is_file()}


@pytest.fixture
def reads_fail_after_a_commit(services: Services) -> Iterator[Callable[[], None]]:
    """Call it, and the database stops answering reads right after the next write transaction commits (one read fails)."""
    armed: list[bool] = []

    def arm(_session: Any) -> None:
        armed.append(True)

    def fail(_state: ORMExecuteState) -> None:
        if armed:
            armed.clear()
            raise OperationalError("SELECT", {}, ConnectionError("the database went away"))

    def start() -> None:
        event.listen(services.context.write_sessions, "after_commit", arm)
        event.listen(services.context.sessions, "do_orm_execute", fail)

    yield start
    if event.contains(services.context.write_sessions, "after_commit", arm):
        event.remove(services.context.write_sessions, "after_commit", arm)
        event.remove(services.context.sessions, "do_orm_execute", fail)


def test_a_filing_committed_before_its_view_could_be_read_keeps_its_documents(
    services: Services, reads_fail_after_a_commit: Callable[[], None]
) -> None:
    # A new case's view is made from what was written; a duplicate's view is read after the commit.
    services.intake.file_application(_application("ctx-view"), FILER)
    reads_fail_after_a_commit()
    with pytest.raises(OperationalError):
        services.intake.file_application(_application("ctx-view"), FILER)
    rows = _rows(services)
    assert len(rows) == 4, "the duplicate filing committed: its two documents have rows"
    assert _files(services) == rows, "a committed row lost its file"
    assert services.context.settle_documents() == 0
    assert _files(services) == rows


@pytest.mark.postgres
def test_postgres_stopping_right_after_a_filing_commits_leaves_every_row_its_file(
    private_postgres: PrivatePostgres, tmp_path: Path
) -> None:
    services = open_services(Settings(db=private_postgres.url, data_dir=tmp_path / "data")).services
    stopped: list[bool] = []

    def stop_once(_session: Any) -> None:
        if not stopped:
            stopped.append(True)
            private_postgres.stop()

    services.intake.file_application(_application("ctx-stop"), FILER)  # a new case: its view is what was written
    event.listen(services.context.write_sessions, "after_commit", stop_once)
    with pytest.raises(OperationalError):  # a duplicate's view, read after the COMMIT, finds no server
        services.intake.file_application(_application("ctx-stop"), FILER)
    event.remove(services.context.write_sessions, "after_commit", stop_once)
    assert len(_files(services)) == 4
    private_postgres.start()
    assert services.context.settle_documents() == 0
    rows = _rows(services)
    assert len(rows) == 4 and _files(services) == rows


@pytest.mark.postgres
def test_a_commit_lost_with_the_server_removes_its_files_only_once_the_database_answers(
    private_postgres: PrivatePostgres, tmp_path: Path
) -> None:
    services = open_services(Settings(db=private_postgres.url, data_dir=tmp_path / "data")).services
    writer = services.context.write_sessions.kw["bind"]

    def stop_before_commit(_connection: Any) -> None:
        private_postgres.stop()  # the server goes while the COMMIT is sent: the client cannot know its outcome

    event.listen(writer, "commit", stop_before_commit)
    with pytest.raises(OperationalError):
        services.intake.file_application(_application("ctx-lost"), FILER)
    event.remove(writer, "commit", stop_before_commit)
    assert len(_files(services)) == 2, "the outcome is unknown: the files stay"
    with pytest.raises(OperationalError):
        services.context.settle_documents()
    assert len(_files(services)) == 2
    private_postgres.start()
    assert services.context.settle_documents() == 2, "the COMMIT did not happen: no row, so the files go"
    assert _rows(services) == set() and _files(services) == set()


@pytest.mark.postgres
def test_files_of_a_commit_still_running_on_the_server_wait_for_it(postgres_url: str, tmp_path: Path) -> None:
    services = open_services(Settings(db=postgres_url, data_dir=tmp_path / "data")).services
    stored = services.context.documents.save(b"Synthetic note.", "note.txt")
    with services.context.write_sessions() as running:
        transaction = int(running.scalar(text("SELECT pg_current_xact_id()::text::bigint")))
        with pytest.raises(ConnectionError), services.context.keeping_documents([stored.id]) as pending:
            pending.sending_commit(transaction)  # as `transaction` records it just before COMMIT
            raise ConnectionError("the connection broke during COMMIT")
        assert services.context.settle_documents() == 0, "its transaction still runs: it may yet commit the row"
        assert services.context.documents.path(stored.id).is_file()
        running.rollback()
    assert services.context.settle_documents() == 1
    assert not services.context.documents.path(stored.id).is_file()


def test_a_transaction_failing_before_its_commit_removes_its_files_at_once(services: Services) -> None:
    stored = services.context.documents.save(b"Synthetic note.", "note.txt")
    with (
        pytest.raises(ValueError),
        services.context.keeping_documents([stored.id]) as pending,
        services.context.transaction("case", pending),
    ):
        raise ValueError("refused before COMMIT")
    assert not services.context.documents.path(stored.id).is_file()
    assert services.context.settle_documents() == 0


def _sqlite_services(tmp_path: Path) -> Services:
    return open_services(Settings(db=f"sqlite:///{tmp_path / 'openimr.db'}", data_dir=tmp_path / "data")).services


def test_writes_waiting_for_the_sqlite_writer_commit_together_and_one_failing_is_rolled_back_alone(tmp_path: Path) -> None:
    services = _sqlite_services(tmp_path)
    context = services.context
    commits: list[bool] = []
    event.listen(context.write_sessions.kw["bind"], "commit", lambda _connection: commits.append(True))

    def entry(n: int, fails: bool) -> Callable[[Any], int]:
        def work(session: Any) -> int:
            context.audit(session, FILER, f"grouped write {n}", None, None, {"n": n})
            if fails:
                raise ValueError(f"write {n} refused after its audit entry")
            return n

        return work

    outcomes: dict[int, object] = {}

    def write(n: int) -> None:
        try:
            outcomes[n] = context.grouped(f"write {n}", entry(n, fails=n == 2))
        except ValueError as error:
            outcomes[n] = error

    with context._write_lock:  # the writer is busy: the five writes queue for it
        threads = [threading.Thread(target=write, args=(n,)) for n in range(5)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + patience(30)
        while len(context._group) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
    for thread in threads:
        thread.join()
    assert len(commits) == 1, "the five writes waiting for the writer were committed in one transaction"
    assert [outcomes[n] for n in (0, 1, 3, 4)] == [0, 1, 3, 4]
    assert isinstance(outcomes[2], ValueError), "the failing write raised to its own caller only"
    with context.sessions() as session:
        actions = list(session.scalars(select(AuditRow.action).order_by(AuditRow.seq)))
        verification = audit.verify(session)
    assert sorted(actions) == [f"grouped write {n}" for n in (0, 1, 3, 4)], "the failing write's entry was rolled back"
    assert verification.intact and verification.entries == 4


def test_grouped_filings_from_many_threads_each_commit_with_their_documents(tmp_path: Path) -> None:
    services = _sqlite_services(tmp_path)
    workers = [f"ctx-group-{n}" for n in range(12)] + ["ctx-group-0"] * 4  # the last four duplicate the first

    def file(worker: str) -> bool:
        return services.intake.file_application(_application(worker), FILER).duplicate

    with ThreadPoolExecutor(8) as pool:
        duplicates = list(pool.map(file, workers))
    assert duplicates.count(True) == 4
    with services.context.sessions() as session:
        verification = audit.verify(session)
        cases = session.scalar(select(func.count()).select_from(CaseRow))
    assert verification.intact and verification.entries == 12 + 4
    assert cases == 12
    rows = _rows(services)
    assert len(rows) == 2 * len(workers) and _files(services) == rows


def _file_in_one_group(services: Services, applications: dict[str, Application]) -> dict[str, object]:
    """File `applications` (by name) from one thread each while the SQLite writer is busy, so that they all wait for it
    and are committed by one group; what each filing returned or raised. The documents of every filing are on disk
    before the group runs."""
    context = services.context
    outcomes: dict[str, object] = {}

    def file(name: str) -> None:
        try:
            outcomes[name] = services.intake.file_application(applications[name], FILER)
        except Exception as error:
            outcomes[name] = error

    with context._write_lock:  # the writer is busy: the filings queue for it
        threads = [threading.Thread(target=file, args=(name,)) for name in applications]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + patience(30)
        while len(context._group) < len(applications) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(context._group) == len(applications), "the filings did not all wait for the writer"
        assert len(_files(services)) == 2 * len(applications), "each filing wrote its two documents before its group"
    for thread in threads:
        thread.join()
    return outcomes


def test_a_filing_failing_in_a_group_commit_leaves_nothing_and_the_others_commit_with_their_documents(tmp_path: Path) -> None:
    services = _sqlite_services(tmp_path)
    writer = services.context.write_sessions.kw["bind"]
    with writer.begin() as connection:  # the database refuses the documents of one claim, after its case and items
        connection.execute(
            text(
                "CREATE TRIGGER refuse_claim BEFORE INSERT ON documents "
                "WHEN (SELECT claim_number FROM cases WHERE id = NEW.case_id) = 'CTX-REFUSED' "
                "BEGIN SELECT RAISE(ABORT, 'documents of this claim refused'); END"
            )
        )
    names = ["ctx-a", "ctx-b", "ctx-refused", "ctx-c", "ctx-d"]
    applications = {name: _application(name) for name in names}
    applications["ctx-refused"] = applications["ctx-refused"].model_copy(update={"claim_number": "CTX-REFUSED"})
    commits: list[bool] = []
    event.listen(writer, "commit", lambda _connection: commits.append(True))
    outcomes = _file_in_one_group(services, applications)
    assert isinstance(outcomes["ctx-refused"], DBAPIError), "the failing filing raised to its own caller"
    assert "documents of this claim refused" in str(outcomes["ctx-refused"])
    filed = {name: outcomes[name] for name in names if name != "ctx-refused"}
    assert all(isinstance(result, FilingResult) and not result.duplicate for result in filed.values()), filed
    assert len(commits) == 1, "the four others were committed together, in one transaction"
    with services.context.sessions() as session:
        claims = sorted(session.scalars(select(CaseRow.claim_number)))
        case_ids = set(session.scalars(select(CaseRow.id)))
        verification = audit.verify(session)
    assert claims == ["CTX-1"] * 4, "the failing filing's case and items were rolled back with it"
    assert case_ids == {result.case.id for result in filed.values() if isinstance(result, FilingResult)}
    assert verification.intact and verification.entries == 4
    rows = _rows(services)
    assert len(rows) == 8 and _files(services) == rows, "the failing filing's files went at once; the others' stayed"
    assert services.context.settle_documents() == 0


def test_a_group_whose_commit_fails_answers_every_filing_with_the_error_and_leaves_no_file_once_settled(
    tmp_path: Path,
) -> None:
    services = _sqlite_services(tmp_path)
    writer = services.context.write_sessions.kw["bind"]

    def lose_commit(_connection: Any) -> None:
        raise OperationalError("COMMIT", {}, OSError("disk I/O error"))

    event.listen(writer, "commit", lose_commit)
    outcomes = _file_in_one_group(services, {name: _application(name) for name in ("ctx-e", "ctx-f", "ctx-g")})
    event.remove(writer, "commit", lose_commit)
    assert all(isinstance(outcome, OperationalError) for outcome in outcomes.values()), outcomes
    assert len(_files(services)) == 6, "a COMMIT was sent: its outcome decides, so the files wait"
    assert services.context.settle_documents() == 6, "no row committed: every file goes"
    assert _rows(services) == set() and _files(services) == set()
    with services.context.sessions() as session:
        assert session.scalar(select(func.count()).select_from(CaseRow)) == 0


def _file_soon_in_one_group(services: Services, names: list[str]) -> tuple[list[Filing], list[object]]:
    """File applications (by worker id) as the event loop's route does (`file_application_soon`), while the SQLite writer
    is busy: each request thread returns once the filing is queued, before any COMMIT; then the writer is let go and one
    group commits them. The filings, and what each one's answer got (its `Filed`, or its error)."""
    context = services.context

    async def file_all() -> tuple[list[Filing], list[object]]:
        loop = asyncio.get_running_loop()
        answers: list[asyncio.Future[Filed]] = [loop.create_future() for _ in names]
        with ThreadPoolExecutor(4) as threads, context._write_lock:  # the writer is busy
            filings = await asyncio.gather(
                *(
                    loop.run_in_executor(threads, services.intake.file_application_soon, _application(name), FILER, answer)
                    for name, answer in zip(names, answers, strict=True)
                )
            )
            assert len(context._group) == len(names), "every request thread went on with its filing queued"
            assert not any(answer.done() for answer in answers), "no filing is answered before its COMMIT"
            assert len(_files(services)) == 2 * len(names) and _rows(services) == set()
        return filings, list(await asyncio.gather(*answers, return_exceptions=True))

    return asyncio.run(file_all())


def test_filings_queued_from_an_event_loop_are_synced_by_their_group_and_committed_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = _sqlite_services(tmp_path)
    store = services.context.documents
    synced: list[Path] = []
    folders: list[Path] = []
    real_sync_file, real_sync_directory = uploads._sync_file, uploads._sync_directory
    monkeypatch.setattr(uploads, "_sync_file", lambda path: (real_sync_file(path), synced.append(path)))
    monkeypatch.setattr(uploads, "_sync_directory", lambda folder: (real_sync_directory(folder), folders.append(folder)))
    synced_at_commit: list[set[Path]] = []
    writer = services.context.write_sessions.kw["bind"]
    event.listen(writer, "commit", lambda _connection: synced_at_commit.append(set(synced)))
    names = [f"ctx-soon-{n}" for n in range(6)]
    filings, outcomes = _file_soon_in_one_group(services, names)
    assert all(isinstance(filed, Filed) and filed.new is not None for filed in outcomes), outcomes
    paths = {store.path(document_id) for filing in filings for document_id in filing.document_ids}
    assert synced_at_commit == [paths], "one COMMIT for the group, after every one of its files was synced"
    assert sorted(folders) == sorted({path.parent for path in paths}), "each folder of the group synced once"
    answers = [services.intake.answer(f, o, FILER) for f, o in zip(filings, outcomes, strict=True) if isinstance(o, Filed)]
    assert sorted(a.case.worker_id for a in answers if a is not None) == names
    rows = _rows(services)
    assert len(rows) == 12 and _files(services) == rows
    with services.context.sessions() as session:
        assert audit.verify(session).entries == 6
    services.context.close()


def test_filings_queued_whose_documents_cannot_be_synced_fail_and_leave_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = _sqlite_services(tmp_path)

    def failing_sync(_path: Path) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(uploads, "_sync_file", failing_sync)
    _, outcomes = _file_soon_in_one_group(services, ["ctx-eio-1", "ctx-eio-2"])
    assert all(isinstance(outcome, OSError) for outcome in outcomes), outcomes
    assert _rows(services) == set() and _files(services) == set(), "no COMMIT was sent: the files went at once"
    services.context.close()


def test_a_queued_group_whose_commit_fails_answers_each_filing_and_leaves_no_file_once_settled(tmp_path: Path) -> None:
    services = _sqlite_services(tmp_path)
    writer = services.context.write_sessions.kw["bind"]

    def lose_commit(_connection: Any) -> None:
        raise OperationalError("COMMIT", {}, OSError("disk I/O error"))

    event.listen(writer, "commit", lose_commit)
    _, outcomes = _file_soon_in_one_group(services, ["ctx-lost-1", "ctx-lost-2", "ctx-lost-3"])
    event.remove(writer, "commit", lose_commit)
    assert all(isinstance(outcome, OperationalError) for outcome in outcomes), outcomes
    assert len(_files(services)) == 6, "a COMMIT was sent: its outcome decides, so the files wait"
    assert services.context.settle_documents() == 6
    assert _rows(services) == set() and _files(services) == set()
    filed = services.intake.file_application(_application("ctx-lost-after"), FILER)  # a waiting caller leads again
    assert not filed.duplicate and len(_rows(services)) == 2
    services.context.close()


def test_a_process_owning_its_checkpoints_copies_its_commits_into_the_database_file_itself(tmp_path: Path) -> None:
    services = _sqlite_services(tmp_path)
    context = services.context

    def automatic_checkpoint() -> int:
        with context.write_sessions() as session:
            return int(session.scalar(text("PRAGMA wal_autocheckpoint")))

    def cases_in_the_database_file() -> int:
        copy = tmp_path / "copy.db"  # the database file alone, without its WAL: what a checkpoint copied there
        shutil.copyfile(tmp_path / "openimr.db", copy)
        try:
            with closing(sqlite3.connect(copy)) as connection:
                return int(connection.execute("SELECT count(*) FROM cases").fetchone()[0])
        except sqlite3.DatabaseError:  # copied while a checkpoint wrote it
            return -1
        finally:
            copy.unlink()

    context.own_checkpoints(0.05)
    assert automatic_checkpoint() == 0, "no COMMIT of the process checkpoints"
    services.intake.file_application(_application("ctx-checkpoint"), FILER)
    deadline = time.monotonic() + patience(30)
    while cases_in_the_database_file() != 1:  # far fewer pages than SQLite's automatic threshold (1,000)
        assert time.monotonic() < deadline, "the committed case never reached the database file"
        time.sleep(0.05)
    context.close()
    assert automatic_checkpoint() == 1000, "SQLite's automatic checkpoints are back once the process stops owning them"
