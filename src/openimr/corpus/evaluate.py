"""`imr eval`: review the case each past letter describes and score the engine against the letter's own decisions.

The case is built from what a reviewer sees before deciding: header dates, priority, the clinical case summary,
the disputed items with any original and authorized portions, and the claims administrator's guideline line. The
letter's decisions, MAXIMUS guideline lines and rationales never reach the engine (`case_from_letter`).
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openimr.errors import OpenIMRError
from openimr.evidence.dates import DatePrecision, find_dates
from openimr.model import Case, CaseDates, Citation, Decision, Determination, DisputedItem, Document, Patient
from openimr.review import review_case

log = logging.getLogger(__name__)

_AGE_SEX = re.compile(r"\b(\d{2})[- ]year[- ]old\s+(male|female|man|woman|gentleman|lady)\b", re.IGNORECASE)
_SEX = {"man": "male", "gentleman": "male", "woman": "female", "lady": "female"}


def _patient(summary: str) -> Patient:
    found = _AGE_SEX.search(summary)
    if not found:
        return Patient()
    sex = found.group(2).lower()
    return Patient(age=int(found.group(1)), sex=_SEX.get(sex, sex))


def case_from_letter(letter: Determination) -> Case:
    """The case a reviewer saw before deciding the letter's items: never its decisions, MAXIMUS lines or rationales.

    When the header has no UR decision date (older layouts), the latest date the summary mentions stands in for it."""
    summary = letter.summary
    ur_decision = letter.ur_denial_date
    if ur_decision is None:
        mentioned = [
            f.date
            for f in find_dates(summary, DatePrecision.DAY)
            if letter.decision_date is None or f.date <= letter.decision_date
        ]
        ur_decision = max(mentioned) if mentioned else None
    return Case(
        case_number=letter.case_number,
        priority=letter.priority or "Standard",
        dates=CaseDates(
            injury=letter.date_of_injury,
            ur_decision=ur_decision,
            application_received=letter.application_received,
            assigned=letter.date_assigned,
        ),
        patient=_patient(summary),
        documents=[Document(id="summary", type="clinical_summary", text=summary)],
        disputed_items=[
            DisputedItem(
                request=item.request,
                ur_guideline=item.claims_administrator_guideline,
                original_request=item.original_request,
                authorized=item.authorized,
            )
            for item in letter.items
        ],
    )


def _norm_guideline(text: str) -> str:
    text = text.lower().replace("&", " and ").replace("-", "")
    text = re.sub(
        r"\(.*?\)|chapter \d+|\b(?:mtus|acoem|guidelines?|medical|treatment|official disability|odg)\b", " ", text.lower()
    )
    return " ".join(re.sub(r"[^a-z ]", " ", text).split())


def _norm_words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z ]", " ", text.lower().replace("-", "").replace("®", "")).split())


def _section_forms(text: str) -> set[str]:
    """A section name without its parenthesis, and the parenthesis itself when it names the topic ("Radiography
    (x-rays)" is also "x rays"; "(for pain)" only qualifies)."""
    forms = {_norm_words(re.sub(r"\(.*?\)", " ", text))}
    forms.update(_norm_words(inner) for inner in re.findall(r"\((.*?)\)", text) if not inner.lower().startswith("for "))
    return {form for form in forms if len(form) >= 3}


def _forms_agree(ours: set[str], theirs: set[str]) -> bool:
    return any(x == y or x in y or y in x for x in ours for y in theirs)


def _page_set(pages: str | None) -> set[int]:
    found: set[int] = set()
    for first, last in re.findall(r"(\d+)(?:\s*-\s*(\d+))?", pages or ""):
        found.update(range(int(first), int(last or first) + 1))
    return found


def _pages_overlap(ours: str | None, theirs: str | None) -> bool:
    return bool(_page_set(ours) & _page_set(theirs))


def citations_agree(engine: Sequence[Citation], letter: Sequence[Citation]) -> bool:
    """Whether an engine citation has the same guideline part and a section in common with one of the letter's."""
    for ours in engine:
        for theirs in letter:
            a, b = _norm_guideline(ours.guideline or ours.source), _norm_guideline(theirs.guideline or theirs.source)
            if not a or not b or not (a.startswith(b) or b.startswith(a)):
                continue
            our_sections = [_section_forms(s) for s in ours.sections]
            their_sections = [_section_forms(s) for s in theirs.sections]
            if _pages_overlap(ours.pages, theirs.pages):
                return True
            if not ours.sections or not theirs.sections:
                if not ours.sections and not theirs.sections:
                    return True
                continue
            if any(_forms_agree(x, y) for x in our_sections for y in their_sections):
                return True
    return False


@dataclass(frozen=True)
class _Counts:
    tp: int
    fp: int
    fn: int

    def f1(self) -> float:
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp else 0.0


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def score(pairs: Iterable[tuple[Determination, Determination]], parse_failures: int = 0) -> dict[str, Any]:
    """Metrics of engine determinations against letters (pairs of letter, engine draft, items in the same order)."""
    gold: list[Decision] = []
    predicted: list[Decision] = []
    letters = cited = agreed = covered = 0
    per_category: dict[str, dict[str, int]] = defaultdict(
        lambda: {"items": 0, "correct": 0, "overturned": 0, "predicted_overturned": 0}
    )
    for letter, draft in pairs:
        letters += 1
        for theirs, ours in zip(letter.items, draft.items, strict=True):
            gold.append(theirs.decision)
            predicted.append(ours.decision)
            covered += ours.topic is not None
            if theirs.citations:
                cited += 1
                agreed += citations_agree(ours.citations, theirs.citations)
            row = per_category[ours.category or "uncovered"]
            row["items"] += 1
            row["correct"] += theirs.decision == ours.decision
            row["overturned"] += theirs.decision == Decision.OVERTURNED
            row["predicted_overturned"] += ours.decision == Decision.OVERTURNED
    n = len(gold)

    def counts(label: Decision) -> _Counts:
        tp = sum(g == p == label for g, p in zip(gold, predicted, strict=True))
        return _Counts(
            tp,
            sum(p == label != g for g, p in zip(gold, predicted, strict=True)),
            sum(g == label != p for g, p in zip(gold, predicted, strict=True)),
        )

    up, over = counts(Decision.UPHELD), counts(Decision.OVERTURNED)
    recall_up, recall_over = _ratio(up.tp, up.tp + up.fn), _ratio(over.tp, over.tp + over.fn)
    return {
        "letters": letters,
        "items": n,
        "parse_failures": parse_failures,
        "accuracy": _ratio(sum(g == p for g, p in zip(gold, predicted, strict=True)), n),
        "balanced_accuracy": (recall_up + recall_over) / 2,
        "macro_f1": (up.f1() + over.f1()) / 2,
        "overturned_precision": _ratio(over.tp, over.tp + over.fp),
        "overturned_recall": recall_over,
        "citation_agreement": _ratio(agreed, cited),
        "topic_coverage": _ratio(covered, n),
        "per_category": {
            name: {**row, "accuracy": _ratio(row["correct"], row["items"])} for name, row in sorted(per_category.items())
        },
    }


def _review_letter(path: Path) -> tuple[Determination, Determination] | str:
    from openimr.letters import parse_letter

    try:
        letter = parse_letter(path)
    except OpenIMRError as error:
        log.info("could not parse %s: %s", path.name, error.problem)
        return str(error)
    return letter, review_case(case_from_letter(letter))


def letter_paths(paths: Iterable[Path]) -> list[Path]:
    """The letter files named, folders expanded to their PDF and text files, in name order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix.lower() in {".pdf", ".txt", ".md"}))
        elif path.is_file():
            found.append(path)
        else:
            raise OpenIMRError("no such file or folder", str(path))
    return found


class _Inline:
    """Stands in for a process pool when reviewing on one core."""

    def __enter__(self) -> _Inline:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def map(self, function: Callable[[Path], Any], items: Iterable[Path]) -> Iterator[Any]:
        return (function(item) for item in items)


def evaluate(paths: Iterable[Path], workers: int = 1, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Parse each letter, review its case and score the drafts against the letters' decisions."""
    files = letter_paths(paths)
    pairs: list[tuple[Determination, Determination]] = []
    failures = 0
    results: list[tuple[Determination, Determination] | str] = []
    with ProcessPoolExecutor(max_workers=workers) if workers > 1 else _Inline() as pool:
        for result in pool.map(_review_letter, files):
            results.append(result)
            if progress:
                progress(1)
    for result in results:
        if isinstance(result, str) or not result[0].items:
            failures += 1
        else:
            pairs.append(result)
    return score(pairs, failures)
