"""Modified requests: split a letter's item label into the original request, the authorized part and the disputed
remainder.

Letters write a modified request in two ways:

* "X was the original request. Y was authorized by the Claims Administrator. The remaining IMR eligible portion of
  the original request, Z" (the disputed part is Z);
* "X was the original request. The Claims Administrator authorized Y, leaving the original request IMR eligible. The
  original request, X" (the whole original request stays disputed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from openimr.knowledge.terms import regex_fold

__all__ = ["RequestPortions", "split_portions"]


@dataclass(frozen=True, slots=True)
class RequestPortions:
    """The three parts of a modified request; `authorized` may be empty when the label omits it."""

    original: str
    authorized: str | None
    disputed: str


_CA = r"(?:the\s+)?(?:claims?\s+administrator|carrier|UR(?:\s+physician)?|utilization\s+review(?:er)?)"
_ORIGINAL = r"(?P<original>.+?)\s*,?\s+(?:was|were)\s+the\s+original\s+request(?:s)?\s*[.;,]\s*"
_REMAINDER = (
    r"(?:the\s+)?(?:remaining|remainder\s+of\s+the)\s+(?:IMR[\s-]+eligible\s+)?portions?\s+of\s+the\s+original\s+requests?"
    r"(?:\s+(?:is|was|being))?(?:\s+IMR[\s-]+eligible)?\s*[,:;]?\s*"
)
_STILL_ORIGINAL = r"(?:the\s+)?original\s+requests?(?:\s+(?:is|was))?\s*[,:;]?\s*"

_FORMS = [
    # "X was the original request. Y was authorized by the Claims Administrator. The remaining ... , Z"
    re.compile(
        _ORIGINAL
        + r"(?P<authorized>.+?)\s+(?:was|were)\s+(?:authorized|certified|approved|modified)"
        + rf"\s+(?:by\s+{_CA}|as\s+follows)?\s*[.;,]\s*"
        + rf"(?:{_REMAINDER}|{_STILL_ORIGINAL})(?P<disputed>.+)",
        re.IGNORECASE | re.DOTALL,
    ),
    # "X was the original request. The Claims Administrator authorized Y, leaving the original request IMR eligible.
    #  The original request, X"
    re.compile(
        _ORIGINAL
        + rf"{_CA}\s+(?:authorized|certified|approved|modified\s+(?:the\s+request\s+)?to)\s+(?P<authorized>.+?)\s*,?\s*"
        + r"(?:leaving|and\s+left|which\s+leaves)\s+(?:the\s+)?(?:original\s+request|remainder|rest)[^.]*?\.\s*"
        + rf"(?:{_REMAINDER}|{_STILL_ORIGINAL})(?P<disputed>.+)",
        re.IGNORECASE | re.DOTALL,
    ),
    # "X was the original request. The remaining IMR eligible portion of the original request, Z" (authorized part omitted)
    re.compile(_ORIGINAL + rf"(?:{_REMAINDER})(?P<disputed>.+)", re.IGNORECASE | re.DOTALL),
]


_NAMED_IN_EVERY_FORM = "original"
"""A word every form's label holds ("... was the original request"): a label without it is a plain request, settled
without trying the forms (each a whole-label match)."""


def _clean(text: str) -> str:
    return " ".join(text.split()).strip(" ,;.")


def split_portions(label: str) -> RequestPortions | None:
    """The original, authorized and disputed parts of a modified-request label, or None for a plain request."""
    if _NAMED_IN_EVERY_FORM not in regex_fold(label):  # as the forms, ignoring case, would read it
        return None
    for form in _FORMS:
        match = form.fullmatch(label.strip())
        if match:
            authorized = match.groupdict().get("authorized")
            return RequestPortions(
                original=_clean(match.group("original")),
                authorized=_clean(authorized) if authorized else None,
                disputed=_clean(match.group("disputed")),
            )
    return None
