"""The transitions the workflow allows between the states of an IMR case (`domain.CaseState`)."""

from __future__ import annotations

from openimr.cases.domain import CaseState, ScreeningOutcome
from openimr.cases.errors import TransitionRefused

_NEXT: dict[CaseState, frozenset[CaseState]] = {
    CaseState.RECEIVED: frozenset({CaseState.SCREENED, CaseState.WITHDRAWN}),
    CaseState.SCREENED: frozenset(
        {CaseState.SCREENED, CaseState.ASSIGNED, CaseState.RECEIVED, CaseState.WITHDRAWN, CaseState.CONSOLIDATED}
    ),
    CaseState.ASSIGNED: frozenset({CaseState.RECORDS_COMPLETE, CaseState.WITHDRAWN}),
    CaseState.RECORDS_COMPLETE: frozenset({CaseState.IN_REVIEW, CaseState.WITHDRAWN}),
    CaseState.IN_REVIEW: frozenset({CaseState.DRAFTED, CaseState.WITHDRAWN}),
    CaseState.DRAFTED: frozenset({CaseState.SIGNED, CaseState.WITHDRAWN}),
    CaseState.SIGNED: frozenset({CaseState.ISSUED, CaseState.WITHDRAWN}),
    CaseState.ISSUED: frozenset(),
    CaseState.WITHDRAWN: frozenset(),
    CaseState.CONSOLIDATED: frozenset(),
}

OPEN_STATES = frozenset(
    {CaseState.ASSIGNED, CaseState.RECORDS_COMPLETE, CaseState.IN_REVIEW, CaseState.DRAFTED, CaseState.SIGNED}
)
"""States in which a case counts toward its reviewer's workload."""


def check_transition(
    current: CaseState, target: CaseState, outcome: ScreeningOutcome | None = None, case_ref: str = "case"
) -> None:
    """Refuse a transition the workflow does not allow, naming both states.

    A screened case moves on to assignment only when it was found eligible, is screened again only when it was
    deferred, and goes back to received (its application corrected) only when it was ineligible. Any case not yet
    issued may be withdrawn.
    """
    allowed = _NEXT[current]
    if target not in allowed:
        raise TransitionRefused(f"cannot go from {current.value} to {target.value}", case_ref)
    if current is CaseState.SCREENED:
        if target in (CaseState.ASSIGNED, CaseState.CONSOLIDATED) and outcome is not ScreeningOutcome.ELIGIBLE:
            raise TransitionRefused(f"only an eligible case can be {target.value} (screening outcome: {outcome})", case_ref)
        if target is CaseState.SCREENED and outcome is not ScreeningOutcome.DEFERRED:
            raise TransitionRefused(f"only a deferred case can be screened again (screening outcome: {outcome})", case_ref)
        if target is CaseState.RECEIVED and outcome is not ScreeningOutcome.INELIGIBLE:
            raise TransitionRefused(f"only an ineligible application is corrected (screening outcome: {outcome})", case_ref)
