"""The pre-submission check: it lists exactly the criteria the record lacks for the nearest indication, and adding the
missing sentence to the record turns the criterion and the likely outcome."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from typer.testing import CliRunner

from openimr.cli import app
from openimr.model import Case, CaseDates, Decision, DisputedItem, Document, Patient
from openimr.review.precheck import check_case, render_check

BASE = "He takes Norco twice a day for chronic low back pain. A urine drug screen was consistent."
IMPROVED = " With Norco he walks two miles and has returned to modified work."


def _case(text: str, *requests: str) -> Case:
    return Case(
        case_number="CHECK-1",
        dates=CaseDates(injury=dt.date(2016, 3, 1), ur_decision=dt.date(2016, 11, 15)),
        patient=Patient(age=50),
        documents=[Document(id="pr2", type="progress_report", text=text)],
        disputed_items=[DisputedItem(request=r) for r in requests],
    )


def test_the_report_lists_exactly_what_the_nearest_indication_lacks() -> None:
    (item,) = check_case(_case(BASE, "Norco 10/325mg #60")).items
    assert item.topic == "opioids" and item.indication == "opioid_maintenance"
    nearest = next(i for i in item.indications if i.id == "opioid_maintenance")
    assert [c.id for c in nearest.criteria if c.status != "documented"] == ["functional_improvement"]
    assert len(item.missing) == 1 and "functional improvement" in item.missing[0]
    assert item.likely_outcome == Decision.UPHELD


def test_adding_the_missing_sentence_turns_the_criterion_and_the_outcome() -> None:
    (item,) = check_case(_case(BASE + IMPROVED, "Norco 10/325mg #60")).items
    nearest = next(i for i in item.indications if i.id == "opioid_maintenance")
    assert {c.id: c.status for c in nearest.criteria}["functional_improvement"] == "documented"
    assert item.likely_outcome == Decision.OVERTURNED
    assert item.missing == []


def test_evidence_spans_point_into_the_record() -> None:
    (item,) = check_case(_case(BASE, "Norco 10/325mg #60")).items
    monitoring = next(c for i in item.indications for c in i.criteria if c.id == "monitoring")
    assert [s.text for s in monitoring.evidence] == ["urine drug screen was consistent", "urine drug screen"]
    assert all(BASE[s.start : s.end] == s.text for s in monitoring.evidence)


def test_a_request_that_lacks_its_quantity_is_told_to_state_it() -> None:
    (item,) = check_case(_case(BASE + IMPROVED, "Norco 10/325mg")).items
    assert item.likely_outcome == Decision.UPHELD
    assert any(advice.startswith("Revise the request") for advice in item.missing)


def test_an_item_no_topic_covers_says_so() -> None:
    (item,) = check_case(_case(BASE, "An unheard-of gadget")).items
    assert item.topic is None and item.missing


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_text_formats_carry_the_outcome_and_the_advice(fmt: str) -> None:
    text = render_check(check_case(_case(BASE, "Norco 10/325mg #60")), fmt).decode()
    assert "functional improvement" in text
    assert ("Upheld" in text) or ("not certified" in text)


def test_pdf_report_reads_back(tmp_path: Path) -> None:
    data = render_check(check_case(_case(BASE, "Norco 10/325mg #60")), "pdf")
    pdf = pdfium.PdfDocument(io.BytesIO(data))
    text = "".join(page.get_textpage().get_text_range() for page in pdf)
    assert "Pre-submission check" in text and "Norco 10/325mg #60" in text


def test_cli_check_writes_each_format_and_refuses_bad_input(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_text(_case(BASE, "Norco 10/325mg #60").model_dump_json(), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["check", str(case), "--format", "json"])
    assert result.exit_code == 0 and '"likely_outcome": "Upheld"' in result.output
    out = tmp_path / "report.pdf"
    assert runner.invoke(app, ["check", str(case), "-f", "pdf", "-o", str(out)]).exit_code == 0
    assert out.read_bytes().startswith(b"%PDF")
    assert runner.invoke(app, ["check", str(case), "-f", "docx"]).exit_code != 0
