"""Which files of the paths a user names are letters: `.pdf`, `.txt` and `.md` files, folders searched recursively."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from openimr.documents import SUPPORTED_SUFFIXES


@dataclass(frozen=True)
class LetterFiles:
    """Letter files found (sorted within each folder), the number of other files skipped, and paths that do not exist."""

    letters: list[Path]
    skipped: int
    missing: list[Path]


def collect_letters(paths: list[Path]) -> LetterFiles:
    """The letter files under `paths`.

    A README file beside the letters is documentation, not a letter: it is skipped like any other non-letter file.
    """
    letters: list[Path] = []
    skipped = 0
    missing: list[Path] = []
    for path in paths:
        if not path.exists():
            missing.append(path)
            continue
        for file in _files(path):
            if file.suffix.lower() in SUPPORTED_SUFFIXES and file.stem.upper() != "README":
                letters.append(file)
            else:
                skipped += 1
    return LetterFiles(letters, skipped, missing)


def _files(path: Path) -> Iterator[Path]:
    if path.is_dir():
        yield from sorted(p for p in path.rglob("*") if p.is_file())
    else:
        yield path
