"""The states of an IMR case and the transitions the workflow allows between them."""

from __future__ import annotations

from enum import StrEnum

from openimr.cases.errors import TransitionRefused


class CaseState(StrEnum):
    """Where a case stands in the IMR workflow (domain.md §A.5-A.10)."""

    RECEIVED = "received"
    """The application has been filed and not yet screened."""
    SCREENED = "screened"
    """Screened by the AD's initial review (9792.10.3); the outcome says eligible, ineligible or deferred."""
    ASSIGNED = "assigned"
    """Assigned to a reviewer; the Notice of Assignment and Request for Information has gone out (9792.10.4)."""
    RECORDS_COMPLETE = "records_complete"
    """The claims administrator's records have been received (9792.10.5); the determination clock runs."""
    IN_REVIEW = "in_review"
    """With the review engine and the reviewer."""
    DRAFTED = "drafted"
    """The engine's draft exists; the reviewer may edit any item."""
    SIGNED = "signed"
    """The assigned reviewer has signed the determination; no more edits."""
    ISSUED = "issued"
    """The Final Determination Letter has been issued; it is immutable."""


class ScreeningOutcome(StrEnum):
    """Result of eligibility screening (9792.10.3)."""

    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    DEFERRED = "deferred"
    """A liability dispute is pending (9792.10.3(d)): the case may be screened again once it is resolved."""


_NEXT: dict[CaseState, frozenset[CaseState]] = {
    CaseState.RECEIVED: frozenset({CaseState.SCREENED}),
    CaseState.SCREENED: frozenset({CaseState.SCREENED, CaseState.ASSIGNED}),
    CaseState.ASSIGNED: frozenset({CaseState.RECORDS_COMPLETE}),
    CaseState.RECORDS_COMPLETE: frozenset({CaseState.IN_REVIEW}),
    CaseState.IN_REVIEW: frozenset({CaseState.DRAFTED}),
    CaseState.DRAFTED: frozenset({CaseState.SIGNED}),
    CaseState.SIGNED: frozenset({CaseState.ISSUED}),
    CaseState.ISSUED: frozenset(),
}

OPEN_STATES = frozenset(
    {CaseState.ASSIGNED, CaseState.RECORDS_COMPLETE, CaseState.IN_REVIEW, CaseState.DRAFTED, CaseState.SIGNED}
)
"""States in which a case counts toward its reviewer's workload."""


def check_transition(
    current: CaseState, target: CaseState, outcome: ScreeningOutcome | None = None, case_ref: str = "case"
) -> None:
    """Refuse a transition the workflow does not allow, naming both states.

    A screened case moves on to assignment only when it was found eligible, and is screened again only when it was
    deferred; an ineligible case stays where it is.
    """
    allowed = _NEXT[current]
    if target not in allowed:
        raise TransitionRefused(f"cannot go from {current.value} to {target.value}", case_ref)
    if current is CaseState.SCREENED:
        if target is CaseState.ASSIGNED and outcome is not ScreeningOutcome.ELIGIBLE:
            raise TransitionRefused(f"only an eligible case can be assigned (screening outcome: {outcome})", case_ref)
        if target is CaseState.SCREENED and outcome is not ScreeningOutcome.DEFERRED:
            raise TransitionRefused(f"only a deferred case can be screened again (screening outcome: {outcome})", case_ref)
