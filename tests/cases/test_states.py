"""Every transition is checked: only the workflow's own steps are allowed."""

from __future__ import annotations

import itertools

import pytest

from openimr.cases.domain import CaseState, ScreeningOutcome
from openimr.cases.errors import TransitionRefused
from openimr.cases.states import check_transition

PATH = [
    CaseState.RECEIVED,
    CaseState.SCREENED,
    CaseState.ASSIGNED,
    CaseState.RECORDS_COMPLETE,
    CaseState.IN_REVIEW,
    CaseState.DRAFTED,
    CaseState.SIGNED,
    CaseState.ISSUED,
]


@pytest.mark.parametrize(("current", "target"), list(itertools.pairwise(PATH)))
def test_each_step_of_the_path_is_allowed(current: CaseState, target: CaseState) -> None:
    check_transition(current, target, ScreeningOutcome.ELIGIBLE)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (a, b)
        for i, a in enumerate(PATH)
        for b in PATH
        if b not in PATH[i + 1 : i + 2]
        and (a, b) not in ((CaseState.SCREENED, CaseState.SCREENED), (CaseState.SCREENED, CaseState.RECEIVED))
    ],
)
def test_every_other_step_is_refused(current: CaseState, target: CaseState) -> None:
    with pytest.raises(TransitionRefused, match=f"cannot go from {current.value} to {target.value}"):
        check_transition(current, target, ScreeningOutcome.ELIGIBLE)


@pytest.mark.parametrize("outcome", [ScreeningOutcome.INELIGIBLE, ScreeningOutcome.DEFERRED])
def test_only_an_eligible_case_is_assigned(outcome: ScreeningOutcome) -> None:
    with pytest.raises(TransitionRefused, match="only an eligible case"):
        check_transition(CaseState.SCREENED, CaseState.ASSIGNED, outcome)


def test_only_a_deferred_case_is_screened_again() -> None:
    check_transition(CaseState.SCREENED, CaseState.SCREENED, ScreeningOutcome.DEFERRED)
    with pytest.raises(TransitionRefused, match="only a deferred case"):
        check_transition(CaseState.SCREENED, CaseState.SCREENED, ScreeningOutcome.INELIGIBLE)


def test_only_an_ineligible_application_goes_back_to_received_to_be_corrected() -> None:
    check_transition(CaseState.SCREENED, CaseState.RECEIVED, ScreeningOutcome.INELIGIBLE)
    for outcome in (ScreeningOutcome.ELIGIBLE, ScreeningOutcome.DEFERRED):
        with pytest.raises(TransitionRefused, match="only an ineligible application is corrected"):
            check_transition(CaseState.SCREENED, CaseState.RECEIVED, outcome)


@pytest.mark.parametrize("current", PATH[:-1])
def test_any_case_not_issued_can_be_withdrawn_and_a_withdrawn_one_goes_nowhere(current: CaseState) -> None:
    check_transition(current, CaseState.WITHDRAWN, ScreeningOutcome.ELIGIBLE)
    with pytest.raises(TransitionRefused, match="cannot go from withdrawn"):
        check_transition(CaseState.WITHDRAWN, current, ScreeningOutcome.ELIGIBLE)
    with pytest.raises(TransitionRefused, match="cannot go from issued to withdrawn"):
        check_transition(CaseState.ISSUED, CaseState.WITHDRAWN)
