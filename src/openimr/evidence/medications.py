"""Medications the worker takes or took, and since when (as of the UR decision date).

A mention inside a sentence about the request or the UR decision is not evidence of use: "the RFA requested
naproxen" says nothing of whether the worker has taken it."""

from __future__ import annotations

import datetime as dt
import re

from openimr.evidence.dates import DatePrecision, find_dates
from openimr.evidence.terms import Candidate, find_terms
from openimr.evidence.wording import about_request_or_review
from openimr.model import Case, Fact

FIRST_PRESCRIPTION = "first prescription"
"""`value` of a medication fact from a sentence that calls the prescription new ("a first-time request for ...")."""
_FIRST = re.compile(r"\b(?:first[- ]time|new(?:ly)?|initial)\s+(?:request|prescription|prescribed|trial)\b", re.IGNORECASE)


def extract(case: Case) -> list[Candidate]:
    """One fact per medication mention outside request/UR sentences (and per mention in a sentence calling it a first
    prescription, with `value` FIRST_PRESCRIPTION); `date` is the earliest date the sentence gives for it
    ("since 1/17/12", "prescribed on 11/2/16"), if any, and never after the UR decision."""
    facts: list[Candidate] = []
    ur_date = case.dates.ur_decision
    for match in find_terms(case, "medication"):
        if _FIRST.search(match.sentence.text):
            facts.append(Candidate("medication", match, value=FIRST_PRESCRIPTION))
            continue
        if about_request_or_review(match.sentence.text):
            continue
        dates = [f.date for f in find_dates(match.sentence.text, DatePrecision.MONTH) if ur_date is None or f.date <= ur_date]
        facts.append(Candidate("medication", match, date=min(dates) if dates else None))
    return facts


def weeks_in_use(fact: Fact, as_of: dt.date | None) -> float | None:
    """How long a medication has been documented in use as of `as_of` (None when undated)."""
    if fact.date is None or as_of is None:
        return None
    return (as_of - fact.date).days / 7
