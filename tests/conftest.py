"""Shared fixtures: where the shared corpus lives, the case store's databases (SQLite and PostgreSQL), and a corpus of
the shared letters on each.

PostgreSQL comes from `OPENIMR_TEST_POSTGRES_URL` (scripts/test starts a throwaway cluster and sets it). Without it the
postgres tests skip locally, and FAIL under CI=true so a missing install step cannot hide.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from openimr.cases.domain import Actor
from openimr.cases.schemas import Application, AssignRequest, CaseView, ReviewerProfile, ScreeningRequest
from openimr.cases.services import Services, open_services
from openimr.corpus.ingest import add_records
from openimr.corpus.records import read_record
from openimr.corpus.store import Corpus
from openimr.model import Determination
from openimr.settings import Settings

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DWC_LETTERS = SHARED / "data" / "dwc_letters"
SEEDS = SHARED / "seeds"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The `../shared` folder beside the checkout; tests that need it fail loudly when it is missing."""
    assert SHARED.is_dir(), f"../shared not found at {SHARED}"
    return SHARED


POSTGRES_ENV = "OPENIMR_TEST_POSTGRES_URL"


def postgres_admin_url() -> str:
    """The PostgreSQL server to test against; fails under CI, skips elsewhere, when there is none."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{POSTGRES_ENV} is not set under CI: PostgreSQL was not installed or started")
        pytest.skip(f"{POSTGRES_ENV} not set (scripts/test starts a throwaway PostgreSQL)")
    return url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the test server, dropped afterwards."""
    admin = postgres_admin_url()
    name = f"openimr_test_{uuid.uuid4().hex[:12]}"
    engine: Engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # a server that is not reachable must not pass silently
        pytest.fail(f"PostgreSQL at {make_url(admin).render_as_string(hide_password=True)} is not reachable: {error}")
    yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def free_port() -> int:
    """A loopback TCP port free at the moment."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class PrivatePostgres:
    """A PostgreSQL cluster of one test's own, so that it can be stopped and started again."""

    url: str
    stop: Callable[[], None]
    start: Callable[[], None]


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL cluster of this test's own (initdb into a temporary folder, loopback port, trust auth)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not found:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("PostgreSQL is not installed (scripts/setup --dev installs it)")
        pytest.skip("PostgreSQL is not installed")
    bin_dir = found[-1].parent
    root = Path(tempfile.mkdtemp(prefix="openimr-faultpg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    subprocess.run(
        [*as_user, str(bin_dir / "initdb"), "-D", str(root / "data"), "-U", "postgres", "-A", "trust", "--no-sync"],
        check=True,
        capture_output=True,
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off -c max_connections=100"
    pg_ctl = [*as_user, str(bin_dir / "pg_ctl"), "-D", str(root / "data")]

    def start() -> None:
        subprocess.run([*pg_ctl, "-l", str(root / "log"), "-w", "-s", "-o", options, "start"], check=True)

    def stop() -> None:
        subprocess.run([*pg_ctl, "-m", "fast", "-w", "-s", "stop"], check=True)

    start()
    try:
        yield PrivatePostgres(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", stop, start)
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "-s", "stop"], check=False)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database URL of each backend: a SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'openimr.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings over the backend at hand, with a small upload limit so oversize is cheap to test."""
    return Settings(db=database_url, data_dir=tmp_path / "data", max_upload_bytes=2 * 1024 * 1024)


@pytest.fixture
def services(settings: Settings) -> Services:
    """The services over a migrated database of the backend at hand."""
    return open_services(settings).services


# -- the corpus of the shared letters (their text is read at run time, never copied into the tests) ----------------
def letter_files() -> list[Path]:
    """The 97 DWC letters and the five seeds."""
    return [*sorted((DWC_LETTERS / "pdf").glob("*.pdf")), *sorted(SEEDS.glob("*.txt"))]


def gold_letters() -> list[dict[str, Any]]:
    """Every gold record of the shared letters and seeds."""
    lines = [*(DWC_LETTERS / "gold.jsonl").read_text().splitlines(), *(SEEDS / "gold.jsonl").read_text().splitlines()]
    return [json.loads(line) for line in lines if line.strip()]


def gold_date(value: str | None) -> dt.date | None:
    """A gold mm/dd/yyyy date."""
    return dt.datetime.strptime(value, "%m/%d/%Y").date() if value else None


@pytest.fixture(scope="session")
def shared_records() -> list[Determination]:
    """Every shared letter parsed and classified (two processes)."""
    with ProcessPoolExecutor(max_workers=2) as pool:
        return list(pool.map(read_record, letter_files()))


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for the session's shared corpus, dropped afterwards."""
    admin = postgres_admin_url()
    name = f"openimr_corpus_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_corpus(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, shared_records: list[Determination]
) -> Iterator[Corpus]:
    """A corpus of every shared letter, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('corpus') / 'openimr.db'}"
    else:
        url = str(request.getfixturevalue("postgres_database"))
    corpus = Corpus.open(url)
    add_records(corpus, shared_records)
    yield corpus
    corpus.close()


UR_DECISION_TEXT = "Synthetic UR decision: non-certified."


def synthetic_application(
    worker_id: str,
    claim_number: str,
    *,
    request: str = "Cyclobenzaprine 7.5mg #90",
    ur_decision: str = "2026-01-05",
    received: str = "2026-01-15",
    record: str | None = None,
) -> Application:
    """A signed application for one disputed item, with a synthetic UR decision and, if given, a progress report."""
    documents: list[dict[str, str]] = [{"type": "ur_decision", "text": UR_DECISION_TEXT}]
    if record is not None:
        documents.append({"type": "progress_report", "text": record})
    return Application.model_validate(
        {
            "worker_id": worker_id,
            "claim_number": claim_number,
            "signed": True,
            "dates": {"ur_decision": ur_decision, "application_received": received},
            "disputed_items": [{"request": request}],
            "documents": documents,
        }
    )


def add_reviewer(services: Services, actor: Actor) -> None:
    """A new reviewer in the pool, free to take any synthetic case."""
    services.reviewers.add(
        ReviewerProfile(
            name="Dr Synthetic",
            licensure=["CA"],
            board_certifications=["Physical Medicine and Rehabilitation"],
            years_in_practice=10,
            practice_hours_per_week=40,
        ),
        actor,
    )


def case_with_records(services: Services, application: Application, actor: Actor) -> CaseView:
    """`application` filed, screened and assigned to a new reviewer, its records complete (its drafting queued)."""
    add_reviewer(services, actor)
    case_id = services.intake.file_application(application, actor).case.id
    services.screening.screen(case_id, ScreeningRequest(), actor)
    services.assignment.assign(case_id, AssignRequest(), actor)
    return services.drafting.complete_records(case_id, actor)


def tamper_with_audit_log(services: Services, statement: str, **params: Any) -> None:
    """Change the audit log behind the application's back: lift the append-only trigger, run `statement`."""
    with services.context.write_sessions() as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        session.execute(
            text(
                "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only" if postgres else "DROP TRIGGER audit_log_no_update"
            )
        )
        if not postgres:
            session.execute(text("DROP TRIGGER audit_log_no_delete"))
        session.execute(text(statement), params)
        session.commit()
