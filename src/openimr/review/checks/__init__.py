"""The checks topics name: small functions that evaluate one guideline criterion against the record.

Knowledge is data, mechanisms are code: a topic's YAML says *which* check evaluates a criterion and with which
parameters; the check says *how*. Each check has its own parameter model (`openimr.review.checks.base`), and returns a
status (met, not met, insufficient), the facts it rests on, a note for the rationale and whether the record is silent.
"""

from openimr.review.checks import concordance, course, diag, drug_response, drugs, record, request, surgery, therapy
from openimr.review.checks.base import CHECKS, Check, CheckContext, Outcome, Params

__all__ = [
    "CHECKS",
    "Check",
    "CheckContext",
    "Outcome",
    "Params",
    "concordance",
    "course",
    "diag",
    "drug_response",
    "drugs",
    "record",
    "request",
    "surgery",
    "therapy",
]
