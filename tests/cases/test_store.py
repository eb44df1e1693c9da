"""The store: migrations, SQLite in WAL mode, append-only tables, version columns that refuse a stale write."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError

from openimr.api.app import Settings
from openimr.cases import store
from openimr.cases.schemas import ReviewerProfile, UserRole
from openimr.cases.service import Actor, Workflow
from openimr.cases.store import APPEND_ONLY_TABLES, AuditRow, Base, ReviewerRow, make_engine, upgrade

ADMIN = Actor("store test", UserRole.ADMIN)
PROFILE = ReviewerProfile(
    name="Dr Store",
    licensure=["CA"],
    board_certifications=["Occupational Medicine"],
    years_in_practice=9,
    practice_hours_per_week=40,
)


def test_migrations_are_idempotent_and_create_every_table(workflow: Workflow, settings: Settings) -> None:
    engine = make_engine(settings.url())
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
            *APPEND_ONLY_TABLES,
        ):
            connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_the_migrated_schema_is_the_models(workflow: Workflow, settings: Settings) -> None:
    """Every column and table the models declare is what the migrations create (comments and server defaults aside)."""
    with make_engine(settings.url()).connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    kinds = {"add_column", "remove_column", "add_table", "remove_table", "modify_nullable", "modify_type"}
    flat = [d for group in differences for d in (group if isinstance(group, list) else [group])]
    assert [d for d in flat if d[0] in kinds] == []


def test_sqlite_runs_in_wal_mode(workflow: Workflow, settings: Settings) -> None:
    if not settings.url().startswith("sqlite"):
        pytest.skip("SQLite only")
    with make_engine(settings.url()).connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"])
def test_the_audit_log_is_append_only(workflow: Workflow, statement: str) -> None:
    workflow.add_reviewer(PROFILE, ADMIN)
    with workflow.sessions() as session:
        assert session.query(AuditRow).count() == 1
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement))
            session.commit()
        session.rollback()
        assert session.query(AuditRow).one().actor == ADMIN.name


def test_a_write_on_a_stale_version_is_refused(workflow: Workflow) -> None:
    reviewer_id = workflow.add_reviewer(PROFILE, ADMIN).id
    with workflow.sessions() as first, workflow.sessions() as second:
        mine = first.get(ReviewerRow, reviewer_id)
        theirs = second.get(ReviewerRow, reviewer_id)
        assert mine is not None and theirs is not None
        mine.name = "Dr First"
        first.commit()
        theirs.name = "Dr Second"
        with pytest.raises(StaleDataError):
            second.commit()
    with workflow.sessions() as session:
        row = session.get(ReviewerRow, reviewer_id)
        assert row is not None and row.name == "Dr First" and row.version == 2
