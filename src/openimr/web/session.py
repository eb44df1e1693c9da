"""Browser sessions: a bearer token is exchanged once, at sign-in, for a signed and expiring session cookie.

The cookie (HttpOnly, SameSite=Strict, Path=/, Max-Age = the session's lifetime) holds the SHA-256 of the token, the
session's CSRF token and its expiry, signed with HMAC-SHA-256. The user is looked up by the token's hash on every
request, so revoking a token ends its sessions. Every form carries the CSRF token and every POST is checked against it;
the sign-in form, before there is a session, uses a double-submit cookie instead.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

SESSION_COOKIE = "imr_session"
SIGNIN_COOKIE = "imr_signin"
CSRF_FIELD = "csrf_token"
KEY_FILE = "session.key"


@dataclass(frozen=True)
class BrowserSession:
    """A signed-in browser: whose token, the CSRF token its forms carry, and when it ends."""

    token_hash: str
    csrf: str
    expires: dt.datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionSigner:
    """Issues and reads session cookies with one secret key."""

    def __init__(self, key: bytes, lifetime: dt.timedelta) -> None:
        """`key` signs the cookies; `lifetime` is how long a session lasts from sign-in."""
        if len(key) < 32:
            raise ValueError("a session key needs at least 32 bytes")
        self._key = key
        self.lifetime = lifetime

    def _sign(self, payload: bytes) -> str:
        return _b64(hmac.new(self._key, payload, hashlib.sha256).digest())

    def issue(self, token_hash: str, now: dt.datetime) -> tuple[str, BrowserSession]:
        """A new session for the user whose token has `token_hash`, and its cookie value."""
        session = BrowserSession(token_hash, secrets.token_urlsafe(32), now + self.lifetime)
        payload = json.dumps({"t": token_hash, "c": session.csrf, "e": int(session.expires.timestamp())}).encode()
        return f"{_b64(payload)}.{self._sign(payload)}", session

    def read(self, cookie: str | None) -> BrowserSession | None:
        """The session a cookie holds, expired or not; None when there is none or it was tampered with."""
        if not cookie or cookie.count(".") != 1:
            return None
        encoded, signature = cookie.split(".")
        try:
            payload = _unb64(encoded)
            if not hmac.compare_digest(signature, self._sign(payload)):
                return None
            data = json.loads(payload)
            return BrowserSession(str(data["t"]), str(data["c"]), dt.datetime.fromtimestamp(int(data["e"]), dt.UTC))
        except (binascii.Error, ValueError, KeyError, TypeError, OverflowError):
            return None


def csrf_matches(expected: str, given: str | None) -> bool:
    """Whether a form's CSRF token is the session's (compared in constant time)."""
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


def session_key(configured: str | None, data_dir: Path) -> bytes:
    """The key that signs session cookies: derived from the configured secret, or a random one kept (mode 0600) in the
    data directory, so that sessions survive a restart and every worker process of one server shares it."""
    if configured:
        return hashlib.sha256(configured.encode()).digest()
    path = data_dir / KEY_FILE
    if not path.exists():
        temporary = data_dir / f".{KEY_FILE}.{secrets.token_hex(8)}"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(secrets.token_bytes(32))
        try:
            os.link(temporary, path)  # atomic: of two processes starting at once, one key wins
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_bytes()
