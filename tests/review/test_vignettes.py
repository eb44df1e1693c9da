"""The guideline vignette suite (see `tests/review/vignettes.py`): every vignette, in every wording, gets the decision
its guideline gives; every indication of every topic is met by a vignette and every criterion failed by one."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from tests.review.vignettes import Vignette, VignetteFile, vignette_files

from openimr.evidence.text import find_sections
from openimr.model import CriterionRole, CriterionStatus, Decision
from openimr.review import review_case
from openimr.review.topics import topics

CASES = [
    pytest.param(file, vignette, index, id=f"{file.topic}:{vignette.id}:{index}")
    for file in vignette_files()
    for vignette in file.vignettes
    for index in range(len(vignette.wordings))
]


_SHORTHAND = (
    (re.compile(r"\bwithout\b"), "w/o"),
    (re.compile(r"\bwith\b"), "w/"),
    (re.compile(r"\bhistory of\b"), "h/o"),
    (re.compile(r"\bphysical therapy\b"), "PT"),
    (re.compile(r"\bstatus post\b"), "s/p"),
    (re.compile(r"\bweeks\b"), "wks"),
    (re.compile(r"\bmonths\b"), "mos"),
    (re.compile(r"\bdiagnosis\b"), "dx"),
    (re.compile(r"\bsymptoms\b"), "sx"),
    (re.compile(r"\bmedications\b"), "meds"),
    (re.compile(r"\bhome exercise program\b"), "HEP"),
    (re.compile(r"\brange of motion\b"), "ROM"),
    (re.compile(r"\bright (?=knee|shoulder|wrist|hand|ankle|elbow|hip)"), "R "),
    (re.compile(r"\bpositive\b"), "(+)"),
    (re.compile(r"\bdespite\b"), "in spite of"),
    (re.compile(r"\btenderness\b"), "pain on palpation"),
    (re.compile(r"\bis able to\b"), "can"),
    (re.compile(r"\bsurgery\b"), "operation"),
)


def _in_shorthand(record: str) -> str:
    """The record as a busy clinician writes it: "w/o" for "without", "PT" for "physical therapy", "wks" for "weeks",
    "dx" for "diagnosis", "HEP" for "home exercise program", "R knee" for "right knee", "(+)" for "positive"; and
    some common paraphrases ("in spite of" for "despite", "pain on palpation" for "tenderness")."""
    for word, shorthand in _SHORTHAND:
        record = word.sub(shorthand, record)
    return record


_SENTENCE = re.compile(r"(?<=[.;])\s+(?=[A-Z])")


def _per_report(record: str, dated: dt.date) -> str:
    """The record as a summary retells it, each sentence opened by the report it comes from."""
    opening = f"Per the progress report dated {dated:%m/%d/%Y}, "
    return " ".join(opening + (s if s[1:2].isupper() else s[:1].lower() + s[1:]) for s in _SENTENCE.split(record))


def _in_lines(text: str, width: int) -> str:
    """`text` broken into lines of at most about `width` characters as a PDF sets it, each of its own lines starting a
    new one: a long word that reaches the line end is hyphenated there ("radicu-" and "lopathy" on the next line)."""
    return "\n".join(_wrapped(line, width) for line in text.split("\n"))


def _wrapped(text: str, width: int) -> str:
    lines: list[str] = []
    line = ""
    for word in text.split():
        if len(line) + 1 + len(word) <= width:
            line = f"{line} {word}" if line else word
        elif len(word) >= 8 and word.isalpha() and word.islower():
            lines.append(f"{line} {word[: len(word) // 2]}-")
            line = word[len(word) // 2 :]
        else:
            lines.append(line)
            line = word
    return "\n".join([*lines, line])


@pytest.mark.parametrize(("file", "vignette", "wording"), CASES)
def test_vignette(file: VignetteFile, vignette: Vignette, wording: int) -> None:
    record = vignette.wordings[wording]
    draft = review_case(vignette.case(record))
    items = vignette.case_items(file.topic)
    for expected, item in zip(items, draft.items, strict=True):
        explanation = f"{item.request}: {item.decision} ({item.topic}) - {item.rationale}"
        assert item.topic == expected.topic, explanation
        assert item.decision == expected.expect, explanation
    # Summaries open sentences with the report they come from (a note laid out in sections is not retold so),
    # records taken from PDFs break lines mid-sentence and hyphenate words at line ends, and clinical notes write
    # shorthand: the same record so written is decided the same way.
    framed = record if find_sections(record) else _per_report(record, vignette.ur_decision - dt.timedelta(days=30))
    noted = _in_lines(_in_shorthand(framed), 64)
    assert [i.decision for i in review_case(vignette.case(noted)).items] == [i.decision for i in draft.items], noted
    if vignette.request is None:
        return
    (item,) = draft.items
    if wording == 0:  # the request as letters write it: a retrospective request, a sentence ending in a period
        case = vignette.case(record)
        retrospective = f"Retrospective request for {vignette.request}."
        case.disputed_items[0] = case.disputed_items[0].model_copy(update={"request": retrospective})
        (again,) = review_case(case).items
        assert (again.topic, again.decision) == (item.topic, item.decision), retrospective
    if vignette.meets:
        assert item.indication == vignette.meets, item.rationale
    else:
        result = next((r for r in item.criteria if r.id == vignette.fails), None)
        assert result is not None, f"{vignette.fails} is not a criterion of {item.topic}"
        if result.role == CriterionRole.EXCLUSION:
            assert result.status == CriterionStatus.MET, item.rationale
        else:
            assert result.status != CriterionStatus.MET, item.rationale


def test_every_indication_and_criterion_has_its_vignettes() -> None:
    by_topic = {f.topic: f for f in vignette_files()}
    missing: list[str] = []
    for topic in topics():
        file = by_topic.get(topic.id)
        met = {v.meets for v in file.vignettes} if file else set()
        failed = {v.fails for v in file.vignettes} if file else set()
        missing += [f"{topic.id}: meets {i.id}" for i in topic.indications if i.id not in met]
        missing += [f"{topic.id}: fails {c.id}" for c in topic.all_criteria() if c.id not in failed]
        if not topic.recommended and file is None:
            missing.append(f"{topic.id}: a vignette upholding it")
    assert not missing, "\n".join(missing)


def test_vignette_files_name_packaged_topics() -> None:
    known = {t.id for t in topics()}
    assert [f.topic for f in vignette_files() if f.topic not in known] == []


def test_suite_covers_both_decisions() -> None:
    decisions = {
        item.expect for file in vignette_files() for vignette in file.vignettes for item in vignette.case_items(file.topic)
    }
    assert decisions == {Decision.UPHELD, Decision.OVERTURNED}
