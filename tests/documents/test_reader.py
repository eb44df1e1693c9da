"""`read_document` reads PDFs, text and Markdown, and turns every unreadable input into one clear error."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from openimr.documents import read_document
from openimr.errors import OpenIMRError

from .pdf_samples import encrypted_pdf, image_only_pdf


@pytest.fixture(scope="module")
def dwc_pdfs(shared_dir: Path) -> list[Path]:
    pdfs = sorted((shared_dir / "data" / "dwc_letters" / "pdf").glob("*.pdf"))
    assert len(pdfs) == 97
    return pdfs


def test_pdf_text_has_pages_and_no_extraction_artefacts(dwc_pdfs: list[Path]) -> None:
    for path in dwc_pdfs[:10]:
        document = read_document(path)
        assert document.id == path.stem and document.type == "pdf" and document.path == str(path)
        assert document.page_offsets[0] == 0
        assert document.page_offsets == sorted(document.page_offsets)
        assert len(document.page_offsets) >= 1 and document.page_offsets[-1] <= len(document.text)
        assert "\r" not in document.text and "\ufffe" not in document.text
        assert "Case Number:" in document.text


def test_every_page_offset_starts_its_page_text(dwc_pdfs: list[Path]) -> None:
    document = read_document(next(p for p in dwc_pdfs if len(read_document(p).page_offsets) > 1))
    for offset in document.page_offsets[1:]:
        assert document.text[offset - 1] == "\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"Case summary: plain ASCII\n", "Case summary: plain ASCII\n"),
        ("Résumé — UTF-8\r\n".encode(), "Résumé — UTF-8\n"),
        ("\ufeffWith a UTF-8 BOM\n".encode(), "With a UTF-8 BOM\n"),
        ("UTF-16 with BOM: café\n".encode("utf-16"), "UTF-16 with BOM: café\n"),
        ("UTF-16-BE with BOM\n".encode("utf-16-be").join([b"\xfe\xff", b""]), "UTF-16-BE with BOM\n"),
        ("Windows-1252 “quotes” and café\n".encode("cp1252"), "Windows-1252 “quotes” and café\n"),
    ],
)
def test_text_encodings(tmp_path: Path, data: bytes, expected: str) -> None:
    path = tmp_path / "letter.txt"
    path.write_bytes(data)
    document = read_document(path, doc_id="x")
    assert document.text == expected and document.id == "x" and document.type == "text"
    assert document.page_offsets == [0]


def test_markdown_is_text_of_type_markdown(tmp_path: Path) -> None:
    path = tmp_path / "letter.md"
    path.write_text("### HEADING\n\nbody\n", encoding="utf-8")
    assert read_document(path).type == "markdown"


def _bad(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(OpenIMRError) as caught:
        read_document(path)
    message = str(caught.value)
    assert message.startswith(str(path)) and "\n" not in message
    return message


def test_truncated_pdf(tmp_path: Path, dwc_pdfs: list[Path]) -> None:
    data = dwc_pdfs[0].read_bytes()
    for fraction in (0.2, 0.5, 0.9):
        assert "truncated PDF" in _bad(tmp_path, "cut.pdf", data[: int(len(data) * fraction)])


def test_random_bytes_named_pdf(tmp_path: Path) -> None:
    noise = random.Random(7).randbytes(4000)
    assert "not a PDF" in _bad(tmp_path, "noise.pdf", noise)


def test_corrupt_pdf_with_header_and_end_marker(tmp_path: Path) -> None:
    noise = b"%PDF-1.7\n" + random.Random(3).randbytes(3000) + b"\n%%EOF\n"
    assert "corrupt PDF" in _bad(tmp_path, "junk.pdf", noise)


def test_encrypted_pdf(tmp_path: Path) -> None:
    assert "encrypted PDF" in _bad(tmp_path, "locked.pdf", encrypted_pdf())


def test_image_only_pdf(tmp_path: Path) -> None:
    assert "no text layer" in _bad(tmp_path, "scan.pdf", image_only_pdf())


def test_empty_files(tmp_path: Path) -> None:
    for name in ("empty.txt", "empty.md", "empty.pdf"):
        assert "empty file" in _bad(tmp_path, name, b"")
    assert "empty file" in _bad(tmp_path, "blank.txt", b" \n\t\n")


def test_binary_file_named_txt(tmp_path: Path) -> None:
    assert "binary content" in _bad(tmp_path, "binary.txt", os.urandom(2000) + b"\x00")
    assert "binary content" in _bad(tmp_path, "controls.txt", bytes(range(1, 9)) * 50)


def test_undecodable_text(tmp_path: Path) -> None:
    # 0x81 and 0x8D are undefined in Windows-1252 and invalid as UTF-8 here.
    assert "undecodable text" in _bad(tmp_path, "odd.txt", b"letter text \x81\x8d more text")
    assert "undecodable text" in _bad(tmp_path, "broken16.txt", b"\xff\xfe" + b"a\x00b")


def test_unsupported_suffix_and_missing_file(tmp_path: Path) -> None:
    assert "unsupported file type '.docx'" in _bad(tmp_path, "letter.docx", b"PK\x03\x04")
    with pytest.raises(OpenIMRError, match="cannot read file"):
        read_document(tmp_path / "absent.txt")
