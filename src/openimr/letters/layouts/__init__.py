"""Letter layouts: one module each, with `NAME`, `detect(text)` and `parse(text, source)`.

`detect_layout` tries them in order; the 2014+ extracted-text layout (`dwc_2016`) is the fallback, and it reports a
text that is no letter at all.
"""

from __future__ import annotations

from types import ModuleType

from openimr.letters.layouts import dwc_2016, html, markdown, notice_2013, plain_text

LAYOUTS: tuple[ModuleType, ...] = (html, notice_2013, markdown, plain_text, dwc_2016)
"""Every layout, in detection order."""


PDF_LAYOUTS: tuple[ModuleType, ...] = (notice_2013, dwc_2016)
"""The layouts a PDF's extracted text can be in."""


def detect_layout(text: str, from_pdf: bool = False) -> ModuleType:
    """The layout module that reads `text`; `from_pdf` limits the choice to layouts of extracted PDF text."""
    candidates = PDF_LAYOUTS if from_pdf else LAYOUTS
    for layout in candidates[:-1]:
        if layout.detect(text):
            return layout
    return candidates[-1]
