"""Backup and restore: backup, more writes, restore, and the store is as it was at backup time."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from openimr.cases import audit
from openimr.cases.backup import backup, restore
from openimr.cases.domain import Actor, DocumentType, UserRole
from openimr.cases.schemas import Application
from openimr.cases.services import Services, open_services
from openimr.cli import app
from openimr.errors import OpenIMRError
from openimr.settings import Settings

ADMIN = Actor("backup test", UserRole.ADMIN)


def _file(services: Services, n: int) -> int:
    application = Application.model_validate(
        {
            "worker_id": f"w-backup-{n}",
            "claim_number": f"c-backup-{n}",
            "signed": True,
            "dates": {"ur_decision": "2026-01-05", "application_received": "2026-01-15"},
            "disputed_items": [{"request": "Naproxen 550mg #60"}],
            "documents": [{"type": "ur_decision", "text": f"Synthetic UR decision {n}."}],
        }
    )
    return services.intake.file_application(application, ADMIN).case.id


def _state(services: Services) -> tuple[list[int], set[str]]:
    cases = [c.id for c in services.cases.search(ADMIN, limit=500)]
    return cases, services.context.documents.stored_ids()


def test_backup_then_more_writes_then_restore_gives_the_state_at_backup_time(
    services: Services, settings: Settings, tmp_path: Path
) -> None:
    first = _file(services, 1)
    services.intake.add_document(first, b"Synthetic progress note.", "note.txt", DocumentType.PROGRESS_REPORT, None, ADMIN)
    at_backup = _state(services)
    report = backup(settings.database_url, services.context.documents, tmp_path / "backup")
    assert report.documents == 2 and report.rows["cases"] == 1 and report.rows["audit_log"] == 2
    later = _file(services, 2)
    services.intake.add_document(first, b"A later note.", "later.txt", DocumentType.PROGRESS_REPORT, None, ADMIN)
    assert _state(services) != at_backup
    services.context.sessions.kw["bind"].dispose()
    restored = restore(tmp_path / "backup", settings.database_url, services.context.documents)
    assert restored.documents == 2
    after = open_services(settings).services
    assert _state(after) == at_backup
    with pytest.raises(Exception, match="no such case"):
        after.cases.get(later, ADMIN)
    for document in after.cases.get(first, ADMIN).documents:
        assert after.intake.document(first, document.id, ADMIN)[1], "every document of the backup reads back"
    with after.context.sessions() as session:
        assert audit.verify(session).intact
    assert _file(after, 3) > first, "new rows get new ids after a restore"


def test_a_backup_refuses_an_existing_folder_and_a_restore_a_folder_that_is_no_backup(services: Services, tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "something").write_text("x")
    url = services.context.sessions.kw["bind"].url.render_as_string(hide_password=False)
    with pytest.raises(OpenIMRError, match="already exists"):
        backup(url, services.context.documents, tmp_path / "taken")
    with pytest.raises(OpenIMRError, match="not an openimr backup"):
        restore(tmp_path / "taken", url, services.context.documents)


def test_a_restore_is_refused_while_a_server_uses_the_store_and_changes_nothing(services: Services, tmp_path: Path) -> None:
    _file(services, 1)
    url = services.context.sessions.kw["bind"].url.render_as_string(hide_password=False)
    backup(url, services.context.documents, tmp_path / "backup")
    later = _file(services, 2)
    at_refusal = _state(services)
    refused = pytest.raises(OpenIMRError, match=r"a server \(imr serve\) is using its document store: stop it")
    with services.context.documents.in_use(), refused:  # what `imr serve` holds for as long as it serves
        restore(tmp_path / "backup", url, services.context.documents)
    assert _state(services) == at_refusal and services.cases.get(later, ADMIN).id == later


def test_imr_db_backup_and_restore_from_the_command_line(database_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    data = ["--data-dir", str(tmp_path / "data"), "--db", database_url]
    assert runner.invoke(app, ["users", "add", "bea", "--role", "admin", *data]).exit_code == 0
    made = runner.invoke(app, ["db", "backup", str(tmp_path / "b"), *data])
    assert made.exit_code == 0 and "backed up" in made.stdout, made.output
    assert runner.invoke(app, ["users", "add", "later", "--role", "admin", *data]).exit_code == 0
    refused = runner.invoke(app, ["db", "restore", str(tmp_path / "b"), *data])
    assert refused.exit_code != 0 and "--yes" in str(refused.exception)
    done = runner.invoke(app, ["db", "restore", str(tmp_path / "b"), "--yes", *data])
    assert done.exit_code == 0, done.output
    users = runner.invoke(app, ["users", "list", *data]).stdout
    assert "bea" in users and "later" not in users
