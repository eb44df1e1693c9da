"""The DMHC table: overturn rates equal counts made here from the CSV, repeated reference ids count once, and a file
that is not the table is one clear error."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from tests.conftest import SHARED

from openimr.corpus.dmhc import DMHC_PROGRAMME, dmhc_stats
from openimr.errors import OpenIMRError

DMHC = SHARED / "data" / "dmhc" / "dmhc_imr_structured_2001_2025.csv"


def _independent(column: str) -> tuple[Counter[str], Counter[str]]:
    seen: set[str] = set()
    totals: Counter[str] = Counter()
    overturned: Counter[str] = Counter()
    with DMHC.open(encoding="utf-8", newline="") as stream:
        for row in csv.DictReader(stream):
            if row["ReferenceID"] in seen:
                continue
            seen.add(row["ReferenceID"])
            totals[row[column]] += 1
            overturned[row[column]] += row["Determination"].startswith("Overturned")
    return totals, overturned


@pytest.mark.parametrize(("by", "column"), [("category", "TreatmentCategory"), ("year", "ReportYear")])
def test_rates_equal_independent_counts(by: str, column: str) -> None:
    table = dmhc_stats(DMHC, by)
    totals, overturned = _independent(column)
    assert {g.group: (g.items, g.overturned) for g in table.groups} == {k: (totals[k], overturned[k]) for k in totals}
    assert table.items == sum(totals.values()) < sum(1 for _ in DMHC.open(encoding="utf-8")) - 1
    assert table.programme == DMHC_PROGRAMME and "not workers' compensation" in table.programme
    assert table.unit == "reviews" and table.time == (by == "year")


def test_not_the_table(tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(OpenIMRError, match="not the DMHC IMR table"):
        dmhc_stats(other, "category")
    bad = tmp_path / "bad.csv"
    bad.write_text("ReferenceID,ReportYear,TreatmentCategory,Determination\nX1,2020,DME,Maybe\n", encoding="utf-8")
    with pytest.raises(OpenIMRError, match="line 2: unknown determination"):
        dmhc_stats(bad, "category")
    with pytest.raises(OpenIMRError, match="no such file"):
        dmhc_stats(tmp_path / "missing.csv", "category")
    with pytest.raises(OpenIMRError, match="unknown grouping"):
        dmhc_stats(DMHC, "colour")
