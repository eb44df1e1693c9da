"""Text out of documents: PDF (pypdfium2), plain text and Markdown, with a one-line error for anything unreadable."""

from openimr.documents.reader import SUPPORTED_SUFFIXES, DocumentKind, read_document, read_document_bytes

__all__ = ["SUPPORTED_SUFFIXES", "DocumentKind", "read_document", "read_document_bytes"]
