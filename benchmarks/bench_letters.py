"""Time parsing the 97 shared PDF letters against bare pypdfium2 text extraction of the same files (the floor).

Run: .venv/bin/python benchmarks/bench_letters.py [--repeat N]
Prints the best of N runs for each, and their ratio (target: parsing costs at most 1.3 x the bare extraction).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium

from openimr.documents import read_document
from openimr.letters import parse_letter, parse_letter_text

PDF_FOLDER = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dwc_letters" / "pdf"


def bare_extraction(paths: list[Path]) -> int:
    """Extract every page's text with pypdfium2 and nothing else; returns the characters read."""
    characters = 0
    for path in paths:
        pdf = pdfium.PdfDocument(path.read_bytes())
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            characters += len(textpage.get_text_range())
            textpage.close()
            page.close()
        pdf.close()
    return characters


def full_parse(paths: list[Path]) -> int:
    """Parse every letter into a `Determination`; returns the number of items read."""
    return sum(len(parse_letter(path).items) for path in paths)


def text_only_parse(texts: list[str]) -> int:
    """Parse already-extracted letter texts: the parser's own cost, without PDF extraction."""
    return sum(len(parse_letter_text(text, from_pdf=True).items) for text in texts)


def best_of(repeat: int, runs: dict[str, Callable[[], int]]) -> dict[str, float]:
    """The shortest wall time of `repeat` runs of each; runs are interleaved so load from elsewhere hits all alike."""
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeat):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    paths = sorted(PDF_FOLDER.glob("*.pdf"))
    texts = [read_document(path).text for path in paths]
    full_parse(paths[:3])  # warm up imports, compiled patterns and the citation catalogue
    best = best_of(
        args.repeat,
        {"bare": lambda: bare_extraction(paths), "parse": lambda: full_parse(paths), "text": lambda: text_only_parse(texts)},
    )
    bare, parse, text_only = best["bare"], best["parse"], best["text"]
    print(f"letters: {len(paths)} PDFs, best of {args.repeat} interleaved runs")
    print(f"bare pypdfium2 extraction: {bare:.3f} s")
    print(f"parse_letter:              {parse:.3f} s")
    print(f"ratio:                     {parse / bare:.2f} x (target <= 1.30)")
    print(f"parsing extracted text:    {text_only:.3f} s ({text_only / bare:.0%} of the bare extraction)")


if __name__ == "__main__":
    main()
