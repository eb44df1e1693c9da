"""Synthetic scanned records for the OCR tests: typed text drawn onto page images, saved as image-only PDFs or images."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
PAGES = [
    [
        "PRIMARY TREATING PHYSICIAN PROGRESS REPORT",
        "Diagnosis: lumbar strain with radiculopathy.",
        "The patient reports low back pain radiating to the left leg.",
    ],
    [
        "Medications: cyclobenzaprine 7.5 mg three times daily.",
        "Plan: request physical therapy twice weekly for six weeks.",
    ],
]
"""A synthetic two-page record (no real patient)."""


def page_image(lines: list[str], dpi: int = 200) -> Image.Image:
    """One letter-size page with the lines typed on it, as a scanner would produce it (grayscale)."""
    width, height = int(8.5 * dpi), int(11 * dpi)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, size=int(dpi * 0.16))
    for n, line in enumerate(lines):
        draw.text((int(dpi * 0.8), int(dpi * (1 + 0.4 * n))), line, fill=0, font=font)
    return image


def scanned_pdf(pages: list[list[str]] = PAGES) -> bytes:
    """An image-only PDF of the pages (no text layer)."""
    images = [page_image(lines) for lines in pages]
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=200)
    return out.getvalue()


def scanned_image(fmt: str, pages: list[list[str]] = PAGES) -> bytes:
    """The pages as a PNG or JPEG (first page) or a multi-page TIFF."""
    images = [page_image(lines) for lines in pages]
    out = io.BytesIO()
    if fmt == "TIFF":
        images[0].save(out, format="TIFF", save_all=True, append_images=images[1:], compression="tiff_lzw")
    else:
        images[0].save(out, format=fmt)
    return out.getvalue()
