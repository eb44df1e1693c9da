"""Workflow errors: each is an `OpenIMRError` (one line, naming the case) with the HTTP status the API maps it to."""

from __future__ import annotations

from openimr.errors import OpenIMRError


class WorkflowError(OpenIMRError):
    """A request the workflow refuses; `status` is the HTTP status the API answers with."""

    status = 400


class NotFound(WorkflowError):
    """The case, item, document, reviewer or letter does not exist (or the caller may not know it does)."""

    status = 404


class Forbidden(WorkflowError):
    """The caller's role may not do this."""

    status = 403


class TransitionRefused(WorkflowError):
    """The case is not in a state that allows the step."""

    status = 409


class StaleVersion(WorkflowError):
    """Someone else changed the record since the caller read it: reload and reapply."""

    status = 409


class AlreadyExists(WorkflowError):
    """Something of that name exists already (a user)."""

    status = 409


class AssignmentRefused(WorkflowError):
    """No qualified reviewer without a conflict, or the chosen reviewer is unqualified or conflicted."""

    status = 409


class InvalidInput(WorkflowError):
    """The request's content is not acceptable (beyond what the schema checks)."""

    status = 422


class UploadTooLarge(WorkflowError):
    """An uploaded document is larger than the limit."""

    status = 413


class UnsupportedDocument(WorkflowError):
    """An uploaded document's content is not one of the accepted types (checked by content, not by name)."""

    status = 415


class NothingToRead(InvalidInput):
    """The case has no document with text for the engine: retrying cannot help until a readable document is added."""
