"""The FastAPI application: the routers of `openimr.api.routers`, error mapping, and the request-size guard.

Every error is JSON `{"detail": "..."}` with a 4xx status: 401 without a valid token, 403 for a role that may not act,
404 for what does not exist or is not the caller's (a reviewer sees only the cases assigned to them), 409 for a refused
transition, a conflicted reviewer or a stale version, 413 / 415 for oversized or unrecognised uploads, 422 for
malformed JSON, wrong types and invalid values. While the database cannot be reached (a PostgreSQL restart, SQLite locked
past its busy timeout) the answer is 503 with Retry-After, and the next request after it is back succeeds: connections
are checked before use, so the service recovers by itself.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.types import ASGIApp, Receive, Scope, Send

from openimr import __version__, heap
from openimr.api.deps import TooManySignIns, Unauthorized
from openimr.api.hot import ErrorHandler, HotRoutes
from openimr.api.routers import ROUTERS
from openimr.api.security import SecurityHeaders
from openimr.cases.errors import WorkflowError
from openimr.cases.services import Services, open_services
from openimr.cases.worker import WorkerPool
from openimr.errors import OpenIMRError
from openimr.settings import Settings
from openimr.web.docs import install_static_and_docs
from openimr.web.pages import error_page, install_pages, is_page
from openimr.web.session import SessionSigner, session_key

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 2


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """The API over `services`, or over the database `settings` name (migrated on creation)."""
    settings = settings or Settings()
    services = services or open_services(settings).services
    # Few request threads: request handlers are short and CPU-bound under the GIL, and many threads only add convoy
    # delays around every database call. The routers' handlers run on anyio's threads, the hot routes on their own.
    hot_threads = ThreadPoolExecutor(settings.worker_threads, thread_name_prefix="openimr-hot")

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        with services.context.documents.in_use():  # no other process's start-up sweep runs while this one serves
            if settings.wal_checkpoint_seconds:  # before the workers' first connections, made without SQLite's own
                services.context.own_checkpoints(settings.wal_checkpoint_seconds)
            workers = WorkerPool(services, settings.drafting_workers, settings.worker_poll_seconds).start()
            try:
                yield
            finally:
                await anyio.to_thread.run_sync(workers.stop)
                hot_threads.shutdown(wait=False)
                await anyio.to_thread.run_sync(services.context.close)  # the filings queued are committed first

    app = FastAPI(
        lifespan=lifespan,
        title="openimr case management",
        version=__version__,
        description="The California workers' compensation IMR workflow: intake, screening, assignment, records, "
        "draft, sign, issue. Authenticate with `Authorization: Bearer <token>`.",
        docs_url=None,
        redoc_url=None,
        # No OpenTelemetry here: FastAPI would otherwise ask OpenTelemetry's providers on every request whether one was
        # configured (~3% of a filing's CPU).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    install_static_and_docs(app)
    app.state.services = services
    app.state.settings = settings
    # Innermost first: the hot routes are answered inside the request-size guard and the security headers.
    app.add_middleware(HotRoutes, services=services, error_handlers=ERROR_HANDLERS, threads=hot_threads)
    app.add_middleware(_BodyLimit, limit=services.context.documents.max_bytes + 2 * 1024 * 1024)
    app.add_middleware(SecurityHeaders)
    for kind, handler in ERROR_HANDLERS:
        app.add_exception_handler(kind, handler)
    for router in ROUTERS:
        app.include_router(router)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    signer = SessionSigner(session_key(settings.secret_key, settings.data_dir), dt.timedelta(seconds=settings.session_seconds))
    install_pages(app, signer)
    return app


def _refused(request: Request, error: Exception) -> Response:
    """A workflow error with its own status; any other bad input is 422. The web app's pages answer with a page."""
    status = error.status if isinstance(error, WorkflowError) else 422
    if is_page(request.url.path):
        return error_page(request, status, str(error))
    return JSONResponse({"detail": str(error)}, status_code=status)


def _unavailable(_request: Request, error: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", type(getattr(error, "orig", error)).__name__)
    return JSONResponse(
        {"detail": "the database is unavailable for the moment: try again shortly"},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _too_many(_request: Request, error: Exception) -> JSONResponse:
    wait = error.retry_after if isinstance(error, TooManySignIns) else 60
    return JSONResponse(
        {"detail": f"too many failed sign-ins from this address: try again in {wait} s"},
        status_code=429,
        headers={"Retry-After": str(wait)},
    )


def _unauthorized(_request: Request, _error: Exception) -> JSONResponse:
    return JSONResponse({"detail": "missing or unknown bearer token"}, status_code=401, headers={"WWW-Authenticate": "Bearer"})


ERROR_HANDLERS: tuple[tuple[type[Exception], ErrorHandler], ...] = (
    (OpenIMRError, _refused),
    (Unauthorized, _unauthorized),
    (TooManySignIns, _too_many),
    (OperationalError, _unavailable),
    (InterfaceError, _unavailable),
)
"""How the app answers the errors of its routes (the hot routes' too)."""


class _BodyLimit:
    """Refuse a request whose declared body is over the limit before anything reads it (413)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            declared = dict(scope["headers"]).get(b"content-length", b"0")
            if not declared.isdigit() or int(declared) > self.limit:
                detail = "Content-Length is not a number" if not declared.isdigit() else f"request body over {self.limit} bytes"
                status = 400 if not declared.isdigit() else 413
                await JSONResponse({"detail": detail}, status_code=status)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def app_from_environment() -> FastAPI:
    """The app over the settings of the environment: what each process of `imr serve --workers N` runs."""
    return served(create_app(Settings()))


def served(app: FastAPI) -> FastAPI:
    """`app`, to be served by this process for the rest of its life (`imr serve`): every object made so far (the
    modules, the app and its services) is put out of the garbage collector's reach (`openimr.heap.freeze`), so that a
    full collection walks only what the requests have made since, and the drafting workers freeze what the engine loads
    later (`openimr.heap.freeze_growth`). Under load, a full collection of the start-up heap held the interpreter for
    70-120 ms every few seconds, stalling every request at once: the tail of the filings' latency."""
    heap.freeze()
    return app
