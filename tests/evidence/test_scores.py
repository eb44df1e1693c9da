"""Symptom inventories read with their direction: a score that fell is improvement, one that rose or held is none."""

from __future__ import annotations

import pytest
from tests.evidence.test_terms import ABSENT, PRESENT, _facts

from openimr.evidence.scores import SYMPTOM_SCORE, changed_for_the_better, score_fell
from openimr.model import FactStatus


@pytest.mark.parametrize(
    ("statement", "fell"),
    [
        ("PHQ-9 19 -> 11", True),
        ("GAD-7 from 16 at the first visit to 8", True),
        ("BAI 22, down from 30", True),
        ("Beck Depression Inventory now 14 (previously 27)", True),
        ("HAM-D decreased", True),
        ("PHQ-9 19 (11/2018) -> 13 (1/2019) -> 9 today", True),
        ("BDI-II from 30 (3/2016) to 21", True),
        ("PHQ-9 9 -> 15", False),
        ("GAD-7 8 in 2/2016 -> 14", False),
        ("GAD-7 rose from 8 to 13", False),
        ("BDI-II 24 to 24", False),
        ("PCL-5 unchanged", False),
        ("Beck Anxiety Inventory remains 25", False),
    ],
)
def test_score_fell(statement: str, fell: bool) -> None:
    assert score_fell(statement) is fell


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Psychotherapy progress note. Eight sessions held; her GAD-7 went from 17 to 9.", PRESENT),
        ("After six CBT visits the Beck Anxiety Inventory was 12, down from 26.", PRESENT),
        ("Counseling, eight sessions so far: the Hamilton Depression Rating Scale decreased by a third.", PRESENT),
        ("On sertraline: PHQ-9 20 (10/2015) -> 14 (1/2016) -> 11 today.", PRESENT),
        ("Beck Depression Inventory 31 on 9/2/2016 -> 22 at this visit.", PRESENT),
        ("After six CBT visits his PHQ-9 went from 11 to 19.", ABSENT),
        ("PHQ-9 8 (6/2016) -> 15 today.", ABSENT),
        ("Eight sessions of psychotherapy; the PCL-5 score is unchanged at 47.", ABSENT),
        ("Six counseling visits; the Pain Catastrophizing Scale rose from 30 to 38.", ABSENT),
    ],
)
def test_a_symptom_score_is_improvement_only_when_it_fell(text: str, status: FactStatus) -> None:
    (fact,) = [f for f in _facts(text, "functional_improvement") if f.name == SYMPTOM_SCORE]
    assert fact.status == status


@pytest.mark.parametrize(
    ("statement", "higher_is_better", "better"),
    [
        ("lifting 30 lb (was 15 lb", True, True),
        ("walks 40 min, up from 10", True, True),
        ("sitting 20 minutes, was 45", True, False),
        ("tramadol 1/day, down from 3", False, True),
        ("Norco 3/day, was 2", False, False),
        ("3/10 (6/10 before treatment", False, True),
        ("7/10 (5/10 before treatment", False, False),
        ("lifting 20 lb", True, False),
    ],
)
def test_an_amount_now_against_before_is_read_with_its_direction(statement: str, higher_is_better: bool, better: bool) -> None:
    assert changed_for_the_better(statement, higher_is_better) is better


@pytest.mark.parametrize(
    ("text", "name", "status"),
    [
        # an activity, a drug's daily amount, a pain score, each now against before as notes chart them
        ("Lifting tolerance on testing 30 lb (was 15 lb in May).", "activity measured against before", PRESENT),
        ("She walks 40 minutes, up from 10.", "activity measured against before", PRESENT),
        ("Standing 15 min, was 40 min before the flare.", "activity measured against before", ABSENT),
        ("Now taking tramadol 50 mg 1/day, was 3/day.", "medication amount against before", PRESENT),
        ("He is taking Norco 10/325 4 a day, previously 2.", "medication amount against before", ABSENT),
        ("Pain 3/10 (6/10 before treatment).", "pain score against before", PRESENT),
        ("Pain 8/10 (5/10 before treatment).", "pain score against before", ABSENT),
        ("Burning pain of 4/10 compared with 8/10 before Lyrica.", "pain score against before", PRESENT),
        ("Leg pain 3/10 now versus 7/10 prior to gabapentin.", "pain score against before", PRESENT),
        ("Pain 7/10 vs 4/10 before the medication.", "pain score against before", ABSENT),
    ],
)
def test_an_amount_now_against_before_is_a_gain_only_when_better(text: str, name: str, status: FactStatus) -> None:
    facts = [f for f in _facts(text, "functional_improvement") + _facts(text, "pain_relief") if f.name == name]
    assert facts
    assert facts[0].status == status


@pytest.mark.parametrize("text", ["Standing 15 min, was 40 min before the flare.", "She sits 20 minutes, down from 45."])
def test_a_measure_set_against_a_better_one_before_is_no_gain(text: str) -> None:
    assert not [f for f in _facts(text, "functional_improvement") if f.status == PRESENT]
