"""Documents encrypted at rest with a key from the settings: unreadable on disk, read back exactly, a missing or wrong key
is a clear error and never garbage."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from openimr.cases.domain import Actor, DocumentType, UserRole
from openimr.cases.schemas import Application
from openimr.cases.services import open_services
from openimr.cases.uploads import ENCRYPTED, DocumentKeyError, DocumentStore, generate_key
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
