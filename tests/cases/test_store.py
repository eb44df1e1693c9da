"""The store: migrations, SQLite in WAL mode, append-only tables, version columns that refuse a stale write."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError

from openimr.cases import store
from openimr.cases.domain import Actor, UserRole
from openimr.cases.schemas import ReviewerProfile
from openimr.cases.services import Services
from openimr.cases.store import APPEND_ONLY_TABLES, AuditRow, Base, ReviewerRow, make_engine, upgrade
from openimr.settings import Settings

ADMIN = Actor("store test", UserRole.ADMIN)
PROFILE = ReviewerProfile(
    name="Dr Store",
    licensure=["CA"],
    board_certifications=["Occupational Medicine"],
    years_in_practice=9,
    practice_hours_per_week=40,
)


def test_migrations_are_idempotent_and_create_every_table(services: Services, settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    upgrade(engine)
    with engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        assert version == ScriptDirectory(str(Path(store.__file__).parent / "migrations")).get_current_head()
        for table in (
            "cases",
            "items",
            "item_revisions",
            "drafts",
            "documents",
            "letters",
            "reviewers",
            "users",
            "tokens",
            "audit_head",
            *APPEND_ONLY_TABLES,
        ):
            connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_the_migrated_schema_is_the_models(services: Services, settings: Settings) -> None:
    """Every column and table the models declare is what the migrations create (comments and server defaults aside)."""
    with make_engine(settings.database_url).connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    kinds = {"add_column", "remove_column", "add_table", "remove_table", "modify_nullable", "modify_type"}
    flat = [d for group in differences for d in (group if isinstance(group, list) else [group])]
    assert [d for d in flat if d[0] in kinds] == []


def test_sqlite_runs_in_wal_mode(services: Services, settings: Settings) -> None:
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    with make_engine(settings.database_url).connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"


def _open_when(url: str, go: Path, failures: Any) -> None:
    """Open the database at `url` through `make_engine` as soon as `go` exists; put any error on `failures`."""
    while not go.exists():
        time.sleep(0.0005)
    try:
        engine = make_engine(url)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1")).scalar_one()
        engine.dispose()
    except Exception as error:
        failures.put(f"{error.__class__.__name__}: {error}")


def test_processes_opening_one_new_sqlite_database_together_all_open_it(tmp_path: Path) -> None:
    """Four processes open a new database file at one moment, round after round: each puts it in WAL mode (only the
    first changes it), and none fails with "database is locked" (SQLite's change of journal mode does not wait for the
    busy timeout; it failed about one round in ten before the engine waited for it)."""
    forking = multiprocessing.get_context("fork")
    failures = forking.Queue()
    for round_ in range(40):
        url, go = f"sqlite:///{tmp_path / f'new{round_}.sqlite'}", tmp_path / f"go{round_}"
        openers = [forking.Process(target=_open_when, args=(url, go, failures)) for _ in range(4)]
        for opener in openers:
            opener.start()
        time.sleep(0.05)  # the four are waiting for `go`
        go.touch()
        for opener in openers:
            opener.join(timeout=120)
        assert all(opener.exitcode == 0 for opener in openers)
        assert failures.empty(), (round_, failures.get())


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"])
def test_the_audit_log_is_append_only(services: Services, statement: str) -> None:
    services.reviewers.add(PROFILE, ADMIN)
    with services.context.sessions() as session:
        assert session.query(AuditRow).count() == 1
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement))
            session.commit()
        session.rollback()
        assert session.query(AuditRow).one().actor == ADMIN.name


def test_a_write_on_a_stale_version_is_refused(services: Services) -> None:
    reviewer_id = services.reviewers.add(PROFILE, ADMIN).id
    with services.context.sessions() as reading:
        theirs = reading.get(ReviewerRow, reviewer_id)
        assert theirs is not None
        reading.expunge(theirs)
    with services.context.write_sessions() as first:
        mine = first.get(ReviewerRow, reviewer_id)
        assert mine is not None
        mine.name = "Dr First"
        first.commit()
    with services.context.write_sessions() as second:
        second.add(theirs)
        theirs.name = "Dr Second"
        with pytest.raises(StaleDataError):
            second.commit()
    with services.context.sessions() as session:
        row = session.get(ReviewerRow, reviewer_id)
        assert row is not None and row.name == "Dr First" and row.version == 2
