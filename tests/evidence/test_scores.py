"""Symptom inventories read with their direction: a score that fell is improvement, one that rose or held is none."""

from __future__ import annotations

import pytest
from tests.evidence.test_terms import ABSENT, PRESENT, _facts

from openimr.evidence.scores import SYMPTOM_SCORE, score_fell
from openimr.model import FactStatus


@pytest.mark.parametrize(
    ("statement", "fell"),
    [
        ("PHQ-9 19 -> 11", True),
        ("GAD-7 from 16 at the first visit to 8", True),
        ("BAI 22, down from 30", True),
        ("Beck Depression Inventory now 14 (previously 27)", True),
        ("HAM-D decreased", True),
        ("PHQ-9 9 -> 15", False),
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
        ("After six CBT visits his PHQ-9 went from 11 to 19.", ABSENT),
        ("Eight sessions of psychotherapy; the PCL-5 score is unchanged at 47.", ABSENT),
        ("Six counseling visits; the Pain Catastrophizing Scale rose from 30 to 38.", ABSENT),
    ],
)
def test_a_symptom_score_is_improvement_only_when_it_fell(text: str, status: FactStatus) -> None:
    (fact,) = [f for f in _facts(text, "functional_improvement") if f.name == SYMPTOM_SCORE]
    assert fact.status == status
