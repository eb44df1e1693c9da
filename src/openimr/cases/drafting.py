"""The one door to the review engine: build the case file a reviewer sees from a stored case and draft it."""

from __future__ import annotations

from openimr.model import Case, CaseDates, Determination, DisputedItem, Document, Patient, Priority
from openimr.review import review_case


def case_file(
    case_number: str,
    priority: Priority,
    dates: CaseDates,
    patient: Patient,
    documents: list[Document],
    items: list[DisputedItem],
) -> Case:
    """The `openimr.model.Case` the engine reads: documents' text, disputed items (excluded ones left out), dates."""
    return Case(
        case_number=case_number,
        priority=priority,
        dates=dates,
        patient=patient,
        documents=documents,
        disputed_items=items,
    )


def draft(case: Case) -> Determination:
    """The engine's draft determination for a case; it carries the engine and knowledge versions."""
    return review_case(case)
