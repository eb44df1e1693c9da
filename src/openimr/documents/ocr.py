"""Optical character recognition of scanned records: Debian's `tesseract-ocr` through `pytesseract`, page by page.

Faxed and scanned records arrive as image-only PDFs or as PNG, TIFF (often several pages) or JPEG images. Each page
without a text layer is rendered at 300 dpi and read; a page that has a text layer keeps it. The caller learns which
pages were read by OCR.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pypdfium2 as pdfium
import pytesseract
from PIL import Image, ImageSequence, UnidentifiedImageError

from openimr.errors import OpenIMRError

RENDER_DPI = 300
LANGUAGE = "eng"
IMAGE_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"II*\x00": "image/tiff",
    b"MM\x00*": "image/tiff",
}
"""The image formats of scanned records, by their first bytes."""


def image_media_type(data: bytes) -> str | None:
    """The media type of a scanned image by its signature, or None."""
    return next((kind for signature, kind in IMAGE_SIGNATURES.items() if data.startswith(signature)), None)


def recognise(image: Image.Image, source: str) -> str:
    """The text of one page image."""
    try:
        text = pytesseract.image_to_string(image.convert("L"), lang=LANGUAGE)
    except pytesseract.TesseractNotFoundError:
        raise OpenIMRError("reading a scanned record needs Debian's tesseract-ocr (scripts/setup installs it)", source) from None
    except pytesseract.TesseractError as error:
        raise OpenIMRError(f"OCR failed ({error.message or error.status})", source) from None
    return str(text).replace("\f", "").strip("\n")


def image_pages(data: bytes, source: str) -> Iterator[Image.Image]:
    """The pages of a PNG, JPEG or (multi-page) TIFF image."""
    try:
        image = Image.open(io.BytesIO(data))
        for frame in ImageSequence.Iterator(image):
            yield frame.copy()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise OpenIMRError(f"unreadable image ({error})", source) from None


def render_page(page: pdfium.PdfPage) -> Image.Image:
    """A PDF page as an image at `RENDER_DPI`."""
    image: Image.Image = page.render(scale=RENDER_DPI / 72, grayscale=True).to_pil()
    return image
