"""Safe storage of case documents: a size limit, the type checked by content, bytes stored under generated ids.

A document's name is kept for display only and never touches the file system: the bytes go to
`<root>/<id[:2]>/<id>` where `id` is a random UUID. The file and its folder are synced to disk before its row is
committed, so a committed row always has its whole file (a file cut short by a crash has no row), and a file is removed
only once its row is known not to have committed: at once when its transaction failed before COMMIT,
after a check by id once the database answers when the COMMIT's outcome was unknown, or when the server starts
(`sweep`, only while no other process uses the store). Accepted types, decided by content: PDF (the
`%PDF-` signature and a text layer the document reader can read) and plain text (as `openimr.documents.read_document`
decodes it), and scanned records, image-only PDFs and PNG, TIFF or JPEG images, read by OCR page by page (the pages read
so are kept with the document). Anything else, including a file named ".pdf" that is not a PDF, is refused. A scanned
upload to a case is checked at once and stored with its OCR still to do (`ocr_later`): a job reads it (`read_by_ocr`).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from cryptography.fernet import Fernet, InvalidToken

from openimr.cases.errors import UnsupportedDocument, UploadTooLarge
from openimr.documents import DocumentKind, read_document_bytes
from openimr.documents.ocr import image_media_type
from openimr.documents.reader import pages_for_ocr
from openimr.errors import OpenIMRError
from openimr.model import Document

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
ENCRYPTED = b"openimr-fernet-1\n"
"""How an encrypted document file begins; a Fernet token (AES-128-CBC with HMAC-SHA256) follows."""

ENCRYPTED_TEXT = "openimr-fernet-1:"
"""How a document's extracted text, kept in the database, begins when it is encrypted; a Fernet token follows."""


class DocumentKeyError(OpenIMRError):
    """The document key is missing, malformed or not the one a document was encrypted with."""


def _cipher(key: str) -> Fernet:
    try:
        return Fernet(key.encode())
    except (ValueError, TypeError):
        raise DocumentKeyError(
            "is not a Fernet key (32 url-safe base64-encoded bytes): make one with `imr keys generate`", "OPENIMR_DOCUMENT_KEY"
        ) from None


def generate_key() -> str:
    """A new random document key."""
    return Fernet.generate_key().decode()


PDF = "application/pdf"
TEXT = "text/plain"


def declares_pdf(filename: str | None, media_type: str | None) -> bool:
    """Whether the sender declared a PDF, by the file's name or the media type it sent."""
    return (media_type or "").lower() == PDF or (filename or "").lower().endswith(".pdf")


def _kind(media_type: str) -> DocumentKind:
    """How a stored document of this media type is read."""
    return "pdf" if media_type == PDF else "image" if media_type.startswith("image/") else "text"


@dataclass(frozen=True)
class ReadUpload:
    """A document checked by content and read, not stored (`ocr_pending`: its pages to read by OCR are not read yet)."""

    media_type: str
    document: Document
    ocr_pending: bool = False


@dataclass(frozen=True)
class StoredDocument:
    """A document accepted into the store."""

    id: str
    media_type: str
    size: int
    sha256: str
    text: str
    page_offsets: list[int]
    ocr_pages: list[int]
    ocr_pending: bool


@dataclass(frozen=True)
class PreparedDocument:
    """A document checked, read and given its id (`DocumentStore.prepare`), with the bytes its file will hold (encrypted
    when the store has a key), not yet written (`DocumentStore.write`)."""

    document: StoredDocument
    payload: bytes


class DocumentStore:
    """Case documents on disk, under generated ids."""

    def __init__(self, root: Path, max_bytes: int = DEFAULT_MAX_BYTES, key: str | None = None) -> None:
        """`key`: a Fernet key (`imr keys generate`) to encrypt documents at rest with; without it they are stored as
        given. Documents stored before a key was set stay readable."""
        self.root = root
        self.max_bytes = max_bytes
        self._cipher = _cipher(key) if key else None
        self._folder = (-1, "00")
        """The second (of `time.monotonic`) and the folder of `folder_now`."""

    def path(self, document_id: str) -> Path:
        """Where a stored document's bytes are (the id is a UUID we generated, never a user's name)."""
        uuid.UUID(document_id)
        return self.root / document_id[:2] / document_id

    def read_upload(self, data: bytes, source: str, declared_pdf: bool = False, ocr_later: bool = False) -> ReadUpload:
        """Check one document as `save` would and read it, storing nothing; `source` names it in errors. With
        `ocr_later`, a document with pages to read by OCR is checked (it opens, page by page) but not read:
        `ocr_pending`, its text empty until `read_by_ocr`.

        Refuses oversized and unrecognised content, and content that is not a PDF when the sender declared a PDF
        (by name or media type).
        """
        if len(data) > self.max_bytes:
            raise UploadTooLarge(f"{len(data)} bytes is over the limit of {self.max_bytes} bytes", source)
        if not data:
            raise UnsupportedDocument("the document is empty", source)
        if data.startswith(ENCRYPTED):
            raise UnsupportedDocument("begins with openimr's own encryption marker", source)
        if declared_pdf and not data.startswith(b"%PDF-"):
            raise UnsupportedDocument("declared a PDF, but the content is not a PDF (no %PDF- signature)", source)
        image = image_media_type(data)
        media_type = PDF if data.startswith(b"%PDF-") else image or TEXT
        kind = _kind(media_type)
        try:
            if ocr_later and pages_for_ocr(data, kind, source):
                return ReadUpload(media_type, Document(id="upload", type=kind), ocr_pending=True)
            read = read_document_bytes(data, kind, "upload", source, ocr=True)
        except OpenIMRError as error:
            what = {"pdf": "not a readable PDF", "image": "not a readable image"}.get(
                kind, "neither a PDF, an image nor a readable text document"
            )
            raise UnsupportedDocument(f"{what} (checked by content, not by name): {error.problem}", source) from None
        return ReadUpload(media_type, read)

    def save(self, data: bytes, source: str, declared_pdf: bool = False, ocr_later: bool = False) -> StoredDocument:
        """Check (as `read_upload` does) and store one document; `source` names it in errors."""
        prepared = self.prepare(data, source, declared_pdf, ocr_later=ocr_later)
        self.write([prepared])
        return prepared.document

    def prepare(
        self, data: bytes, source: str, declared_pdf: bool = False, folder: str | None = None, ocr_later: bool = False
    ) -> PreparedDocument:
        """Check (as `read_upload` does) and read one document and give it its id, writing nothing yet (`write`). Given
        `folder` (from `folder_now`), its file goes in that folder: documents synced together then need that one folder
        synced, not one each."""
        upload = self.read_upload(data, source, declared_pdf, ocr_later)
        read = upload.document
        digest = hashlib.sha256(data).hexdigest()
        stored = StoredDocument(
            _document_id(folder),
            upload.media_type,
            len(data),
            digest,
            read.text,
            read.page_offsets,
            read.ocr_pages,
            upload.ocr_pending,
        )
        return PreparedDocument(stored, ENCRYPTED + self._cipher.encrypt(data) if self._cipher else data)

    def folder_now(self) -> str:
        """The folder the documents written now share: a random one, changed each second (so that over time the
        documents spread over all the folders, while the documents of filings synced together share one)."""
        second = int(time.monotonic())
        if self._folder[0] != second:
            self._folder = (second, os.urandom(1).hex())
        return self._folder[1]

    def write(self, documents: Sequence[PreparedDocument], sync: bool = True) -> None:
        """Store prepared documents on disk, all or none, in one pass: each written under its id, then all synced, then
        their folders (a file's name in its folder is durable once the folder is synced). Once it returns, every file is
        whole and durable, so a row naming one may be committed; if it fails, none is left. A file cut short by a crash
        has no row, and goes at the next start (`sweep`) as any file whose row never committed.

        Without `sync`, the files are written and not synced: no row may name them before `sync` has synced them."""
        written: list[tuple[int, Path]] = []
        try:
            for prepared in documents:
                target = self.path(prepared.document.id)
                written.append((_create(target), target))
                view = memoryview(prepared.payload)
                while view:
                    view = view[os.write(written[-1][0], view) :]
            if sync:
                for handle, _ in written:
                    os.fsync(handle)
                for folder in dict.fromkeys(target.parent for _, target in written):
                    _sync_directory(folder)
        except BaseException:
            for _, target in written:
                target.unlink(missing_ok=True)
            raise
        finally:
            for handle, _ in written:
                os.close(handle)

    def sync(self, document_ids: Sequence[str], threads: Executor) -> None:
        """Make durable the files of documents written without syncing them (`write(..., sync=False)`): the files synced
        at once on `threads` (the disk's journal commits them together), then each of their folders once."""
        paths = [self.path(document_id) for document_id in document_ids]
        list(threads.map(_sync_file, paths))
        for folder in dict.fromkeys(path.parent for path in paths):
            _sync_directory(folder)

    def discard(self, document_id: str) -> None:
        """Remove a stored document that was refused after it was stored (its case could not take it)."""
        self.path(document_id).unlink(missing_ok=True)

    def read(self, document_id: str) -> bytes:
        """The bytes of a stored document as they were given (decrypted when stored encrypted)."""
        stored = self.path(document_id).read_bytes()
        if not stored.startswith(ENCRYPTED):
            return stored
        return self._decrypt(stored[len(ENCRYPTED) :], f"document {document_id}")

    def read_by_ocr(self, document_id: str, media_type: str) -> Document:
        """A stored document read whole, its pages without text by OCR (what `read_upload` left to later); the errors
        of `openimr.documents.read_document_bytes` (no text found even by OCR, tesseract missing or failing)."""
        source = f"document {document_id}"
        return read_document_bytes(self.read(document_id), _kind(media_type), document_id, source, ocr=True)

    def seal_text(self, text: str) -> str:
        """A document's extracted text as the database keeps it: encrypted with the document key when there is one."""
        return ENCRYPTED_TEXT + self._cipher.encrypt(text.encode()).decode("ascii") if self._cipher else text

    def open_text(self, kept: str, document_id: str) -> str:
        """A document's extracted text from what the database keeps (`seal_text`); text kept before a key was set is
        returned as it is."""
        if not kept.startswith(ENCRYPTED_TEXT):
            return kept
        token = kept[len(ENCRYPTED_TEXT) :].encode("ascii")
        return self._decrypt(token, f"the text of document {document_id}").decode()

    def _decrypt(self, token: bytes, what: str) -> bytes:
        if self._cipher is None:
            raise DocumentKeyError("is stored encrypted: set OPENIMR_DOCUMENT_KEY to the key it was stored with", what)
        try:
            return self._cipher.decrypt(token)
        except InvalidToken:
            raise DocumentKeyError(
                "cannot be decrypted: OPENIMR_DOCUMENT_KEY is not the key it was stored with (or it was altered)", what
            ) from None

    def check_key(self) -> None:
        """Fail now, clearly, when stored documents are encrypted and the key is missing or wrong (read one of them)."""
        for path in self.root.glob("??/*"):
            if path.is_file() and not path.name.startswith(".") and path.read_bytes()[: len(ENCRYPTED)] == ENCRYPTED:
                self.read(path.name)
                return

    def stored_ids(self) -> set[str]:
        """The ids of every document file in the store."""
        return {p.name for p in self.root.glob("??/*") if p.is_file() and not p.name.startswith(".")}

    @contextmanager
    def in_use(self) -> Iterator[None]:
        """Held by a process for as long as it may store documents (a shared lock), so that `alone` can tell."""
        with self._lock_file() as handle:
            fcntl.flock(handle, fcntl.LOCK_SH)
            yield

    @contextmanager
    def alone(self) -> Iterator[bool]:
        """Whether no other process has the store `in_use`; if so, none can start using it inside (an exclusive lock,
        not waited for)."""
        with self._lock_file() as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True

    @contextmanager
    def _lock_file(self) -> Iterator[IO[str]]:
        """The store's lock file, beside its folder (closing it releases the lock)."""
        self.root.parent.mkdir(parents=True, exist_ok=True)
        with (self.root.parent / f".{self.root.name}.lock").open("a") as handle:
            yield handle

    def sweep(self, referenced: set[str]) -> int:
        """Remove the files no document row refers to (their request never committed: the process died between storing
        the file and committing the row, perhaps before the file was whole), and the temporary files of earlier versions
        (`.upload-*`); the number removed.

        Run only while no other process uses this store (inside `alone`) and every transaction that may still commit a
        row has ended: `openimr.cases.services.recover` does both before `imr serve` serves."""
        removed = 0
        for path in self.root.glob("??/*"):
            if path.is_file() and path.name not in referenced:
                path.unlink(missing_ok=True)
                removed += 1
        return removed


def _document_id(folder: str | None) -> str:
    """A new random id (a version 4 UUID); given `folder` (two hex digits), one whose file goes in that folder (its first
    byte)."""
    if folder is None:
        return str(uuid.uuid4())
    return str(uuid.UUID(bytes=bytes.fromhex(folder) + os.urandom(15), version=4))


def _create(target: Path) -> int:
    """A new file at `target`, open for writing (its folder made when missing); an existing file is an error."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    try:
        return os.open(target, flags, 0o600)
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        return os.open(target, flags, 0o600)


def _fsync(path: Path) -> None:
    """fsync a file or a folder by its path."""
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _sync_file(path: Path) -> None:
    """Make a written file's bytes durable."""
    _fsync(path)


def _sync_directory(folder: Path) -> None:
    """Make the names made in `folder` durable."""
    _fsync(folder)
