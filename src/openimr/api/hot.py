"""The two routes a case service serves most, answered without FastAPI's routing and dependency machinery.

`GET /cases/{id}/draft` (a reviewer reading the draft) and `POST /cases` (filing an application) are the routes under
load. FastAPI spends more CPU routing a request, solving its dependencies and wrapping it in its own context managers than
these routes' own work (a draft read is 0.6 ms of queries; the framework added 1.4 ms). `HotRoutes` is an ASGI middleware
that answers them itself, with the same checks and the same answers as the routers:

- the caller is authenticated by `openimr.api.deps.authenticate` (the bearer token, its expiry and revocation, the
  failed sign-in limiter), on the same request thread as the route's work and just before it, and the services check
  the role and what the caller may see, as on every route;
- errors are answered by the app's own exception handlers (`ERROR_HANDLERS` in `openimr.api.app`);
- it sits inside the app's other middleware, so the security headers and the request-size guard apply as before;
- the services' blocking work runs on the app's request threads (`threads`), handed over by the event loop itself
  (`loop.run_in_executor`): anyio's thread hop, which the routers use, spent more of the event loop's CPU than the draft
  read's own queries (its capacity limiter, cancel scope and run-time variable look-ups on every call);
- a filing holds a request thread only while it is checked and its documents written
  (`IntakeService.file_application_soon`): the documents' syncs and the COMMIT are the group commit's, led by a thread
  of its own (`ServiceContext.grouped_soon`), which answers the event loop once a group.

It serves only a request it can answer exactly as the router would; any other (a malformed path id, a body that is not
valid JSON or not a valid application, another content type) goes on to the FastAPI app, which answers as usual (401
or 429 for the caller, else 422): nothing was done for it here but parsing, and it is authenticated there only, so no
request is authenticated twice. The routers keep both routes, for the OpenAPI schema and for that fallback.
"""

from __future__ import annotations

import asyncio
import email.message
import json
import re
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import Executor
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openimr.api.deps import authenticate
from openimr.api.responses import json_model
from openimr.cases.domain import Actor
from openimr.cases.intake import Filed, Filing
from openimr.cases.schemas import Application
from openimr.cases.services import Services

ErrorHandler = Callable[[Request, Exception], Response]

_DRAFT_PATH = re.compile(r"/cases/([1-9][0-9]{0,9})/draft")
_MAX_CASE_ID = 2**31 - 1  # as `openimr.api.deps.CaseId`


class _NotHere(Exception):
    """The request is left to the FastAPI app (it answers what this path does not handle exactly as the router would)."""


class HotRoutes:
    """ASGI middleware answering GET /cases/{id}/draft and POST /cases (see the module's docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        services: Services,
        error_handlers: Sequence[tuple[type[Exception], ErrorHandler]],
        threads: Executor,
    ) -> None:
        self.app = app
        self.services = services
        self.threads = threads
        self.error_handlers = error_handlers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            method, path = scope["method"], scope["path"]
            if method == "GET" and path.endswith("/draft"):
                found = _DRAFT_PATH.fullmatch(path)
                if found is not None and int(found[1]) <= _MAX_CASE_ID:
                    await self._respond(scope, receive, send, self._read_draft(scope, int(found[1])))
                    return
            elif method == "POST" and path == "/cases":
                body = await _read_body(receive)
                if body is None:
                    return  # the client went away before it finished sending
                try:
                    await self._respond(scope, receive, send, self._file(scope, _json_body(scope, body)))
                except _NotHere:
                    await self.app(scope, _replay(body, receive), send)
                return
        await self.app(scope, receive, send)

    async def _respond(self, scope: Scope, receive: Receive, send: Send, work: Coroutine[Any, Any, Response]) -> None:
        """Send the response `work` makes, or the app's answer to the error it raised (`_NotHere` goes to the caller)."""
        try:
            response = await work
        except _NotHere:
            raise
        except Exception as error:
            handler = next((handle for kind, handle in self.error_handlers if isinstance(error, kind)), None)
            if handler is None:
                raise  # an unexpected error: the app's server-error middleware answers 500, as for any route
            response = handler(Request(scope, receive), error)
        await response(scope, receive, send)

    def _caller(self, scope: Scope) -> Actor:
        """The request's caller (`authenticate`): blocking, for the request threads."""
        authorization = next((value for name, value in scope["headers"] if name == b"authorization"), None)
        client = scope.get("client")
        return authenticate(
            self.services,
            client[0] if client else "unknown",
            bearer_token(authorization.decode("latin-1") if authorization is not None else None),
        )

    async def _read_draft(self, scope: Scope, case_id: int) -> Response:
        def read() -> bytes:
            return self.services.drafts.get_json(case_id, self._caller(scope))

        body = await asyncio.get_running_loop().run_in_executor(self.threads, read)
        return Response(body, media_type="application/json")

    async def _file(self, scope: Scope, given: Any) -> Response:
        try:
            application = Application.model_validate(given, from_attributes=True)  # as FastAPI validates a body
        except ValidationError:
            raise _NotHere() from None  # FastAPI authenticates the caller, then its 422 names what is wrong
        intake = self.services.intake
        loop = asyncio.get_running_loop()
        filed: asyncio.Future[Filed] = loop.create_future()

        def file() -> tuple[Actor, Filing]:
            caller = self._caller(scope)
            return caller, intake.file_application_soon(application, caller, filed)

        caller, filing = await loop.run_in_executor(self.threads, file)
        done = await filed  # after its group's COMMIT; no request thread waited for it
        result = intake.answer(filing, done, caller)
        if result is None:  # a duplicate's or a correction's case is read
            result = await loop.run_in_executor(self.threads, intake.read_answer, filing, done, caller)
        return json_model(result, 200 if result.duplicate or result.corrected else 201)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None (as FastAPI's `HTTPBearer(auto_error=False)`)."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if not scheme or not token or scheme.lower() != "bearer":
        return None
    return token


async def _read_body(receive: Receive) -> bytes | None:
    """The request's body, or None when the client disconnected first."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the body already read, then the connection's own messages."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed


def _json_body(scope: Scope, body: bytes) -> Any:
    """The body as JSON when FastAPI would read it as JSON and it parses; else `_NotHere`."""
    content_type = next((value for name, value in scope["headers"] if name == b"content-type"), None)
    if not body or content_type is None:
        raise _NotHere()
    message = email.message.Message()
    message["content-type"] = content_type.decode("latin-1")
    subtype = message.get_content_subtype()
    if message.get_content_maintype() != "application" or not (subtype == "json" or subtype.endswith("+json")):
        raise _NotHere()
    try:
        return json.loads(body)
    except ValueError:
        raise _NotHere() from None
