"""Documents encrypted at rest with a key from the settings: unreadable on disk, read back exactly, a missing or wrong key
is a clear error and never garbage."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from tests.conftest import UR_DECISION_TEXT, case_with_records, synthetic_application
from typer.testing import CliRunner

from openimr.cases.domain import Actor, DocumentType, UserRole
from openimr.cases.schemas import Application
from openimr.cases.services import open_services
from openimr.cases.uploads import ENCRYPTED, ENCRYPTED_TEXT, DocumentKeyError, DocumentStore, generate_key
from openimr.cases.worker import Worker
from openimr.cli import app
from openimr.settings import Settings

ADMIN = Actor("encryption test", UserRole.ADMIN)
SECRET = b"Synthetic record: lumbar MRI shows L4-5 disc protrusion."


def test_a_document_is_stored_encrypted_and_read_back_exactly(tmp_path: Path) -> None:
    key = generate_key()
    settings = Settings(data_dir=tmp_path, document_key=key)
    services = open_services(settings).services
    application = Application.model_validate(
        {
            "worker_id": "w-enc",
            "claim_number": "c-enc",
            "signed": True,
            "dates": {"ur_decision": "2026-01-05"},
            "disputed_items": [{"request": "MRI lumbar spine"}],
            "documents": [{"type": "ur_decision", "text": "Synthetic UR decision."}],
        }
    )
    case = services.intake.file_application(application, ADMIN).case
    view = services.intake.add_document(case.id, SECRET, "mri.txt", DocumentType.MEDICAL_RECORD, None, ADMIN)
    on_disk = services.context.documents.path(view.id).read_bytes()
    assert on_disk.startswith(ENCRYPTED) and SECRET not in on_disk and b"L4-5" not in on_disk
    assert services.intake.document(case.id, view.id, ADMIN)[1] == SECRET

    with pytest.raises(DocumentKeyError, match="set OPENIMR_DOCUMENT_KEY"):
        open_services(Settings(data_dir=tmp_path))
    with pytest.raises(DocumentKeyError, match="not the key it was stored with"):
        open_services(Settings(data_dir=tmp_path, document_key=generate_key()))
    with pytest.raises(DocumentKeyError, match="not a Fernet key"):
        open_services(Settings(data_dir=tmp_path, document_key="not-a-key"))
    with pytest.raises(DocumentKeyError, match="not the key it was stored with"):
        DocumentStore(services.context.documents.root, key=generate_key()).read(view.id)


def test_documents_stored_before_a_key_was_set_stay_readable(tmp_path: Path) -> None:
    plain = DocumentStore(tmp_path)
    before = plain.save(b"Synthetic note before encryption.", "note.txt")
    keyed = DocumentStore(tmp_path, key=generate_key())
    after = keyed.save(b"Synthetic note after encryption.", "note.txt")
    assert keyed.read(before.id) == b"Synthetic note before encryption."
    assert keyed.read(after.id) == b"Synthetic note after encryption."
    assert after.text == "Synthetic note after encryption.", "the text is read before encryption"


def test_the_command_line_refuses_a_wrong_key_in_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    key = runner.invoke(app, ["keys", "generate"]).stdout.strip()
    store = DocumentStore(tmp_path / "documents", key=key)
    store.save(b"Synthetic note.", "note.txt")
    result = runner.invoke(app, ["users", "list", "--data-dir", str(tmp_path)], env={"OPENIMR_DOCUMENT_KEY": generate_key()})
    assert result.exit_code != 0 and "not the key it was stored with" in str(result.exception)


RECORD = "Synthetic progress report: cyclobenzaprine daily for six months, no functional improvement noted."


def test_extracted_text_is_encrypted_in_the_database_and_read_back_for_the_reviewer_and_the_engine(
    settings: Settings, database_url: str
) -> None:
    key = generate_key()
    services = open_services(Settings(db=database_url, data_dir=settings.data_dir, document_key=key)).services
    case = case_with_records(services, synthetic_application("w-text", "c-text", record=RECORD), ADMIN)
    raw = create_engine(database_url)
    with raw.connect() as connection:
        kept = dict(connection.execute(text("SELECT id, text FROM documents WHERE case_id = :c"), {"c": case.id}).all())
        every_text = " ".join(str(v) for row in connection.execute(text("SELECT * FROM documents")) for v in row)
    raw.dispose()
    assert len(kept) == 2 and all(value.startswith(ENCRYPTED_TEXT) for value in kept.values())
    assert "cyclobenzaprine daily" not in every_text and UR_DECISION_TEXT not in every_text
    assert sorted(t for _, t in services.cases.records(case.id, ADMIN)) == sorted([RECORD, UR_DECISION_TEXT])
    assert Worker(services, "w1").run_once() is True
    assert services.cases.get(case.id, ADMIN).state == "drafted", "the engine read the decrypted records"

    document_id, sealed = next(iter(kept.items()))
    with pytest.raises(DocumentKeyError, match="not the key it was stored with"):
        DocumentStore(services.context.documents.root, key=generate_key()).open_text(sealed, document_id)
    with pytest.raises(DocumentKeyError, match="set OPENIMR_DOCUMENT_KEY"):
        DocumentStore(services.context.documents.root).open_text(sealed, document_id)


def test_text_kept_before_a_key_was_set_stays_readable(tmp_path: Path) -> None:
    keyed = DocumentStore(tmp_path, key=generate_key())
    assert keyed.open_text("Synthetic note kept in clear.", "d") == "Synthetic note kept in clear."
    sealed = keyed.seal_text("Synthetic note.")
    assert sealed.startswith(ENCRYPTED_TEXT) and "Synthetic" not in sealed
    assert keyed.open_text(sealed, "d") == "Synthetic note."
    assert DocumentStore(tmp_path).seal_text("Synthetic note.") == "Synthetic note.", "no key: kept as given"
