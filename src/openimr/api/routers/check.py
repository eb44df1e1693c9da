"""The requesting side's pre-submission check: `POST /check` takes a case file (the planned items as disputed items,
records inline) and answers with the check report, as JSON or as Markdown, HTML or PDF (`?format=`).

Nothing is stored: a treating physician or a UR team asks what the record must document before a request is sent."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from openimr.api.deps import Caller
from openimr.errors import OpenIMRError
from openimr.model import Case
from openimr.review.precheck import CheckReport, check_case, render_check

router = APIRouter(tags=["check"])

_MEDIA = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8", "pdf": "application/pdf"}


@router.post(
    "/check",
    response_model=CheckReport,
    responses={200: {"content": {media: {} for media in _MEDIA.values()}}},
    summary="Pre-submission check of planned requests",
)
async def check(
    case: Case,
    caller: Caller,
    format: Literal["json", "md", "html", "pdf"] = Query("json", description="Report format."),
) -> CheckReport | Response:
    """For each planned item: its guideline topic and era, each indication with its criteria (documented, contradicted,
    not documented) and their spans, what is missing for the nearest indication, and the likely outcome."""
    del caller  # any signed-in user may check a request
    if any(document.path for document in case.documents):
        raise OpenIMRError("documents must carry their text inline (a path is read only from a case file)", "documents")
    report = await run_in_threadpool(check_case, case)
    if format == "json":
        return report
    data = await run_in_threadpool(render_check, report, format)
    return Response(content=data, media_type=_MEDIA[format])
