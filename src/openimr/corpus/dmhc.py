"""The DMHC health-plan IMR table: a different programme's outcomes, read as a separate data set.

California's Department of Managed Health Care publishes every health-plan Independent Medical Review since 2001 as a
table (reference id, report year, diagnosis and treatment categories, determination, review type, ...). These are not
workers' compensation reviews: other law, other reviewers' organisation, other standards (no MTUS). The same overturn
rates and plots apply, always labelled with the programme. Rows repeated with the same reference id count once.
"""

from __future__ import annotations

import csv
import statistics
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from openimr.corpus.stats import Table, count_pairs
from openimr.errors import OpenIMRError

DMHC_PROGRAMME = "DMHC health-plan IMR (California managed care; not workers' compensation)"
GROUPINGS = {
    "category": "TreatmentCategory",
    "subcategory": "TreatmentSubCategory",
    "diagnosis": "DiagnosisCategory",
    "year": "ReportYear",
    "type": "Type",
    "priority": "IMRType",
    "age": "AgeRange",
    "gender": "PatientGender",
}
"""`--by` names and the columns they group by."""
_REQUIRED = ("ReferenceID", "ReportYear", "TreatmentCategory", "Determination")
_PARTIAL_SHARE = 0.1
"""A last year with under this share of a typical year's reviews is flagged as partial."""
_OUTCOMES = {"overturned decision of health plan": True, "upheld decision of health plan": False}


@dataclass(frozen=True)
class Review:
    """One DMHC review: its columns and whether the health plan's denial was overturned."""

    reference: str
    columns: dict[str, str]
    overturned: bool


def read_reviews(path: Path) -> tuple[list[Review], int]:
    """The distinct reviews of a DMHC CSV and the number of repeated rows dropped; `OpenIMRError` naming the file and
    line for a file that is not that table."""
    reviews: dict[str, Review] = {}
    repeated = 0
    for review in _rows(path):
        if review.reference in reviews:
            repeated += 1
            continue
        reviews[review.reference] = review
    if not reviews:
        raise OpenIMRError("no reviews in the file", str(path))
    return list(reviews.values()), repeated


def _rows(path: Path) -> Iterator[Review]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            reader = csv.DictReader(stream)
            missing = [c for c in _REQUIRED if c not in (reader.fieldnames or [])]
            if missing:
                raise OpenIMRError(f"not the DMHC IMR table (no column {', '.join(missing)})", str(path))
            for line, row in enumerate(reader, start=2):
                outcome = _OUTCOMES.get((row.get("Determination") or "").strip().casefold())
                if outcome is None:
                    raise OpenIMRError(f"line {line}: unknown determination {row.get('Determination')!r}", str(path))
                yield Review(row["ReferenceID"].strip(), {k: (v or "").strip() for k, v in row.items() if k}, outcome)
    except FileNotFoundError:
        raise OpenIMRError("no such file", str(path)) from None
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise OpenIMRError(f"cannot read the table ({error.__class__.__name__})", str(path)) from None


def dmhc_stats(path: Path, by: str) -> Table:
    """Overturn rates of the DMHC reviews by `by` (see `GROUPINGS`), with 95% Wilson intervals."""
    if by not in GROUPINGS:
        raise OpenIMRError(f"unknown grouping {by!r}; expected one of {', '.join(GROUPINGS)}", "--by")
    reviews, repeated = read_reviews(path)
    column = GROUPINGS[by]
    counts = count_pairs((r.columns.get(column) or "(blank)", r.overturned) for r in reviews)
    per_year = Counter(r.columns["ReportYear"] for r in reviews)
    years = sorted(per_year)
    note = f"DMHC reviews {years[0]}-{years[-1]}; {repeated} repeated rows counted once."
    typical = statistics.median(per_year.values())
    if per_year[years[-1]] < _PARTIAL_SHARE * typical:
        note += f" {years[-1]} holds only {per_year[years[-1]]} reviews: a partial year."
    return Table.of_counts(DMHC_PROGRAMME, by, counts, time=by == "year", unit="reviews", note=note)
