"""Start-up recovery: the document files whose rows never committed are swept, and only when that is certain (no other
process uses the store, no transaction begun earlier is still running)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import select, text
from tests.conftest import synthetic_application

from openimr.cases.domain import Actor, UserRole
from openimr.cases.services import Services, open_services, recover
from openimr.cases.store import DocumentRow
from openimr.settings import Settings

FILER = Actor("recovery test", UserRole.INTAKE)
APPLICATION = synthetic_application("recovery-1", "REC-1", ur_decision="2026-10-01", received="2026-10-10")


def _orphan(services: Services) -> str:
    """A document file whose row never committed (its process died in between)."""
    return services.context.documents.save(b"Synthetic note never filed.", "note.txt").id


def test_recovery_removes_the_files_without_rows_and_half_written_ones_only(services: Services) -> None:
    filed = services.intake.file_application(APPLICATION, FILER).case.documents[0].id
    orphan = _orphan(services)
    documents = services.context.documents
    half_written = documents.path(str(uuid.uuid4()))  # written under its id, the process killed before its sync
    half_written.parent.mkdir(parents=True, exist_ok=True)
    half_written.write_bytes(b"half")
    earlier = documents.path(filed).parent / ".upload-crashed"  # a temporary file of an earlier version's write
    earlier.write_bytes(b"half")
    assert recover(services).removed == 3
    assert documents.path(filed).is_file() and not documents.path(orphan).exists()
    assert not half_written.exists() and not earlier.exists()
    with services.context.sessions() as session:
        assert set(session.scalars(select(DocumentRow.id))) == documents.stored_ids() == {filed}


def test_recovery_removes_nothing_while_another_process_uses_the_store(services: Services) -> None:
    orphan = _orphan(services)
    # flock locks belong to an open file, so the store opened again here conflicts as another process's would
    with services.context.documents.in_use():
        recovery = recover(services)
    assert recovery.removed == 0 and recovery.skipped == "another process is using the document store"
    assert services.context.documents.path(orphan).is_file()
    assert recover(services).removed == 1


@pytest.mark.postgres
def test_recovery_waits_for_transactions_begun_before_it(postgres_url: str, tmp_path: Path) -> None:
    services = open_services(Settings(db=postgres_url, data_dir=tmp_path / "data")).services
    orphan = _orphan(services)
    with services.context.write_sessions() as running:
        # a transaction that may still commit a row for the file (the process that began it may have died since)
        running.execute(text("SELECT pg_current_xact_id()"))
        recovery = recover(services, patience=0.3)
        assert recovery.removed == 0
        assert recovery.skipped == "database transactions begun earlier were still running after 0.3 s"
        assert services.context.documents.path(orphan).is_file()
        running.rollback()
    assert recover(services).removed == 1
    assert not services.context.documents.path(orphan).exists()
