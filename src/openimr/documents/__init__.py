"""Text out of documents: PDF (pypdfium2), plain text and Markdown, with a one-line error for anything unreadable."""

from openimr.documents.reader import SUPPORTED_SUFFIXES, read_document

__all__ = ["SUPPORTED_SUFFIXES", "read_document"]
