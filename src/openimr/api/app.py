"""FastAPI application: routes, bearer-token authentication with roles, and error mapping.

Every error is JSON `{"detail": "..."}` with a 4xx status: 401 without a valid token, 403 for a role that may not act,
404 for what does not exist or is not the caller's (a reviewer sees only the cases assigned to them), 409 for a refused
transition, a conflicted reviewer or a stale version, 413 / 415 for oversized or unrecognised uploads, 422 for
malformed JSON, wrong types and invalid values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import anyio.to_thread
from fastapi import Body, Depends, FastAPI, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from openimr import __version__
from openimr.cases.errors import UploadTooLarge, WorkflowError
from openimr.cases.schemas import (
    Application,
    AssignRequest,
    AuditEntry,
    CaseDate,
    CaseView,
    DeadlineEntry,
    DocumentType,
    DocumentView,
    DraftView,
    FilingResult,
    ItemEdit,
    ItemView,
    NewUser,
    ReviewerProfile,
    ReviewerView,
    RevisionView,
    ScreeningRequest,
    SummaryEdit,
    UserCreated,
)
from openimr.cases.service import Actor, Workflow
from openimr.cases.states import CaseState, ScreeningOutcome
from openimr.cases.store import DEFAULT_DATA_DIR, default_url, make_engine, session_factory, upgrade
from openimr.cases.uploads import DEFAULT_MAX_BYTES, DocumentStore
from openimr.errors import OpenIMRError
from openimr.letters.settings import organization_from_environment
from openimr.model import Organization, Priority
from openimr.web.docs import install_static_and_docs

CaseId = Annotated[int, PathParam(ge=1, le=2**31 - 1, description="Case id.")]
Position = Annotated[int, PathParam(ge=1, le=1000, description="Item position, from 1.")]
_bearer = HTTPBearer(auto_error=False, description="Bearer token from `imr users add` or POST /users.")


def _actor(request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Actor:
    """The caller, from their bearer token."""
    flow: Workflow = request.app.state.workflow
    found = flow.authenticate(credentials.credentials) if credentials else None
    if found is None:
        raise _Unauthorized()
    return found


Caller = Annotated[Actor, Depends(_actor)]


@dataclass(frozen=True)
class Settings:
    """Where the server keeps its data, and the organization its letters name."""

    db_url: str | None = None
    data_dir: Path = field(default_factory=lambda: DEFAULT_DATA_DIR)
    max_upload_bytes: int = DEFAULT_MAX_BYTES
    worker_threads: int = 8
    organization: Organization = field(default_factory=organization_from_environment)

    def url(self) -> str:
        """The database URL: the given one, or the embedded SQLite file in the data directory."""
        return self.db_url or default_url(self.data_dir)


def open_workflow(settings: Settings) -> Workflow:
    """Create the data directory, migrate the database to the latest schema and return the workflow over it."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.url())
    upgrade(engine)
    return Workflow(
        session_factory(engine),
        DocumentStore(settings.data_dir / "documents", settings.max_upload_bytes),
        serialize_writes=engine.dialect.name == "sqlite",
        organization=settings.organization,
    )


def create_app(settings: Settings | None = None, workflow: Workflow | None = None) -> FastAPI:
    """The API over `workflow`, or over the database `settings` name (migrated on creation)."""
    settings = settings or Settings()
    flow = workflow or open_workflow(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Few worker threads: request handlers are short and CPU-bound under the GIL, and many threads only add
        # convoy delays around every database call.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="openimr case management",
        version=__version__,
        description="The California workers' compensation IMR workflow: intake, screening, assignment, records, "
        "draft, sign, issue. Authenticate with `Authorization: Bearer <token>`.",
        docs_url=None,
        redoc_url=None,
    )
    install_static_and_docs(app)
    app.state.workflow = flow
    app.add_middleware(_BodyLimit, limit=settings.max_upload_bytes + 2 * 1024 * 1024)

    @app.exception_handler(WorkflowError)
    def _workflow_error(_request: Request, error: WorkflowError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=error.status)

    @app.exception_handler(OpenIMRError)
    def _input_error(_request: Request, error: OpenIMRError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=422)

    @app.exception_handler(_Unauthorized)
    def _unauthorized(_request: Request, _error: _Unauthorized) -> JSONResponse:
        return JSONResponse(
            {"detail": "missing or unknown bearer token"}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
        )

    @app.get("/health", tags=["service"])
    def health() -> dict[str, str]:
        """Liveness: no authentication."""
        return {"status": "ok", "version": __version__}

    @app.get("/me", tags=["users"])
    def me(caller: Caller) -> dict[str, object]:
        """Who the token belongs to."""
        return {"name": caller.name, "role": caller.role.value, "reviewer_id": caller.reviewer_id}

    @app.post("/users", status_code=201, tags=["users"])
    def add_user(user: NewUser, caller: Caller) -> UserCreated:
        """Provision a user (admin); the token is shown once."""
        return flow.add_user(user, caller)

    @app.post("/reviewers", status_code=201, tags=["reviewers"])
    def add_reviewer(profile: ReviewerProfile, caller: Caller) -> ReviewerView:
        """Add a reviewer to the pool (admin)."""
        return flow.add_reviewer(profile, caller)

    @app.get("/reviewers", tags=["reviewers"])
    def list_reviewers(caller: Caller) -> list[ReviewerView]:
        """The reviewer pool with each reviewer's open workload (admin)."""
        return flow.list_reviewers(caller)

    @app.post("/cases", status_code=201, tags=["cases"], responses={200: {"description": "A duplicate, linked to its case."}})
    def file_application(application: Application, caller: Caller, response: Response) -> FilingResult:
        """File an IMR application (intake, admin). A duplicate returns 200 with the existing case it was linked to."""
        result = flow.file_application(application, caller)
        if result.duplicate:
            response.status_code = 200
        return result

    @app.get("/cases", tags=["cases"])
    def list_cases(
        caller: Caller,
        state: CaseState | None = None,
        priority: Priority | None = None,
        reviewer_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
        screening_outcome: ScreeningOutcome | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    ) -> list[CaseView]:
        """Cases, newest first, filtered; a reviewer sees only the cases assigned to them."""
        return flow.list_cases(caller, state, priority, reviewer_id, screening_outcome, limit, offset)

    @app.get("/cases/{case_id}", tags=["cases"])
    def get_case(case_id: CaseId, caller: Caller) -> CaseView:
        """One case."""
        return flow.get_case(case_id, caller)

    @app.post("/cases/{case_id}/documents", status_code=201, tags=["documents"])
    async def upload_document(
        case_id: CaseId,
        caller: Caller,
        file: Annotated[UploadFile, File(description="A PDF or UTF-8 text document.")],
        type: Annotated[DocumentType, Form()] = DocumentType.MEDICAL_RECORD,
        date: Annotated[CaseDate | None, Form()] = None,
    ) -> DocumentView:
        """Upload a document (intake, admin): size-limited, type checked by content, stored under a generated id."""
        limit = flow.documents.max_bytes
        data = await file.read(limit + 1)
        if len(data) > limit:
            raise UploadTooLarge(f"more than the limit of {limit} bytes", file.filename or "upload")
        return await run_in_threadpool(flow.add_document, case_id, data, file.filename, type, date, caller, file.content_type)

    @app.get("/cases/{case_id}/documents/{document_id}", tags=["documents"], response_class=Response)
    def download_document(
        case_id: CaseId, document_id: Annotated[str, PathParam(pattern=r"^[0-9a-f-]{36}$")], caller: Caller
    ) -> Response:
        """A document's bytes, as stored."""
        view, data = flow.document(case_id, document_id, caller)
        return Response(data, media_type=view.media_type, headers={"Content-Disposition": f'attachment; filename="{view.id}"'})

    @app.post("/cases/{case_id}/screen", tags=["workflow"])
    def screen_case(case_id: CaseId, caller: Caller, request: Annotated[ScreeningRequest | None, Body()] = None) -> CaseView:
        """Screen for eligibility (intake, admin): eligible, ineligible with reasons, or deferred."""
        return flow.screen_case(case_id, request or ScreeningRequest(), caller)

    @app.post("/cases/{case_id}/assign", tags=["workflow"])
    def assign(case_id: CaseId, caller: Caller, request: Annotated[AssignRequest | None, Body()] = None) -> CaseView:
        """Assign a reviewer (admin): the one named, if qualified and without conflict, or the least-loaded acceptable."""
        return flow.assign(case_id, request or AssignRequest(), caller)

    @app.post("/cases/{case_id}/records-complete", tags=["workflow"])
    def complete_records(case_id: CaseId, caller: Caller) -> CaseView:
        """The claims administrator's records are in (intake, admin): start the determination clock and draft."""
        return flow.complete_records(case_id, caller)

    @app.post("/cases/{case_id}/draft", tags=["workflow"])
    def redraft(case_id: CaseId, caller: Caller) -> CaseView:
        """Run the engine again after a failed drafting (admin, assigned reviewer)."""
        return flow.redraft(case_id, caller)

    @app.get("/cases/{case_id}/draft", tags=["draft"])
    def get_draft(case_id: CaseId, caller: Caller) -> DraftView:
        """The engine's draft with its versions, and the items as they stand."""
        return flow.get_draft(case_id, caller)

    @app.patch("/cases/{case_id}/draft/items/{position}", tags=["draft"])
    def edit_item(case_id: CaseId, position: Position, edit: ItemEdit, caller: Caller) -> ItemView:
        """Change an item's decision, rationale, guideline line or criterion statuses (assigned reviewer); quote the item's
        `version` (stale → 409)."""
        return flow.edit_item(case_id, position, edit, caller)

    @app.put("/cases/{case_id}/draft/summary", tags=["draft"])
    def edit_summary(case_id: CaseId, edit: SummaryEdit, caller: Caller) -> DraftView:
        """Rewrite the Clinical Case Summary (assigned reviewer); quote the draft's `summary_version` (stale → 409)."""
        return flow.edit_summary(case_id, edit, caller)

    @app.get("/cases/{case_id}/draft/letter.pdf", tags=["draft"], response_class=Response)
    def preview_pdf(case_id: CaseId, caller: Caller) -> Response:
        """The letter as it would be issued now, marked DRAFT on every page until signed (admin, assigned reviewer)."""
        return Response(flow.preview_letter(case_id, "pdf", caller), media_type="application/pdf")

    @app.get("/cases/{case_id}/draft/items/{position}/revisions", tags=["draft"])
    def item_revisions(case_id: CaseId, position: Position, caller: Caller) -> list[RevisionView]:
        """Every version of an item, the engine's first; revision n is item version n."""
        return flow.item_revisions(case_id, position, caller)

    @app.post("/cases/{case_id}/sign", tags=["workflow"])
    def sign(case_id: CaseId, caller: Caller) -> CaseView:
        """Sign the determination (the assigned reviewer only)."""
        return flow.sign(case_id, caller)

    @app.post("/cases/{case_id}/issue", tags=["workflow"])
    def issue(case_id: CaseId, caller: Caller) -> CaseView:
        """Issue the signed determination as a Final Determination Letter (admin, assigned reviewer)."""
        return flow.issue(case_id, caller)

    @app.get("/cases/{case_id}/letter.pdf", tags=["letters"], response_class=Response)
    def letter_pdf(case_id: CaseId, caller: Caller) -> Response:
        """The issued letter as PDF, exactly as stored at issue."""
        return Response(flow.letter(case_id, "pdf", caller), media_type="application/pdf")

    @app.get("/cases/{case_id}/letter.json", tags=["letters"], response_class=Response)
    def letter_json(case_id: CaseId, caller: Caller) -> Response:
        """The issued letter as JSON (a `Letter`: the determination with its addressees, identifiers and signature),
        exactly as stored at issue."""
        return Response(flow.letter(case_id, "json", caller), media_type="application/json")

    @app.get("/cases/{case_id}/audit", tags=["cases"])
    def audit_trail(case_id: CaseId, caller: Caller) -> list[AuditEntry]:
        """The case's append-only audit log."""
        return flow.audit_trail(case_id, caller)

    @app.get("/deadlines/overdue", tags=["deadlines"])
    def overdue(caller: Caller) -> list[DeadlineEntry]:
        """Open cases past their pending deadline (records or determination)."""
        return flow.deadlines(caller, overdue=True)

    @app.get("/deadlines/due-soon", tags=["deadlines"])
    def due_soon(caller: Caller, within_hours: Annotated[int, Query(ge=1, le=24 * 365)] = 72) -> list[DeadlineEntry]:
        """Open cases whose pending deadline falls within the next `within_hours`."""
        return flow.deadlines(caller, overdue=False, within=dt.timedelta(hours=within_hours))

    return app


class _Unauthorized(Exception):
    """No valid bearer token."""


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
