"""The shared letters and their gold records, read once per test session."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from openimr.letters import parse_letter
from openimr.model import Determination


@dataclass(frozen=True)
class GoldLetter:
    """One letter of shared with its gold record and its parse."""

    path: Path
    gold: dict[str, Any]
    parsed: Determination


def _gold_letters(folder: Path, locate: str) -> list[tuple[Path, dict[str, Any]]]:
    records = [json.loads(line) for line in (folder / "gold.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    if locate == "pdf":
        return [(folder / "pdf" / f"{r['case_number']}.pdf", r) for r in records]
    return [(folder / r["file"], r) for r in records]


@pytest.fixture(scope="session")
def gold_letters(shared_dir: Path) -> list[GoldLetter]:
    """Every letter in shared (97 PDFs, 5 seeds), parsed, with its gold record."""
    pairs = _gold_letters(shared_dir / "data" / "dwc_letters", "pdf") + _gold_letters(shared_dir / "seeds", "file")
    assert len(pairs) == 102
    return [GoldLetter(path, gold, parse_letter(path)) for path, gold in pairs]
