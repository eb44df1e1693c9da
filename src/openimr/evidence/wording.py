"""Small readings of record wording shared by the extractors: sentences about the request or the UR decision."""

from __future__ import annotations

import re

_ABOUT_REQUEST = re.compile(
    r"\b(?:request\w*|RFA|authoriz\w+|utilization review|UR|non-?certif\w+|certif\w+|denied|modified"
    r"|the decision|prior review|peer review)\b",
    re.IGNORECASE,
)


def about_request_or_review(sentence: str) -> bool:
    """Whether a sentence speaks of the request or the UR decision rather than of the worker's care."""
    return bool(_ABOUT_REQUEST.search(sentence))
