"""Read one document file into a `Document`: its text and, for a PDF, where each page starts.

Text encoding policy for .txt and .md files:

- a byte-order mark decides: UTF-8, UTF-16 (LE/BE) and UTF-32 with a BOM are decoded accordingly;
- otherwise the bytes must be UTF-8; if they are not, Windows-1252 (what Windows exports of letters use) is tried,
  and accepted only when every byte maps to a character;
- a NUL byte without a BOM, or control characters in more than 1% of the text, mean a binary file: an error;
- an empty (or whitespace-only) file is an error.

PDF text is taken page by page with PDFium; pages are joined with a newline, `Document.page_offsets` records where
each page starts, line ends become "\\n" and PDFium's hyphen-at-line-end marker (U+FFFE) becomes "-". A PDF that
cannot be opened (corrupt, truncated), needs a password, or has no text layer at all is an error, unless OCR is asked
for: then each page without a text layer is read by OCR (`openimr.documents.ocr`), images (PNG, TIFF, JPEG) are read
page by page, and `Document.ocr_pages` says which pages were.
"""

from __future__ import annotations

import codecs
import logging
from pathlib import Path
from typing import Literal

import pypdfium2 as pdfium

from openimr.documents.ocr import image_pages, recognise, render_page
from openimr.errors import OpenIMRError
from openimr.model import Document

log = logging.getLogger(__name__)

DocumentKind = Literal["pdf", "text", "markdown", "image"]
"""What a document's bytes are: a PDF, plain text, Markdown, or a scanned image (PNG, TIFF, JPEG)."""

SUPPORTED_SUFFIXES = frozenset({".pdf", ".txt", ".md"})
"""File suffixes `read_document` understands."""

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_ALLOWED_CONTROLS = frozenset("\t\n\r\f")
_MAX_CONTROL_SHARE = 0.01


def read_document(path: Path, doc_id: str | None = None) -> Document:
    """Read a .pdf, .txt or .md file into a `Document` (id defaults to the file's stem).

    Raises `OpenIMRError` naming the file for an unsupported suffix, an unreadable, empty or binary file, undecodable
    text, and a corrupt, truncated, password-protected or image-only PDF.
    """
    source = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise OpenIMRError(f"unsupported file type {path.suffix or '(none)'!r}; expected .pdf, .txt or .md", source)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise OpenIMRError(f"cannot read file ({error.strerror or error.__class__.__name__})", source) from None
    kind: DocumentKind = "pdf" if suffix == ".pdf" else "markdown" if suffix == ".md" else "text"
    document = read_document_bytes(data, kind, doc_id or path.stem, source)
    return document.model_copy(update={"path": source})


def read_document_bytes(data: bytes, kind: DocumentKind, doc_id: str, source: str, ocr: bool = False) -> Document:
    """Read a document received as bytes (an upload, a FHIR attachment) as a file of `kind` would be read; with `ocr`,
    pages without text (and images) are read by OCR.

    `source` names the document in errors; the errors are those of `read_document`.
    """
    if not data.strip():
        raise OpenIMRError("empty file", source)
    ocr_pages: list[int] = []
    if kind == "pdf":
        text, offsets, ocr_pages = _pdf_text(data, source, ocr)
    elif kind == "image":
        if not ocr:
            raise OpenIMRError("an image is read only by OCR", source)
        pages = [recognise(page, source) for page in image_pages(data, source)]
        text, offsets = _joined(pages)
        ocr_pages = list(range(len(pages)))
        if not text.strip():
            raise OpenIMRError("no text found in the image, even by OCR", source)
    else:
        text, offsets = _decode_text(data, source), [0]
    return Document(id=doc_id, type=kind, text=text, page_offsets=offsets, ocr_pages=ocr_pages)


def pages_for_ocr(data: bytes, kind: DocumentKind, source: str) -> int:
    """How many pages `read_document_bytes(..., ocr=True)` would read by OCR: a PDF's pages without a text layer, every
    page of an image, none of a text. Quick (nothing is recognised), so an upload can be checked at once and its OCR
    left to later; an unreadable PDF or image is the error `read_document_bytes` would raise."""
    if kind == "image":
        return sum(1 for _ in image_pages(data, source))
    return len(_pdf_pages(data, source, ocr=False)[1]) if kind == "pdf" else 0


def _decode_text(data: bytes, source: str) -> str:
    """Bytes of a text file as str, following the module's encoding policy."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _checked_text(data.decode(encoding), source)
            except UnicodeDecodeError:
                problem = f"undecodable text: not valid {encoding.upper()} despite its byte-order mark"
                raise OpenIMRError(problem, source) from None
    if b"\x00" in data:
        raise OpenIMRError("binary content (NUL bytes), not a text file", source)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise OpenIMRError("undecodable text: neither UTF-8 nor Windows-1252", source) from None
        log.debug("%s: not UTF-8, decoded as Windows-1252", source)
    return _checked_text(text, source)


def _checked_text(text: str, source: str) -> str:
    """`text` with CRLF/CR line ends made "\\n"; an error when it is binary junk or empty."""
    controls = sum(1 for ch in text if ch < " " and ch not in _ALLOWED_CONTROLS)
    if "\x00" in text or controls > _MAX_CONTROL_SHARE * len(text):
        raise OpenIMRError("binary content (control characters), not a text file", source)
    if not text.strip():
        raise OpenIMRError("empty file (no text)", source)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _joined(pages: list[str]) -> tuple[str, list[int]]:
    """Pages joined by newlines, and the offset where each starts."""
    offsets: list[int] = []
    position = 0
    for page_text in pages:
        offsets.append(position)
        position += len(page_text) + 1
    return "\n".join(pages), offsets


def _pdf_text(data: bytes, source: str, ocr: bool = False) -> tuple[str, list[int], list[int]]:
    """Text of a PDF, pages joined by newlines, the offset where each page starts, and the pages read by OCR."""
    pages, blank = _pdf_pages(data, source, ocr)
    if not pages:
        raise OpenIMRError("PDF has no pages", source)
    text, offsets = _joined([p.replace("\r\n", "\n").replace("\r", "\n").replace("\ufffe", "-") for p in pages])
    if not text.strip():
        if ocr:
            raise OpenIMRError("no text found in the PDF, even by OCR", source)
        raise OpenIMRError("PDF has no text layer (image-only or scanned: upload it to a case, where it is read by OCR)", source)
    return text, offsets, blank if ocr else []


def _pdf_pages(data: bytes, source: str, ocr: bool) -> tuple[list[str], list[int]]:
    """The text of each page of a PDF (as PDFium gives it), and the pages without a text layer: with `ocr`, read by OCR;
    without, left empty."""
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        raise OpenIMRError(_pdf_problem(str(error), data), source) from None
    try:
        pages: list[str] = []
        blank: list[int] = []
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            page_text = textpage.get_text_range()
            textpage.close()
            if not page_text.strip():
                blank.append(index)
                if ocr:
                    page_text = recognise(render_page(page), f"{source} page {index + 1}")
            pages.append(page_text)
            page.close()
    except pdfium.PdfiumError as error:
        raise OpenIMRError(f"corrupt PDF: cannot extract text ({error})", source) from None
    finally:
        pdf.close()
    return pages, blank


def _pdf_problem(message: str, data: bytes) -> str:
    """One-line description of why PDFium could not open `data`."""
    if "password" in message.lower():
        return "encrypted PDF (password required)"
    if not data.lstrip().startswith(b"%PDF"):
        return "not a PDF (no %PDF header)"
    if b"%%EOF" not in data[-2048:]:
        return "truncated PDF (no end-of-file marker)"
    return f"corrupt PDF ({message})"
