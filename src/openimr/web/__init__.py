"""The browser side of `imr serve`: server-rendered pages, their CSS and scripts, and the vendored API-docs assets.

Every asset ships in the package (`static/`); nothing is loaded from a CDN, so the pages and `/docs` work offline.
"""

from __future__ import annotations

from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
"""Served at `/static`."""
