"""Shared fixtures: where the shared corpus lives."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DWC_LETTERS = SHARED / "data" / "dwc_letters"
SEEDS = SHARED / "seeds"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The `../shared` folder beside the checkout; tests that need it fail loudly when it is missing."""
    assert SHARED.is_dir(), f"../shared not found at {SHARED}"
    return SHARED
