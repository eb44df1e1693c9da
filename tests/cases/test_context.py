"""Document files and their rows across database failures: a row that committed keeps its file whatever the request was
told, and a file goes only once its row certainly did not commit (its COMMIT has ended and no row has its id)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import ORMExecuteState
from tests.conftest import PrivatePostgres, synthetic_application

from openimr.cases import audit
from openimr.cases.domain import Actor, UserRole
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
        deadline = time.monotonic() + 30
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
        deadline = time.monotonic() + 30
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
