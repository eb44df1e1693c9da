"""Protections on every request: security headers on every response, and failed sign-ins limited per client.

The limiter counts, per client address, the requests that presented a token that was not accepted; past
`sign_in_max_failures` within `sign_in_window_seconds` the client gets 429 (with Retry-After) without its token being
looked at, until the window has passed. It is per process: with `imr serve --workers N` a client may make N times as
many failed attempts. The web app's sign-in form uses the same limiter.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque

from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        b"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    ),
    (b"cache-control", b"no-store"),
)
"""Sent with every response unless the route set the header itself (case data must not linger in caches)."""

HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")
"""Added when the request came over HTTPS."""


class SecurityHeaders:
    """ASGI middleware adding `SECURITY_HEADERS` (and HSTS over HTTPS) to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = (*SECURITY_HEADERS, HSTS) if scope.get("scheme") == "https" else SECURITY_HEADERS

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend((name, value) for name, value in extra if name not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class SignInLimiter:
    """Failed sign-ins per client address in a sliding window."""

    def __init__(self, max_failures: int, window_seconds: float) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> int | None:
        """Seconds the client must wait before trying again, or None when it may try now."""
        with self._lock:
            failures = self._failures.get(client)
            if failures is None:
                return None
            now = time.monotonic()
            while failures and now - failures[0] > self.window:
                failures.popleft()
            if not failures:
                del self._failures[client]
                return None
            if len(failures) < self.max_failures:
                return None
            return max(1, math.ceil(self.window - (now - failures[0])))

    def failed(self, client: str) -> None:
        """Count one failed sign-in of the client."""
        with self._lock:
            self._failures.setdefault(client, deque(maxlen=self.max_failures)).append(time.monotonic())
