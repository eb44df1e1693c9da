"""The web app's pages: sign-in, Intake, Administration, the reviewer's work queue and case page, the audit trail.

Server-rendered (Jinja2, autoescaped) over the same services as the API. Every page needs a session (else it goes to
sign-in) and checks the role; every form POSTs with the session's CSRF token and answers with a redirect (a flash
message says what happened or why not). A reviewer sees only the cases assigned to them: any other is "not found".
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import jinja2
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from openimr.api.deps import CaseId, Position, client_address
from openimr.cases.domain import (
    Actor,
    AffiliationKind,
    CaseState,
    DocumentType,
    Filer,
    Recipient,
    ScreeningOutcome,
    UrOutcome,
    UrServiceMethod,
    UserRole,
)
from openimr.cases.errors import Forbidden, NotFound
from openimr.cases.intake import display_name
from openimr.cases.letter import final_item
from openimr.cases.schemas import (
    Affiliation,
    Application,
    AssignRequest,
    CaseView,
    CriterionEdit,
    DraftView,
    ItemEdit,
    NewUser,
    ReviewerProfile,
    ScreeningRequest,
    SummaryEdit,
)
from openimr.cases.services import Services
from openimr.cases.sign_ins import LockedOut
from openimr.cases.uploads import declares_pdf
from openimr.errors import OpenIMRError
from openimr.letters.render import marked
from openimr.model import Case, Decision, ItemDetermination, Precedent, Priority
from openimr.review.case_file import parse_case
from openimr.review.precheck import CheckReport, check_case, render_check
from openimr.web.session import CSRF_FIELD, SESSION_COOKIE, SIGNIN_COOKIE, BrowserSession, SessionSigner, csrf_matches
from openimr.web.views import CriterionRow, Spans, criteria_groups, record_segments

router = APIRouter(include_in_schema=False)
FLASH_COOKIE = "imr_flash"
HOME = {UserRole.INTAKE: "/intake", UserRole.ADMIN: "/admin", UserRole.REVIEWER: "/reviewer"}
CHECK = "/request-check"
NAV = {
    UserRole.INTAKE: [("/intake", "Intake"), (CHECK, "Check a request")],
    UserRole.ADMIN: [
        ("/admin", "Administration"),
        ("/intake", "Intake"),
        ("/admin/deadlines", "Deadlines"),
        (CHECK, "Check a request"),
    ],
    UserRole.REVIEWER: [("/reviewer", "Work queue"), (CHECK, "Check a request")],
}
OPTIONS = {
    "priority": [(p.value, p.value) for p in Priority],
    "service": [(m.value, m.value) for m in UrServiceMethod],
    "filer": [(f.value, f.value) for f in Filer],
    "outcome": [(o.value, o.value.replace("_", " ")) for o in UrOutcome],
    "document_type": [(t.value, t.value.replace("_", " ")) for t in DocumentType],
}


@cache
def _templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("openimr.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["marks"] = marked
    return env


class _SignInRequired(Exception):
    """No live session: go to the sign-in page (saying why when the session ran out)."""

    def __init__(self, expired: bool) -> None:
        self.expired = expired


@dataclass
class Page:
    """A signed-in request: the services, who is asking, their session, and what the response must carry."""

    request: Request
    services: Services
    actor: Actor
    session: BrowserSession
    cookies_to_clear: list[str] = field(default_factory=list)

    def require(self, *roles: UserRole) -> None:
        """Refuse a role that may not see this page (403)."""
        if self.actor.role not in roles:
            raise Forbidden(f"this page is for {' or '.join(r.value for r in roles)}", self.actor.name)

    def render(self, template: str, active: str, status: int = 200, problem: str = "", **context: Any) -> HTMLResponse:
        """A page of the app, with the navigation and the flash message (or `problem`, an error to show)."""
        flash = self.request.cookies.get(FLASH_COOKIE, "")
        kind, _, message = ("error", "", problem) if problem else flash.partition(":")
        html = (
            _templates()
            .get_template(template)
            .render(
                user=self.actor,
                nav=NAV[self.actor.role],
                active=active,
                csrf=self.session.csrf,
                flash=message,
                flash_kind=kind,
                **context,
            )
        )
        response = HTMLResponse(html, status_code=status)
        if flash:
            response.delete_cookie(FLASH_COOKIE, path="/")
        return response


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _signer(request: Request) -> SessionSigner:
    signer: SessionSigner = request.app.state.session_signer
    return signer


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def signed_in(request: Request) -> Page:
    """The page's session and user; `_SignInRequired` when there is no live session or its token no longer works."""
    session = _signer(request).read(request.cookies.get(SESSION_COOKIE))
    if session is None or session.expires <= _now():
        raise _SignInRequired(expired=session is not None)
    services = _services(request)
    actor = services.users.authenticate_hash(session.token_hash)
    if actor is None:
        raise _SignInRequired(expired=True)
    return Page(request, services, actor, session)


SignedIn = Annotated[Page, Depends(signed_in)]


async def _form(request: Request, page: SignedIn) -> FormData:
    """The posted form, refused (403) unless it carries the session's CSRF token."""
    form = await request.form()
    given = form.get(CSRF_FIELD)
    if not csrf_matches(page.session.csrf, given if isinstance(given, str) else None):
        raise Forbidden("the form's security token is missing or wrong: reload the page and try again", "form")
    return form


Form = Annotated[FormData, Depends(_form)]


def _redirect(url: str, message: str = "", kind: str = "ok") -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    if message:
        response.set_cookie(FLASH_COOKIE, f"{kind}:{message}"[:500], httponly=True, samesite="strict", path="/")
    return response


def _attempt(page: Page, back: str, done: str, action: Callable[[], Any], success: str) -> RedirectResponse:
    """Run a form's action: on success go to `done` saying `success`; a refusal goes back to `back` saying why."""
    try:
        action()
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return _redirect(back, f"{where}: {first['msg']}", "error")
    except OpenIMRError as error:
        if isinstance(error, NotFound | Forbidden):
            raise
        return _redirect(back, str(error), "error")
    return _redirect(done, success)


def install_pages(app: Any, signer: SessionSigner) -> None:
    """Add the pages, their session signer and their error pages to the app."""
    app.state.session_signer = signer
    app.include_router(router)
    app.add_exception_handler(_SignInRequired, _to_sign_in)


def _to_sign_in(request: Request, error: Exception) -> Response:
    expired = isinstance(error, _SignInRequired) and error.expired
    response = _redirect("/", "Your session has ended: sign in again." if expired else "Please sign in.", "error")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


PAGE_PREFIXES = ("/intake", "/admin", "/reviewer", "/audit", CHECK)


def is_page(path: str) -> bool:
    """Whether a path is one of the web app's pages (answered in HTML) rather than the API's (JSON)."""
    return path in ("/", "/signin", "/signout") or path.startswith(PAGE_PREFIXES)


def error_page(request: Request, status: int, detail: str) -> HTMLResponse:
    """A page saying why a request was refused."""
    heading = {403: "Not allowed", 404: "Not found"}.get(status, "Refused")
    html = (
        _templates()
        .get_template("error.html.j2")
        .render(user=None, nav=[], active="", csrf="", flash="", flash_kind="", heading=heading, detail=detail)
    )
    return HTMLResponse(html, status_code=status)


# -- signing in and out ---------------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    """The sign-in page, or the signed-in user's own page."""
    try:
        page = signed_in(request)
    except _SignInRequired:
        return _sign_in_page(request)
    return RedirectResponse(HOME[page.actor.role], status_code=303)


def _sign_in_page(request: Request, status: int = 200, message: str = "") -> HTMLResponse:
    flash = request.cookies.get(FLASH_COOKIE, "")
    kind, _, text = flash.partition(":")
    csrf = request.cookies.get(SIGNIN_COOKIE) or secrets.token_urlsafe(32)
    lifetime = _signer(request).lifetime
    hours, minutes = divmod(int(lifetime.total_seconds()) // 60, 60)
    html = (
        _templates()
        .get_template("signin.html.j2")
        .render(
            user=None,
            nav=[],
            active="",
            csrf=csrf,
            flash=message or text,
            flash_kind="error" if message else kind,
            lifetime=f"{hours} h {minutes} min" if hours else f"{max(minutes, 1)} min",
        )
    )
    response = HTMLResponse(html, status_code=status)
    response.set_cookie(SIGNIN_COOKIE, csrf, httponly=True, samesite="strict", path="/", max_age=3600)
    response.delete_cookie(FLASH_COOKIE, path="/")
    return response


@router.post("/signin")
async def sign_in(request: Request) -> Response:
    """Exchange a bearer token for a session cookie (the form is checked against the sign-in cookie)."""
    form = await request.form()
    given, token = form.get(CSRF_FIELD), form.get("token")
    if not csrf_matches(request.cookies.get(SIGNIN_COOKIE) or "", given if isinstance(given, str) else None):
        return _sign_in_page(request, 403, "The sign-in form expired: try again.")
    services = _services(request)
    token = token.strip() if isinstance(token, str) else ""
    actor = await run_in_threadpool(services.users.sign_in, token, client_address(request))
    if isinstance(actor, LockedOut):
        wait = actor.retry_after
        return _sign_in_page(request, 429, f"Too many failed sign-ins from this address: try again in {wait} s.")
    if actor is None:
        return _sign_in_page(request, 401, "That token is not recognised.")
    cookie, session = _signer(request).issue(services.users.token_hash(token), _now())
    response = RedirectResponse(HOME[actor.role], status_code=303)
    max_age = int((session.expires - _now()).total_seconds())
    response.set_cookie(SESSION_COOKIE, cookie, httponly=True, samesite="strict", path="/", max_age=max_age)
    response.delete_cookie(SIGNIN_COOKIE, path="/")
    return response


@router.post("/signout")
def sign_out(page: SignedIn, form: Form) -> Response:
    """End the session."""
    response = _redirect("/", "Signed out.")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# -- intake ---------------------------------------------------------------------------------------------------------


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else ""


def _application(form: FormData) -> Application:
    """The application a filing or correction form describes (validated: a bad field is a `ValidationError`)."""
    addresses = {r.value: _text(form, f"address_{r.value}") for r in Recipient if _text(form, f"address_{r.value}")}
    return Application.model_validate(
        {
            "worker_id": _text(form, "worker_id"),
            "claim_number": _text(form, "claim_number"),
            "priority": _text(form, "priority") or Priority.STANDARD.value,
            "signed": _text(form, "signed") == "yes",
            "filer": _text(form, "filer") or Filer.EMPLOYEE.value,
            "designation_signed": _text(form, "designation_signed") or None,
            "ur_service_method": _text(form, "ur_service_method") or UrServiceMethod.MAIL.value,
            "dates": {
                "injury": _text(form, "injury") or None,
                "ur_decision": _text(form, "ur_decision") or None,
                "ur_served": _text(form, "ur_served") or None,
                "application_received": _text(form, "application_received") or None,
            },
            "liability_disputed": _text(form, "liability_disputed") == "yes",
            "claims_administrator_agrees_eligible": _text(form, "claims_administrator_agrees_eligible") == "yes",
            "parties": {
                **{name: _text(form, name) or None for name in _PARTY_FIELDS},
                "addresses": addresses,
            },
            "disputed_items": [
                {"request": line.strip(), "ur_outcome": _text(form, "ur_outcome") or UrOutcome.DENIED.value}
                for line in _text(form, "items").splitlines()
                if line.strip()
            ],
        }
    )


_PARTY_FIELDS = ("employee", "employer", "claims_administrator", "insurer", "requesting_physician", "facility")


def _values(application: Application) -> dict[str, Any]:
    """The form's values for an application (to correct it)."""
    dates = application.dates
    parties = application.parties
    values: dict[str, Any] = {
        "worker_id": application.worker_id,
        "claim_number": application.claim_number,
        "priority": application.priority.value,
        "signed": application.signed,
        "filer": application.filer.value,
        "designation_signed": application.designation_signed.isoformat() if application.designation_signed else "",
        "ur_service_method": application.ur_service_method.value,
        "injury": dates.injury.isoformat() if dates.injury else "",
        "ur_decision": dates.ur_decision.isoformat(),
        "ur_served": dates.ur_served.isoformat() if dates.ur_served else "",
        "application_received": dates.application_received.isoformat() if dates.application_received else "",
        "liability_disputed": application.liability_disputed,
        "claims_administrator_agrees_eligible": application.claims_administrator_agrees_eligible,
        "items": "\n".join(item.request for item in application.disputed_items),
        "ur_outcome": application.disputed_items[0].ur_outcome.value,
    }
    values.update({name: getattr(parties, name) or "" for name in _PARTY_FIELDS})
    values.update({f"address_{r.value}": address for r, address in parties.addresses.items()})
    return values


def _form_values(form: FormData) -> dict[str, Any]:
    return {key: _text(form, key) for key in form if isinstance(form.get(key), str) and key != CSRF_FIELD}


def _uploads(form: FormData) -> list[tuple[UploadFile, DocumentType]]:
    """The records attached to a filing form, each with its document type."""
    kinds = (
        ("ur_decision_file", DocumentType.UR_DECISION),
        ("records_files", DocumentType.MEDICAL_RECORD),
        ("summary_file", DocumentType.CLINICAL_SUMMARY),
    )
    return [
        (upload, kind)
        for name, kind in kinds
        for upload in form.getlist(name)
        if isinstance(upload, UploadFile) and upload.filename
    ]


def _store_upload(page: Page, case_id: int, upload: UploadFile, kind: DocumentType) -> None:
    limit = page.services.context.documents.max_bytes
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise OpenIMRError(f"more than the limit of {limit} bytes", upload.filename or "upload")
    page.services.intake.add_document(case_id, data, upload.filename, kind, None, page.actor, upload.content_type)


@router.get("/intake", response_class=HTMLResponse)
def intake_home(page: SignedIn) -> Response:
    """Applications, newest first, and the form to file one."""
    page.require(UserRole.INTAKE, UserRole.ADMIN)
    cases = page.services.cases.search(page.actor, limit=200)
    return page.render("intake.html.j2", "/intake", cases=cases, values={"signed": True}, options=OPTIONS)


@router.post("/intake/cases")
def file_application(page: SignedIn, form: Form) -> Response:
    """File an application with its records and screen it."""
    page.require(UserRole.INTAKE, UserRole.ADMIN)
    services = page.services
    try:
        result = services.intake.file_application(_application(form), page.actor)
    except (ValidationError, OpenIMRError) as error:
        if isinstance(error, NotFound | Forbidden):
            raise
        cases = services.cases.search(page.actor, limit=200)
        return page.render(
            "intake.html.j2",
            "/intake",
            status=422,
            problem=_problem(error),
            cases=cases,
            values=_form_values(form),
            options=OPTIONS,
        )
    case_id, number = result.case.id, result.case.case_number
    here = f"/intake/cases/{case_id}"
    if result.duplicate:
        return _attempt(
            page, here, here, lambda: _store_uploads(page, case_id, form), f"This application duplicates {number}: linked to it."
        )

    def records_and_screening() -> None:
        _store_uploads(page, case_id, form)
        services.screening.screen(case_id, ScreeningRequest(), page.actor)

    return _attempt(page, here, here, records_and_screening, f"Filed as {number} and screened.")


def _store_uploads(page: Page, case_id: int, form: FormData) -> None:
    for upload, kind in _uploads(form):
        _store_upload(page, case_id, upload, kind)


def _problem(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        return f"{'.'.join(str(part) for part in first['loc'])}: {first['msg']}"
    return str(error)


@router.get("/intake/cases/{case_id}", response_class=HTMLResponse)
def intake_case(case_id: CaseId, page: SignedIn) -> Response:
    """A case as intake sees it: screening with its reasons, items, records, and what can be done next."""
    page.require(UserRole.INTAKE, UserRole.ADMIN)
    case = page.services.cases.get(case_id, page.actor)
    state, outcome = CaseState(case.state), case.screening_outcome
    ineligible = state is CaseState.SCREENED and outcome == ScreeningOutcome.INELIGIBLE
    return page.render(
        "intake_case.html.j2",
        "/intake",
        case=case,
        options=OPTIONS,
        values=_values(page.services.intake.application(case_id, page.actor)) if ineligible else {},
        can_screen=state is CaseState.RECEIVED or (state is CaseState.SCREENED and outcome == ScreeningOutcome.DEFERRED),
        can_complete=state is CaseState.ASSIGNED,
        can_upload=state not in (CaseState.SIGNED, CaseState.ISSUED, CaseState.WITHDRAWN),
        can_correct=ineligible,
        can_withdraw=state not in (CaseState.ISSUED, CaseState.WITHDRAWN),
    )


@router.post("/intake/cases/{case_id}/screen")
def screen(case_id: CaseId, page: SignedIn, form: Form) -> Response:
    """Screen (again, for a deferred case whose liability dispute is resolved)."""
    page.require(UserRole.INTAKE, UserRole.ADMIN)
    here = f"/intake/cases/{case_id}"
    request = ScreeningRequest(liability_resolved=_text(form, "liability_resolved") == "yes")
    return _attempt(page, here, here, lambda: page.services.screening.screen(case_id, request, page.actor), "Screened.")


@router.post("/intake/cases/{case_id}/documents")
def upload(case_id: CaseId, page: SignedIn, form: Form) -> Response:
    """Add one document to a case."""
    page.require(UserRole.INTAKE, UserRole.ADMIN)
    here = f"/intake/cases/{case_id}"
    document = form.get("document")
    if not isinstance(document, UploadFile) or not document.filename:
        return _redirect(here, "Choose a file to upload.", "error")
    kind = DocumentType(_text(form, "type") or DocumentType.MEDICAL_RECORD.value)
    return _attempt(page, here, here, lambda: _store_upload(page, case_id, document, kind), "Document added.")


@router.post("/intake/cases/{case_id}/correct")
def correct(case_id: CaseId, page: SignedIn, form: Form) -> Response:
    """Correct an ineligible application and screen it again."""
    page.require(UserRole.INTAKE, UserRole.ADMIN)
    here = f"/intake/cases/{case_id}"

    def correct_and_screen() -> None:
        page.services.intake.correct(case_id, _application(form), page.actor)
        page.services.screening.screen(case_id, ScreeningRequest(), page.actor)

    return _attempt(page, here, here, correct_and_screen, "Corrected and screened again.")


@router.post("/intake/cases/{case_id}/withdraw")
def withdraw(case_id: CaseId, page: SignedIn, form: Form) -> Response:
    """Withdraw an application."""
    page.require(UserRole.INTAKE, UserRole.ADMIN)
    here = f"/intake/cases/{case_id}"
    reason = _text(form, "reason")
    return _attempt(page, here, here, lambda: page.services.intake.withdraw(case_id, reason, page.actor), "Withdrawn.")


@router.post("/intake/cases/{case_id}/records-complete")
def records_complete(case_id: CaseId, page: SignedIn, form: Form) -> Response:
    """The claims administrator's records are in: the case is drafted."""
    page.require(UserRole.INTAKE, UserRole.ADMIN)
    here = f"/intake/cases/{case_id}"
    return _attempt(
        page, here, here, lambda: page.services.drafting.complete_records(case_id, page.actor), "Records complete: drafted."
    )


# -- administration -------------------------------------------------------------------------------------------------


@router.get("/admin", response_class=HTMLResponse)
def admin_home(page: SignedIn) -> Response:
    """Cases, the reviewer pool, users and their tokens."""
    page.require(UserRole.ADMIN)
    return _admin_page(page)


def _admin_page(page: Page, new_token: Any = None, status: int = 200) -> HTMLResponse:
    users = page.services.users.list(page.actor)
    return page.render(
        "admin.html.j2",
        "/admin",
        status=status,
        cases=page.services.cases.search(page.actor, limit=200),
        reviewers=page.services.reviewers.pool(page.actor),
        users=[{"name": u.name, "role": u.role.value, "reviewer_id": u.reviewer_id, "extra": []} for u in users],
        token_columns=[],
        tokens=page.services.users.tokens(page.actor),
        new_token=new_token,
        roles=[r.value for r in UserRole],
        affiliation_kinds=[k.value for k in AffiliationKind],
    )


def _affiliations(text: str) -> list[Affiliation]:
    found = []
    for line in text.splitlines():
        kind, _, name = line.partition(":")
        if line.strip():
            found.append(Affiliation.model_validate({"kind": kind.strip().lower().replace(" ", "_"), "name": name.strip()}))
    return found


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


@router.post("/admin/reviewers")
def add_reviewer(page: SignedIn, form: Form) -> Response:
    """Add a reviewer to the pool, and a sign-in for them unless told not to."""
    page.require(UserRole.ADMIN)
    try:
        profile = ReviewerProfile(
            name=_text(form, "name"),
            licensure=[code.upper() for code in _split(_text(form, "licensure"))],
            board_certifications=_split(_text(form, "specialties")),
            years_in_practice=int(_text(form, "years") or -1),
            practice_hours_per_week=int(_text(form, "hours") or -1),
            affiliations=_affiliations(_text(form, "affiliations")),
        )
        added = page.services.reviewers.add(profile, page.actor)
        created = None
        if _text(form, "create_user") == "yes":
            user = NewUser(name=f"{profile.name} ({added.id})", role=UserRole.REVIEWER, reviewer_id=added.id)
            created = page.services.users.add(user, page.actor)
    except (ValidationError, ValueError, OpenIMRError) as error:
        return _redirect("/admin", _problem(error), "error")
    return _admin_page(page, new_token=created) if created else _redirect("/admin", f"Reviewer {added.id} added.")


@router.post("/admin/users")
def add_user(page: SignedIn, form: Form) -> Response:
    """Provision a user; the token is shown once."""
    page.require(UserRole.ADMIN)
    try:
        reviewer = _text(form, "reviewer_id")
        user = NewUser(
            name=_text(form, "name"), role=UserRole(_text(form, "role")), reviewer_id=int(reviewer) if reviewer else None
        )
        created = page.services.users.add(user, page.actor)
    except (ValidationError, ValueError, OpenIMRError) as error:
        return _redirect("/admin", _problem(error), "error")
    return _admin_page(page, new_token=created)


@router.post("/admin/tokens")
def issue_token(page: SignedIn, form: Form) -> Response:
    """Issue another token for a user (with an expiry, if given); shown once."""
    page.require(UserRole.ADMIN)
    try:
        days = _text(form, "days")
        created = page.services.users.issue_token_for(
            _text(form, "name"), _text(form, "label") or None, int(days) if days else None, page.actor
        )
    except (ValidationError, ValueError, OpenIMRError) as error:
        return _redirect("/admin#tokens", _problem(error), "error")
    return _admin_page(page, new_token=created)


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_token(token_id: CaseId, page: SignedIn, form: Form) -> Response:
    """Revoke a token: it stops working at once, and so do the browser sessions signed in with it."""
    page.require(UserRole.ADMIN)
    return _attempt(
        page,
        "/admin#tokens",
        "/admin#tokens",
        lambda: page.services.users.revoke(token_id, page.actor),
        f"Token {token_id} revoked.",
    )


@router.get("/admin/cases/{case_id}", response_class=HTMLResponse)
def admin_case(case_id: CaseId, page: SignedIn) -> Response:
    """A case's assignment: every reviewer, acceptable or not and why."""
    page.require(UserRole.ADMIN)
    case = page.services.cases.get(case_id, page.actor)
    candidates = page.services.assignment.candidates(case_id, page.actor)
    can_assign = case.state == CaseState.SCREENED and case.screening_outcome == ScreeningOutcome.ELIGIBLE
    return page.render("admin_case.html.j2", "/admin", case=case, candidates=candidates, can_assign=can_assign)


@router.post("/admin/cases/{case_id}/assign")
def assign(case_id: CaseId, page: SignedIn, form: Form) -> Response:
    """Assign the reviewer named, or the least-loaded acceptable one."""
    page.require(UserRole.ADMIN)
    here = f"/admin/cases/{case_id}"
    chosen = _text(form, "reviewer_id")
    request = AssignRequest(reviewer_id=int(chosen) if chosen.isdigit() else None)
    return _attempt(page, here, here, lambda: page.services.assignment.assign(case_id, request, page.actor), "Assigned.")


@router.get("/admin/cases/{case_id}/letter.pdf")
def admin_letter(case_id: CaseId, page: SignedIn) -> Response:
    """The letter (issued, or a preview)."""
    page.require(UserRole.ADMIN)
    return _pdf(page.services.signing.preview(case_id, "pdf", page.actor), case_id)


@router.get("/admin/deadlines", response_class=HTMLResponse)
def deadlines(page: SignedIn) -> Response:
    """Overdue cases and those due within three days."""
    page.require(UserRole.ADMIN)
    boards = [
        ("Overdue", page.services.cases.deadlines(page.actor, overdue=True)),
        ("Due within 72 hours", page.services.cases.deadlines(page.actor, overdue=False, within=dt.timedelta(hours=72))),
    ]
    return page.render("deadlines.html.j2", "/admin/deadlines", boards=boards)


# -- the reviewer ---------------------------------------------------------------------------------------------------

_FAR = dt.datetime.max.replace(tzinfo=dt.UTC)


@router.get("/reviewer", response_class=HTMLResponse)
def queue(page: SignedIn) -> Response:
    """The reviewer's open cases, the nearest deadline first."""
    page.require(UserRole.REVIEWER)
    now = _now()
    open_states = {CaseState.ASSIGNED, CaseState.RECORDS_COMPLETE, CaseState.IN_REVIEW, CaseState.DRAFTED, CaseState.SIGNED}
    mine = [c for c in page.services.cases.search(page.actor, limit=500) if CaseState(c.state) in open_states]
    rows = [(c, c.determination_due or c.records_due, (c.determination_due or c.records_due or _FAR) < now) for c in mine]
    rows.sort(key=lambda row: row[1] or _FAR)
    return page.render("reviewer_queue.html.j2", "/reviewer", queue=rows)


@dataclass
class _ItemPanel:
    position: int
    request: str
    excluded_reason: str | None
    decision: str | None
    rationale: str | None
    guideline: str | None
    version: int
    topic: str | None = None
    category: str | None = None
    flags: list[str] = field(default_factory=list)
    groups: list[Any] = field(default_factory=list)
    all_criteria: list[CriterionRow] = field(default_factory=list)
    precedents: list[Precedent] = field(default_factory=list)
    precedent_summary: str | None = None


def _panels(case: CaseView, draft: DraftView, spans: Spans) -> list[_ItemPanel]:
    listed = draft.engine_determination.get("items")
    engine_items = iter(listed if isinstance(listed, list) else [])
    panels = []
    for item in case.items:
        panel = _ItemPanel(
            item.position,
            item.request,
            item.excluded_reason,
            item.decision.value if item.decision else None,
            item.rationale,
            item.guideline,
            item.version,
        )
        if item.excluded_reason is None:
            drafted = ItemDetermination.model_validate(next(engine_items))
            overrides = {k: v.model_dump(mode="json") for k, v in item.criteria_overrides.items()}
            shown = final_item(drafted, panel.decision, item.rationale, item.guideline, overrides).model_dump(mode="json")
            panel.topic, panel.category, panel.flags = shown.get("topic"), shown.get("category"), list(shown.get("flags") or [])
            panel.groups = criteria_groups(shown, spans)
            panel.all_criteria = [c for group in panel.groups for c in group.criteria]
            panel.precedents, panel.precedent_summary = drafted.precedents, drafted.precedent_summary
        panels.append(panel)
    return panels


@router.get("/reviewer/cases/{case_id}", response_class=HTMLResponse)
def reviewer_case(case_id: CaseId, page: SignedIn) -> Response:
    """The case page: the records with the evidence highlighted, each item's criteria linked to their spans, the
    decisions, rationales, guideline lines and summary to edit, the letter preview, signing and issuing."""
    page.require(UserRole.REVIEWER)
    services = page.services
    case = services.cases.get(case_id, page.actor)
    try:
        draft: DraftView | None = services.drafts.get(case_id, page.actor)
    except NotFound:
        draft = None
    spans = Spans()
    items = _panels(case, draft, spans) if draft else []
    documents = []
    anchors: dict[str, str] = {}
    for document, text in services.cases.records(case_id, page.actor):
        segments, found = record_segments(text, spans.in_document(document.id))
        anchors.update(found)
        label = f"{document.type.replace('_', ' ')}{' · ' + document.filename if document.filename else ''}"
        documents.append({"id": document.id, "label": label, "segments": segments})
    for criterion in (c for item in items for c in item.all_criteria):
        criterion.anchor = anchors.get(criterion.spans.split(" ")[0]) if criterion.spans else None
    return page.render(
        "reviewer_case.html.j2",
        "/reviewer",
        case=case,
        draft=draft,
        items=items,
        documents=documents,
        editable=case.state == CaseState.DRAFTED,
    )


@router.post("/reviewer/cases/{case_id}/summary")
def edit_summary(case_id: CaseId, page: SignedIn, form: Form) -> Response:
    """Save the Clinical Case Summary."""
    page.require(UserRole.REVIEWER)
    here = f"/reviewer/cases/{case_id}"
    edit = SummaryEdit(version=int(_text(form, "version") or 0), summary=_text(form, "summary"))
    return _attempt(
        page,
        here,
        here + "#summary-heading",
        lambda: page.services.drafts.edit_summary(case_id, edit, page.actor),
        "Summary saved.",
    )


@router.post("/reviewer/cases/{case_id}/items/{position}")
def edit_item(case_id: CaseId, position: Position, page: SignedIn, form: Form) -> Response:
    """Save what changed in one item: decision, rationale, guideline line, criterion statuses."""
    page.require(UserRole.REVIEWER)
    here = f"/reviewer/cases/{case_id}"
    case = page.services.cases.get(case_id, page.actor)
    item = next((i for i in case.items if i.position == position), None)
    if item is None:
        raise NotFound("no such item", f"{case.case_number} item {position}")
    decision = _text(form, "decision")
    rationale, guideline = _text(form, "rationale"), _text(form, "guideline")
    criteria = []
    for criterion_id, status, note in zip(
        form.getlist("criterion_id"), form.getlist("criterion_status"), form.getlist("criterion_note"), strict=False
    ):
        current = item.criteria_overrides.get(str(criterion_id))
        wanted = str(status) or None
        note = str(note).strip()
        if (current.status.value if current and current.status else None) != wanted or (
            wanted and current and current.note != note
        ):
            criteria.append(
                CriterionEdit.model_validate({"id": str(criterion_id), "status": wanted, "note": note if wanted else ""})
            )
    edit = ItemEdit(
        version=int(_text(form, "version") or 0),
        decision=Decision(decision) if decision and decision != (item.decision.value if item.decision else None) else None,
        rationale=rationale if rationale != (item.rationale or "").strip() else None,
        guideline=guideline if guideline != (item.guideline or "").strip() else None,
        criteria=criteria,
    )
    if edit.decision is None and edit.rationale is None and edit.guideline is None and not edit.criteria:
        return _redirect(f"{here}#item-{position}", f"Item {position}: nothing changed.")
    return _attempt(
        page,
        here,
        f"{here}#item-{position}",
        lambda: page.services.drafts.edit_item(case_id, position, edit, page.actor),
        f"Item {position} saved.",
    )


@router.post("/reviewer/cases/{case_id}/sign")
def sign(case_id: CaseId, page: SignedIn, form: Form) -> Response:
    """Sign the determination as it stands."""
    page.require(UserRole.REVIEWER)
    here = f"/reviewer/cases/{case_id}"
    return _attempt(page, here, here, lambda: page.services.signing.sign(case_id, page.actor), "Signed.")


@router.post("/reviewer/cases/{case_id}/issue")
def issue(case_id: CaseId, page: SignedIn, form: Form) -> Response:
    """Issue the signed letter."""
    page.require(UserRole.REVIEWER)
    here = f"/reviewer/cases/{case_id}"
    return _attempt(page, here, here, lambda: page.services.signing.issue(case_id, page.actor), "Issued.")


@router.post("/reviewer/cases/{case_id}/redraft")
def redraft(case_id: CaseId, page: SignedIn, form: Form) -> Response:
    """Run the engine again after a failed drafting."""
    page.require(UserRole.REVIEWER)
    here = f"/reviewer/cases/{case_id}"
    return _attempt(page, here, here, lambda: page.services.drafting.redraft(case_id, page.actor), "Drafted again.")


@router.get("/reviewer/cases/{case_id}/letter.pdf")
def reviewer_letter(case_id: CaseId, page: SignedIn) -> Response:
    """The letter as it would be issued (DRAFT until signed), or as issued."""
    page.require(UserRole.REVIEWER)
    return _pdf(page.services.signing.preview(case_id, "pdf", page.actor), case_id)


def _pdf(data: bytes, case_id: int) -> Response:
    """A letter shown inline; the case page frames it, so it may be framed by this site's own pages only."""
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{quote(f"letter-{case_id}.pdf")}"',
            "X-Frame-Options": "SAMEORIGIN",
            "Content-Security-Policy": "default-src 'none'; frame-ancestors 'self'",
        },
    )


# -- audit ----------------------------------------------------------------------------------------------------------


def _readable(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(_readable(v) for v in value) or "(none)"
    if isinstance(value, dict):
        return "; ".join(f"{k.replace('_', ' ')}: {_readable(v)}" for k, v in value.items()) or "(none)"
    return "(none)" if value is None or value == "" else str(value)


@router.get("/audit/{case_id}", response_class=HTMLResponse)
def audit(case_id: CaseId, page: SignedIn) -> Response:
    """The case's full audit trail, readable."""
    case = page.services.cases.get(case_id, page.actor)
    entries = [
        {
            "at": e.at,
            "actor": e.actor,
            "action": e.action,
            "before": [(k, _readable(v)) for k, v in (e.before or {}).items()],
            "after": [(k, _readable(v)) for k, v in (e.after or {}).items()],
        }
        for e in page.services.cases.audit_trail(case_id, page.actor)
    ]
    return page.render("audit.html.j2", HOME[page.actor.role], case=case, entries=entries)


# -- the pre-submission check ---------------------------------------------------------------------------------------

CHECK_ROLES = (UserRole.INTAKE, UserRole.ADMIN, UserRole.REVIEWER)
"""Who may check a request: any signed-in user, as with `POST /check` (nothing is stored and no case is read)."""
PASTED = "pasted text"


@dataclass(frozen=True)
class _Download:
    """The report in one format, as a link that downloads it (a data: address: nothing is kept on the server)."""

    label: str
    filename: str
    href: str


@dataclass
class _CheckView:
    """A check report as the page shows it: the report, the records cut at its evidence spans, and for each span the
    id its marks carry and the element its links point at."""

    report: CheckReport
    documents: list[dict[str, Any]]
    links: dict[tuple[str, int, int], tuple[str, str | None]]
    downloads: list[_Download]


def _check_values(form: FormData | None = None) -> dict[str, Any]:
    """What the check form shows: what was typed (the uploads cannot be kept), else the defaults."""
    if form is None:
        return {"ur_decision": _now().date().isoformat()}
    return _form_values(form)


def _records(page: Page, form: FormData) -> list[dict[str, Any]]:
    """The records given on the check form, read (not stored): each upload checked by content as intake checks it,
    then the pasted text."""
    store = page.services.context.documents
    records: list[dict[str, Any]] = []
    names: set[str] = set()
    for upload in form.getlist("record_files"):
        if not isinstance(upload, UploadFile) or not upload.filename:
            continue
        name = display_name(upload.filename) or "upload"
        read = store.read_upload(upload.file.read(store.max_bytes + 1), name, declares_pdf(name, upload.content_type))
        unique = name
        for n in itertools.count(2):
            if unique not in names:
                break
            unique = f"{name} ({n})"
        names.add(unique)
        records.append({**read.document.model_dump(exclude={"id", "type"}), "id": unique, "type": DocumentType.MEDICAL_RECORD})
    if _text(form, "record_text"):
        records.append({"id": PASTED, "type": DocumentType.PROGRESS_REPORT, "text": _text(form, "record_text")})
    return records


def _check_case_file(page: Page, form: FormData) -> Case:
    """The case file the check form describes, validated as `imr check` validates a case file."""
    planned = [{"request": line.strip()} for line in _text(form, "items").splitlines() if line.strip()]
    if not planned:
        raise OpenIMRError("enter at least one planned request, one per line", "Planned requests")
    records = _records(page, form)
    if not records:
        raise OpenIMRError("upload the records (PDF or text) or paste their text", "Records")
    age = _text(form, "age")
    if age and not age.isdigit():
        raise OpenIMRError(f"{age!r} is not a number of years", "Age")
    data = {
        "case_number": _text(form, "reference") or None,
        "dates": {"injury": _text(form, "injury") or None, "ur_decision": _text(form, "ur_decision") or None},
        "patient": {"age": int(age) if age else None},
        "documents": records,
        "planned_items": planned,
    }
    return parse_case(data, "The form", Path("."))


def _download_name(report: CheckReport, extension: str) -> str:
    reference = re.sub(r"[^A-Za-z0-9._-]+", "-", report.case_number or "").strip("-.")
    return f"check-{reference or 'request'}.{extension}"


def _check_view(case: Case, report: CheckReport) -> _CheckView:
    spans = Spans()
    criteria = [
        c
        for item in report.items
        for c in [*item.requirements, *(c for i in item.indications for c in i.criteria), *item.exclusions]
    ]
    for span in (e for c in criteria for e in c.evidence):
        spans.id_for(span.document_id, span.start, span.end)
    documents, anchors = [], {}
    for document in case.documents:
        segments, found = record_segments(document.text, spans.in_document(document.id))
        anchors.update(found)
        documents.append({"id": document.id, "segments": segments})
    links = {key: (span_id, anchors.get(span_id)) for key, span_id in spans.ids.items()}
    downloads = [
        _Download(label, _download_name(report, extension), f"data:{media};base64,{base64.b64encode(data).decode()}")
        for label, extension, media, data in (
            ("Markdown", "md", "text/markdown", render_check(report, "md")),
            ("PDF", "pdf", "application/pdf", render_check(report, "pdf")),
        )
    ]
    return _CheckView(report, documents, links, downloads)


@router.get(CHECK, response_class=HTMLResponse)
def request_check(page: SignedIn) -> Response:
    """The pre-submission check's form: the records, the planned requests, the case's dates."""
    page.require(*CHECK_ROLES)
    return page.render("request_check.html.j2", CHECK, values=_check_values(), view=None)


@router.post(CHECK, response_class=HTMLResponse)
def run_request_check(page: SignedIn, form: Form) -> Response:
    """Run the pre-submission check (the one `imr check` and `POST /check` run) and show its report, with the report
    to download as Markdown and PDF. Nothing is stored."""
    page.require(*CHECK_ROLES)
    values = _check_values(form)
    try:
        case = _check_case_file(page, form)
        report = check_case(case)
    except (ValidationError, OpenIMRError) as error:
        return page.render("request_check.html.j2", CHECK, status=422, problem=_problem(error), values=values, view=None)
    return page.render("request_check.html.j2", CHECK, values=values, view=_check_view(case, report))
