"""A blind check of the engine: synthetic cases written from the guideline rules in `shared/docs/domain.md` by an
engineer who had not read the knowledge base or its vignettes, each with the decision its guideline gives
(`tests/review/blind/`: one case file a case, `expected.json` the decisions and the rule behind each).

The engine must keep agreeing with at least as many items as it did when the set was last measured. These cases
measure how the knowledge generalises: never write a term, pattern or rule from their wording; a rule a
disagreement calls for comes from the guideline and is proved with vignettes of its own.
"""

from __future__ import annotations

import json
from pathlib import Path

from openimr.model import Decision
from openimr.review import review_case
from openimr.review.case_file import load_case

BLIND = Path(__file__).parent / "blind"
AGREEING_ITEMS = 179
"""Items of the 183 decided as their guideline decides them, when last measured."""
OVERTURNED_CAUGHT = 66
"""Items of the 69 expected Overturned that the engine overturns, when last measured."""


def test_the_engine_agrees_with_the_blind_cases() -> None:
    expected = json.loads((BLIND / "expected.json").read_text())
    agreeing = caught = 0
    disagreements = []
    for name, case in sorted(expected.items()):
        drafted = review_case(load_case(BLIND / f"{name}.yaml")).items
        assert len(drafted) == len(case["expected"]), name
        for number, (want, item) in enumerate(zip(case["expected"], drafted, strict=True), 1):
            agrees = item.decision == Decision(want)
            agreeing += agrees
            caught += agrees and want == Decision.OVERTURNED
            if not agrees:
                disagreements.append(f"{name} item {number}: {item.decision} ({item.topic}), expected {want}: {case['rule']}")
    summary = f"{agreeing} items agree, {caught} Overturned caught; disagreements:\n" + "\n".join(disagreements)
    assert agreeing >= AGREEING_ITEMS, summary
    assert caught >= OVERTURNED_CAUGHT, summary
