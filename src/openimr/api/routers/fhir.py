"""FHIR (Da Vinci PAS): `POST /fhir/Claim/$submit` takes a PAS request Bundle and answers with a PAS response Bundle.

The engine drafts the determination while the request waits, and the ClaimResponse says it is a draft not yet signed by
a physician reviewer; a request that carries no records is pended (outcome queued, every item A4) and asks for them.
Nothing is stored. A body that is no FHIR JSON is 400, a Bundle openimr refuses 422, each with an OperationOutcome
naming the element.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from openimr.api.deps import Caller
from openimr.cases.domain import UserRole
from openimr.fhir import BundleError, IssueType, operation_outcome, pended_response, read_pas_request, response_bundle
from openimr.review import review_case

router = APIRouter(prefix="/fhir", tags=["fhir"])

FHIR_JSON = "application/fhir+json"
_SUBMITTERS = {UserRole.INTAKE, UserRole.ADMIN}


def _outcome(error: BundleError, status: int | None = None) -> JSONResponse:
    code = status or (400 if error.issue is IssueType.STRUCTURE else 422)
    return JSONResponse(operation_outcome(error), status_code=code, media_type=FHIR_JSON)


def _bundle_of(data: Any) -> Any:
    """The Bundle of a $submit body: the Bundle itself, or the `resource` parameter of a Parameters resource."""
    if isinstance(data, dict) and data.get("resourceType") == "Parameters":
        for parameter in data.get("parameter") or []:
            if isinstance(parameter, dict) and parameter.get("name") == "resource":
                return parameter.get("resource")
        raise BundleError("no 'resource' parameter holding the Bundle", "Parameters.parameter", IssueType.REQUIRED)
    return data


def _answer(data: Any) -> str:
    request = read_pas_request(_bundle_of(data))
    if not request.documents:
        bundle = pended_response(request.source, request.items)
    else:
        case = request.case()
        bundle = response_bundle(case.source_request, case.disputed_items, review_case(case))
    return bundle.model_dump_json(exclude_none=True)


@router.post(
    "/Claim/$submit",
    response_class=Response,
    responses={
        200: {
            "description": "A PAS response Bundle: the ClaimResponse (drafted, or pended without records).",
            "content": {FHIR_JSON: {}},
        },
        400: {"description": "Not FHIR JSON: an OperationOutcome.", "content": {FHIR_JSON: {}}},
        403: {"description": "The caller may not submit (intake and admin may).", "content": {FHIR_JSON: {}}},
        422: {"description": "A Bundle openimr refuses: an OperationOutcome naming the element.", "content": {FHIR_JSON: {}}},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {FHIR_JSON: {"schema": {"type": "object"}}, "application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def submit(request: Request, caller: Caller) -> Response:
    """Submit a Da Vinci PAS request Bundle (intake, admin): the engine's draft as a PAS response Bundle."""
    if caller.role not in _SUBMITTERS:
        return _outcome(
            BundleError(f"a {caller.role.value} may not submit prior-authorization requests", "Bundle", IssueType.FORBIDDEN), 403
        )
    body = await request.body()
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        where = f" (line {error.lineno}: {error.msg})" if isinstance(error, json.JSONDecodeError) else ""
        return _outcome(BundleError(f"the body is not JSON{where}", "Bundle", IssueType.STRUCTURE))
    try:
        answer = await run_in_threadpool(_answer, data)
    except BundleError as error:
        return _outcome(error)
    return Response(answer, media_type=FHIR_JSON)
