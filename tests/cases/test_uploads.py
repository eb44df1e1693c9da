"""Reading an upload without storing it (the web app's pre-submission check): checked by content exactly as a stored
upload is, read to text, and nothing written."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from openimr.cases.errors import UnsupportedDocument, UploadTooLarge
from openimr.cases.uploads import PDF, TEXT, DocumentStore, declares_pdf

RECORD = "Synthetic progress note: lumbar strain, home exercise program continued."


def test_an_upload_is_read_and_nothing_is_stored(tmp_path: Path) -> None:
    from weasyprint import HTML

    store = DocumentStore(tmp_path / "documents")
    text = store.read_upload(RECORD.encode(), "note.txt")
    assert (text.media_type, text.document.text.strip()) == (TEXT, RECORD)
    pdf = store.read_upload(bytes(HTML(string=f"<p>{RECORD}</p>").write_pdf()), "note.pdf", declared_pdf=True)
    assert pdf.media_type == PDF and "home exercise program" in pdf.document.text and pdf.document.page_offsets == [0]
    assert not (tmp_path / "documents").exists() or not any((tmp_path / "documents").rglob("*"))


def test_an_upload_is_refused_as_a_stored_one_would_be(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path, max_bytes=100)
    with pytest.raises(UploadTooLarge, match=r"^big\.txt: 101 bytes is over the limit of 100 bytes"):
        store.read_upload(b"x" * 101, "big.txt")
    with pytest.raises(UnsupportedDocument, match=r"^fake\.pdf: declared a PDF"):
        store.read_upload(RECORD.encode(), "fake.pdf", declared_pdf=declares_pdf("fake.pdf", "text/plain"))
    with pytest.raises(UnsupportedDocument, match="not a readable PDF"):
        store.read_upload(b"%PDF-1.7\n" + bytes(50), "broken.pdf")
    assert declares_pdf("scan.PDF", None) and declares_pdf(None, "Application/PDF") and not declares_pdf("a.txt", TEXT)


def test_documents_written_together_are_all_stored_or_none(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path / "documents")
    folder = store.folder_now()
    first = store.prepare(f"{RECORD} (1)".encode(), "note1.txt", folder=folder)
    second = store.prepare(f"{RECORD} (2)".encode(), "note2.txt", folder=folder)
    assert store.path(second.document.id).parent == store.path(first.document.id).parent == store.root / folder
    assert second.document.id != first.document.id and uuid.UUID(second.document.id).version == 4
    store.write([first, second])
    assert [store.read(p.document.id) for p in (first, second)] == [p.payload for p in (first, second)]
    third = store.prepare(RECORD.encode(), "note3.txt")
    fourth = store.prepare(RECORD.encode(), "note4.txt")
    store.path(fourth.document.id).mkdir(parents=True)  # a folder where the fourth's file should be: it cannot be made
    with pytest.raises(FileExistsError):
        store.write([third, fourth])
    assert not store.path(third.document.id).exists(), "the third, written first, was removed with the fourth"
    assert store.stored_ids() == {first.document.id, second.document.id}
    assert sorted(p.name for p in (tmp_path / "documents").rglob("*") if p.is_file()) == sorted(store.stored_ids())
