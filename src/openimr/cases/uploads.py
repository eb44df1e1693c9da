"""Safe storage of case documents: a size limit, the type checked by content, bytes stored under generated ids.

A document's name is kept for display only and never touches the file system: the bytes go to
`<root>/<id[:2]>/<id>` where `id` is a random UUID, written to a temporary file and renamed, so a crash never leaves
half a document. The file is synced to disk before its row is committed, so a committed row always has its file; a file
whose row never committed is swept when the server starts (`sweep`). Accepted types, decided by content: PDF (the
`%PDF-` signature and a text layer the document reader can read) and plain text (as `openimr.documents.read_document`
decodes it). Anything else, including a file named ".pdf" that is not a PDF, is refused.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from openimr.cases.errors import UnsupportedDocument, UploadTooLarge
from openimr.documents import read_document
from openimr.errors import OpenIMRError

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
PDF = "application/pdf"
TEXT = "text/plain"


@dataclass(frozen=True)
class StoredDocument:
    """A document accepted into the store."""

    id: str
    media_type: str
    size: int
    sha256: str
    text: str


class DocumentStore:
    """Case documents on disk, under generated ids."""

    def __init__(self, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def path(self, document_id: str) -> Path:
        """Where a stored document's bytes are (the id is a UUID we generated, never a user's name)."""
        uuid.UUID(document_id)
        return self.root / document_id[:2] / document_id

    def save(self, data: bytes, source: str, declared_pdf: bool = False) -> StoredDocument:
        """Check and store one document; `source` names it in errors.

        Refuses oversized and unrecognised content, and content that is not a PDF when the sender declared a PDF
        (by name or media type).
        """
        if len(data) > self.max_bytes:
            raise UploadTooLarge(f"{len(data)} bytes is over the limit of {self.max_bytes} bytes", source)
        if not data:
            raise UnsupportedDocument("the document is empty", source)
        if declared_pdf and not data.startswith(b"%PDF-"):
            raise UnsupportedDocument("declared a PDF, but the content is not a PDF (no %PDF- signature)", source)
        document_id = str(uuid.uuid4())
        target = self.path(document_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        is_pdf = data.startswith(b"%PDF-")
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-", suffix=".pdf" if is_pdf else ".txt")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            try:
                text = read_document(Path(temporary)).text
            except OpenIMRError as error:
                what = "not a readable PDF" if is_pdf else "neither a PDF nor a readable text document"
                raise UnsupportedDocument(f"{what} (checked by content, not by name): {error.problem}", source) from None
            os.replace(temporary, target)
            _sync_directory(target.parent)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return StoredDocument(document_id, PDF if is_pdf else TEXT, len(data), hashlib.sha256(data).hexdigest(), text)

    def discard(self, document_id: str) -> None:
        """Remove a stored document that was refused after it was stored (its case could not take it)."""
        self.path(document_id).unlink(missing_ok=True)

    def read(self, document_id: str) -> bytes:
        """The bytes of a stored document."""
        return self.path(document_id).read_bytes()

    def stored_ids(self) -> set[str]:
        """The ids of every document file in the store."""
        return {p.name for p in self.root.glob("??/*") if p.is_file() and not p.name.startswith(".")}

    def sweep(self, referenced: set[str]) -> int:
        """Remove the files no document row refers to (their request never committed: the process died between storing
        the file and committing the row) and half-written temporary files; the number removed.

        Run only while nothing else stores documents in this store (`imr serve` does it before it serves)."""
        removed = 0
        for path in self.root.glob("??/*"):
            if path.is_file() and (path.name.startswith(".upload-") or path.name not in referenced):
                path.unlink(missing_ok=True)
                removed += 1
        return removed


def _sync_directory(folder: Path) -> None:
    """Make a rename in `folder` durable."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
