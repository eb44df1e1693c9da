"""A bad FHIR resource is one `BundleError` naming the element (a FHIRPath expression) and the problem."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from fhir.resources.R4B.operationoutcome import OperationOutcome
from pydantic import ValidationError

from openimr.errors import OpenIMRError

__all__ = ["BundleError", "IssueType", "fhirpath", "from_validation_error", "operation_outcome"]


class IssueType(StrEnum):
    """OperationOutcome issue types openimr reports (FHIR issue-type value set)."""

    STRUCTURE = "structure"
    REQUIRED = "required"
    VALUE = "value"
    CODE_INVALID = "code-invalid"
    NOT_FOUND = "not-found"
    NOT_SUPPORTED = "not-supported"
    FORBIDDEN = "forbidden"
    INVALID = "invalid"


class BundleError(OpenIMRError):
    """A FHIR resource openimr cannot take: the problem, and `location`, the element as a FHIRPath expression
    ("Bundle.entry[0].resource.item[1].productOrService.coding[0].system"). `str(error)` is "location: problem"."""

    def __init__(self, problem: str, location: str, issue: IssueType = IssueType.INVALID) -> None:
        self.location = location
        self.issue = issue
        super().__init__(problem, location)


def fhirpath(root: str, steps: Sequence[str | int]) -> str:
    """A FHIRPath expression from a root and a validation location: ("entry", 0, "resource") -> "Bundle.entry[0].resource"."""
    path = root
    for step in steps:
        path += f"[{step}]" if isinstance(step, int) else f".{step}"
    return path


def from_validation_error(error: ValidationError, root: str, within: Sequence[str | int] = ()) -> BundleError:
    """The first problem pydantic (fhir.resources) found, as a `BundleError` at its element."""
    first = error.errors()[0]
    steps = [s for s in first["loc"] if not (isinstance(s, str) and s.endswith("__ext"))]
    message = first["msg"]
    issue = IssueType.STRUCTURE
    if first["type"] == "base64_decode":
        message = f"not base64 ({message.split(':', 1)[-1].strip().strip(chr(39))})"
        issue = IssueType.VALUE
    elif first["type"].endswith("missing"):
        message = "required element missing"
        issue = IssueType.REQUIRED
    elif first["type"] == "extra_forbidden":
        message = "unknown element"
    more = f" (and {error.error_count() - 1} more problem(s))" if error.error_count() > 1 else ""
    return BundleError(message + more, fhirpath(root, [*within, *steps]), issue)


def operation_outcome(error: BundleError) -> dict[str, Any]:
    """The FHIR OperationOutcome (JSON) that reports `error`: one error issue with its type, problem and element."""
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": error.issue.value, "diagnostics": error.problem, "expression": [error.location]}],
    }
    OperationOutcome.model_validate(outcome)
    return outcome
