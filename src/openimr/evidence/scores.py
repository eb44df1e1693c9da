"""Score changes on standardized symptom inventories (Beck Depression and Anxiety Inventories, PHQ-9, GAD-7, PCL-5,
the Hamilton scales ...), read with their direction. On these a lower score is fewer symptoms, so a fall is the
objective progress the psychotherapy guidelines ask for (ODG Mental Illness & Stress, Psychotherapy guidelines:
objective functional improvement), and a rise or an unchanged score is none. Amounts a note charts now against before
(an activity, a drug's daily amount, a pain score) are read the same way: a gain only when the amount now is the
better."""

from __future__ import annotations

import re

__all__ = ["AGAINST_BEFORE", "SYMPTOM_SCORE", "changed_for_the_better", "pain_score_against_before", "score_fell"]

SYMPTOM_SCORE = "improved standardized mental-health measure"
"""The functional term of a symptom inventory's score change (`knowledge/evidence/functional.yaml`): a gain only when
the score fell (`score_fell`)."""

_SCORE = r"(?<![\w-])\d{1,3}\b"
"""A score: a number that is not part of the inventory's name ("PHQ-9", "GAD7")."""
_DATED = r"(?:\s*\(\s*[\d/.-]{2,10}\s*\)|\s+(?:in|on)\s+[\d/.-]{4,10})?"
"""The date a chart may give a score ("19 (11/2018)", "19 in 11/2018")."""
_PAIR = re.compile(
    rf"\bfrom\s+(?P<before>{_SCORE}){_DATED}(?:\s+[a-z-]+){{0,4}}?\s+to\s+(?P<after>{_SCORE})"
    rf"|(?P<earlier>{_SCORE}){_DATED}\s*(?:-+>|→|=>|\bto\b|\bdown\s+to\b|\bup\s+to\b|\bnow\b)\s*(?P<later>{_SCORE})"
    rf"|(?P<now>{_SCORE})\s*[,(;]?\s*(?:(?:down|up)\s+)?(?:from|previously|was)\s+(?P<then>{_SCORE})",
    re.IGNORECASE,
)
"""Two scores of one inventory, the earlier and the later: "from 32 to 18", "from 32 at intake to 18", "32 -> 18", "19
now 11", "19 (11/2018) -> 13", or the later first: "18, down from 32", "18 (previously 32)"."""
_FALL = re.compile(r"\b(?:improv\w*|decreas\w*|dropp\w*|fell|fallen|declin\w*|lower\w*|reduc\w*|went\s+down)\b", re.IGNORECASE)
"""Words by which a score is said to have fallen ("her PHQ-9 decreased", "the BDI-II has improved")."""


def score_fell(statement: str) -> bool:
    """Whether a statement of a symptom inventory's score tells a fall: the later of the two scores it gives lower than
    the earlier ("BDI-II 32 -> 18", not "PHQ-9 12 -> 18"), else, when it gives no two, a word of a fall ("GAD-7
    decreased", not "GAD-7 unchanged" or "rose")."""
    pair = _PAIR.search(statement)
    if pair is None:
        return _FALL.search(statement) is not None
    earlier = pair["before"] or pair["earlier"] or pair["then"]
    later = pair["after"] or pair["later"] or pair["now"]
    return int(later) < int(earlier)


AGAINST_BEFORE = {
    "activity measured against before": True,
    "medication amount against before": False,
    "pain score against before": False,
}
"""The functional terms of an amount now set against the amount before, as notes chart them ("lifting 25 lb (was 10
lb)", "Norco 2/day, was 4/day"), each with whether a higher amount now is the better: more of an activity, less of a
drug (`changed_for_the_better`)."""

_NUMBER = r"\d{1,3}(?:\.\d)?"
_SCORE_AGAINST_BEFORE = (
    r"(?<![\d/.])(?P<score>\d{1,2})\s*/\s*10\s*(?:(?:now|currently|today)\s*)?[,(;]?\s*"
    r"(?:(?:was|compared\s+(?:with|w/|to)|vs\.?|versus|against)\s+)?(?P<before>\d{1,2})\s*/\s*10\s+(?:before|prior\s+to|pre)\b"
)
"""A pain score now, then the score before the treatment, set side by side or compared ("4/10 (7/10 before treatment",
"4/10 compared with 8/10 before pregabalin", "3/10 now vs 7/10 prior to it")."""
_AGAINST = re.compile(
    rf"(?<![\d/.])(?P<now>{_NUMBER})\s*(?:[a-z]+\.?|/\s*(?:day|d|wk|week))?\s*[,(;]?\s*(?:(?:down|up)\s+from|previously"
    rf"|was|vs\.?|versus|compared\s+(?:with|to))\s+(?P<then>{_NUMBER})(?![\d/])"
    rf"|{_SCORE_AGAINST_BEFORE}",
    re.IGNORECASE,
)
"""An amount now, with its unit, then the amount before ("25 lb (was 10 lb", "2/day, was 4/day", "45 min, up from 15"),
or a pain score now, then the score before the treatment (`_SCORE_AGAINST_BEFORE`)."""
_SCORE_NOW_AND_BEFORE = re.compile(_SCORE_AGAINST_BEFORE, re.IGNORECASE)


def pain_score_against_before(statement: str) -> tuple[float, float] | None:
    """The pain score before a treatment and the score now, in a statement that gives the score now first and then the
    one before ("4/10 compared with 8/10 before pregabalin": (8, 4)); None when it gives no such pair."""
    found = _SCORE_NOW_AND_BEFORE.search(statement)
    return (float(found["before"]), float(found["score"])) if found else None


def changed_for_the_better(statement: str, higher_is_better: bool) -> bool:
    """Whether an amount now set against the amount before (`_AGAINST`) is the better of the two: higher, or lower when
    not `higher_is_better`; False when the statement gives no two amounts or they are the same."""
    found = _AGAINST.search(statement)
    if found is None:
        return False
    now, then = float(found["now"] or found["score"]), float(found["then"] or found["before"])
    return now > then if higher_is_better else now < then
