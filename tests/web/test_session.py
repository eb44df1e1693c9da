"""Session cookies: signed, expiring, refused when tampered with; the signing key is kept once per data directory."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

from openimr.web.session import SessionSigner, csrf_matches, session_key

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_a_cookie_reads_back_until_it_is_tampered_with() -> None:
    signer = SessionSigner(b"k" * 32, dt.timedelta(hours=8))
    cookie, session = signer.issue("ab" * 32, NOW)
    assert signer.read(cookie) == session and session.expires == NOW + dt.timedelta(hours=8)
    payload, signature = cookie.split(".")
    assert signer.read(f"{payload}x.{signature}") is None
    assert signer.read(f"{payload}.{signature[:-2]}AA") is None
    assert signer.read("not a cookie") is None and signer.read(None) is None
    assert SessionSigner(b"o" * 32, dt.timedelta(hours=8)).read(cookie) is None, "another key's cookie is refused"


def test_csrf_tokens_compare_exactly() -> None:
    assert csrf_matches("abc", "abc") and not csrf_matches("abc", "abd") and not csrf_matches("abc", None)


def test_the_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    first = session_key(None, tmp_path)
    assert len(first) == 32 and session_key(None, tmp_path) == first
    assert stat.S_IMODE((tmp_path / "session.key").stat().st_mode) == 0o600
    assert session_key("a configured secret value", tmp_path) != first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["session.key"]
