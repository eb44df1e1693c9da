"""The review engine: `review_case(case)` drafts a determination per disputed item under the guideline topics."""

from openimr.review.engine import review_case

__all__ = ["review_case"]
