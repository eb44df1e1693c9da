"""A case's documents: upload (checked by content, size-limited) and download."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from openimr.api.deps import Caller, CaseId, DocumentId, ServicesDep
from openimr.cases.domain import DocumentType
from openimr.cases.errors import UploadTooLarge
from openimr.cases.schemas import CaseDate, DocumentView

router = APIRouter(tags=["documents"])


@router.post("/cases/{case_id}/documents", status_code=201)
async def upload_document(
    case_id: CaseId,
    caller: Caller,
    services: ServicesDep,
    file: Annotated[UploadFile, File(description="A PDF or UTF-8 text document.")],
    type: Annotated[DocumentType, Form()] = DocumentType.MEDICAL_RECORD,
    date: Annotated[CaseDate | None, Form()] = None,
) -> DocumentView:
    """Upload a document (intake, admin): size-limited, type checked by content, stored under a generated id."""
    limit = services.context.documents.max_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise UploadTooLarge(f"more than the limit of {limit} bytes", file.filename or "upload")
    return await run_in_threadpool(
        services.intake.add_document, case_id, data, file.filename, type, date, caller, file.content_type
    )


@router.get("/cases/{case_id}/documents/{document_id}", response_class=Response)
def download_document(case_id: CaseId, document_id: DocumentId, caller: Caller, services: ServicesDep) -> Response:
    """A document's bytes, as stored."""
    view, data = services.intake.document(case_id, document_id, caller)
    return Response(data, media_type=view.media_type, headers={"Content-Disposition": f'attachment; filename="{view.id}"'})
