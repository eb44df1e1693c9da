"""OCR of scanned records: image-only PDFs and PNG, TIFF and JPEG images are read page by page by tesseract."""

from __future__ import annotations

import pytest
from tests.documents.scans import PAGES, scanned_image, scanned_pdf

from openimr.documents import read_document_bytes
from openimr.errors import OpenIMRError


def _words(text: str) -> str:
    return " ".join(text.lower().split())


def test_an_image_only_pdf_is_read_page_by_page_with_its_page_offsets() -> None:
    document = read_document_bytes(scanned_pdf(), "pdf", "scan", "scan.pdf", ocr=True)
    assert document.ocr_pages == [0, 1] and len(document.page_offsets) == 2
    second = document.text[document.page_offsets[1] :]
    first = document.text[: document.page_offsets[1]]
    assert "lumbar strain" in _words(first) and "radiating to the left leg" in _words(first)
    assert "cyclobenzaprine" in _words(second) and "physical therapy" in _words(second)
    assert "cyclobenzaprine" not in _words(first)


def test_without_ocr_an_image_only_pdf_is_refused() -> None:
    with pytest.raises(OpenIMRError, match="no text layer"):
        read_document_bytes(scanned_pdf(), "pdf", "scan", "scan.pdf")


@pytest.mark.parametrize(("fmt", "pages"), [("PNG", 1), ("JPEG", 1), ("TIFF", 2)])
def test_images_are_read_by_ocr(fmt: str, pages: int) -> None:
    document = read_document_bytes(scanned_image(fmt), "image", "scan", f"scan.{fmt.lower()}", ocr=True)
    assert document.ocr_pages == list(range(pages)) and len(document.page_offsets) == pages
    assert "progress report" in _words(document.text)
    if pages == 2:
        assert "six weeks" in _words(document.text[document.page_offsets[1] :])


def test_a_blank_scan_is_refused_clearly() -> None:
    with pytest.raises(OpenIMRError, match="no text found"):
        read_document_bytes(scanned_pdf([[]]), "pdf", "blank", "blank.pdf", ocr=True)
    assert PAGES
