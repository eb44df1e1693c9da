"""Liveness."""

from __future__ import annotations

from fastapi import APIRouter

from openimr import __version__

router = APIRouter(tags=["service"])


@router.get("/health")
def health() -> dict[str, str]:
    """Liveness: no authentication."""
    return {"status": "ok", "version": __version__}
