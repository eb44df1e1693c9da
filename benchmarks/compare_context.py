"""Compare openimr's ConText assertion with medspaCy's ConText (default rules) on the assertion table of
`tests/evidence/test_context.py`: agreement with the expected status, per category, and time per sentence.

medspaCy is not an openimr dependency (the comparison decides whether it should be). Run with an environment that has
both openimr and medspacy installed:

    python -m venv /tmp/mspacy && /tmp/mspacy/bin/pip install medspacy -e .
    /tmp/mspacy/bin/python benchmarks/compare_context.py

medspaCy's ConText has no "planned" category: a planned target counts as agreeing when medspaCy marks it hypothetical.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

from openimr.evidence.context import assert_status
from openimr.model import FactStatus

TABLE = Path(__file__).resolve().parents[1] / "tests" / "evidence" / "test_context.py"


def _rows() -> list[tuple[str, str, FactStatus]]:
    import importlib.util

    spec = importlib.util.spec_from_file_location("context_table", TABLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    marks = getattr(module.test_assertion_status, "pytestmark", [])
    for mark in marks:
        if mark.name == "parametrize":
            return [tuple(row) for row in mark.args[1]]  # type: ignore[misc]
    raise SystemExit("no parametrize table on test_assertion_status")


def _medspacy_status(nlp: object, sentence: str, target: str) -> FactStatus:
    doc = nlp(sentence)  # type: ignore[operator]
    start = sentence.index(target)
    found = [e for e in doc.ents if e.start_char == start and e.text == target]
    if not found:
        return FactStatus.PRESENT
    ent = found[0]
    if ent._.is_negated:
        return FactStatus.ABSENT
    if ent._.is_hypothetical:
        return FactStatus.HYPOTHETICAL
    if ent._.is_uncertain:
        return FactStatus.UNCERTAIN
    return FactStatus.PRESENT


def main() -> None:
    rows = _rows()
    os.environ.setdefault("LOGURU_LEVEL", "WARNING")
    try:
        import medspacy
        from medspacy.target_matcher import TargetRule
    except ImportError:
        raise SystemExit("medspacy is not installed here; see the module docstring") from None
    nlp = medspacy.load()
    nlp.get_pipe("medspacy_target_matcher").add([TargetRule(t, "TARGET") for t in sorted({t for _, t, _ in rows})])
    ours = Counter[str]()
    theirs = Counter[str]()
    totals = Counter[str]()
    t0 = time.perf_counter()
    for sentence, target, expected in rows:
        start = sentence.index(target)
        ours[expected] += assert_status(sentence, start, start + len(target)) is expected
    ours_time = time.perf_counter() - t0
    t0 = time.perf_counter()
    for sentence, target, expected in rows:
        got = _medspacy_status(nlp, sentence, target)
        agree = got is expected or (expected is FactStatus.PLANNED and got is FactStatus.HYPOTHETICAL)
        theirs[expected] += agree
        totals[expected] += 1
    theirs_time = time.perf_counter() - t0
    print(f"{'expected':14} {'rows':>5} {'openimr':>8} {'medspaCy':>9}")
    for status in sorted(totals):
        print(f"{status:14} {totals[status]:5d} {ours[status]:8d} {theirs[status]:9d}")
    n = sum(totals.values())
    print(f"{'all':14} {n:5d} {sum(ours.values()):8d} {sum(theirs.values()):9d}")
    print(f"agreement: openimr {sum(ours.values()) / n:.3f}, medspaCy {sum(theirs.values()) / n:.3f}")
    print(f"time per sentence: openimr {ours_time / n * 1e6:.0f} us, medspaCy {theirs_time / n * 1e6:.0f} us")


if __name__ == "__main__":
    main()
