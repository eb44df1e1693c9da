"""`imr letters parse` and `imr letters render` on real and broken inputs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from openimr.cli import app

runner = CliRunner()


@pytest.fixture()
def letter_folder(tmp_path: Path, shared_dir: Path) -> Path:
    """A folder with two real letters, one broken PDF, one non-letter file and a nested seed."""
    folder = tmp_path / "letters"
    (folder / "nested").mkdir(parents=True)
    pdfs = sorted((shared_dir / "data" / "dwc_letters" / "pdf").glob("*.pdf"))[:2]
    for pdf in pdfs:
        shutil.copy(pdf, folder / pdf.name)
    (folder / "broken.pdf").write_bytes(pdfs[0].read_bytes()[:500])
    (folder / "notes.csv").write_text("a,b\n", encoding="utf-8")
    shutil.copy(shared_dir / "seeds" / "002_b2165382d5985de0.txt", folder / "nested" / "seed.txt")
    return folder


def test_parse_writes_jsonl_reports_failures_and_exits_1(letter_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["letters", "parse", str(letter_folder), "--jsonl", str(out)])
    assert result.exit_code == 1
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 3
    for record in records:
        assert {"case_number", "date_assigned", "priority", "reviewer", "summary", "items", "source"} <= record.keys()
        assert record["items"] and {"request", "decision", "citations", "rationale"} <= record["items"][0].keys()
    assert records[0]["date_assigned"].count("-") == 2  # ISO dates
    errors = [line for line in result.stderr.splitlines() if line.startswith("imr: error:")]
    assert len(errors) == 1 and "broken.pdf: truncated PDF" in errors[0]
    assert result.stderr.splitlines()[-1] == "parsed 3, skipped 1, failed 1"
    assert not list(tmp_path.glob(".out.jsonl.*"))


def test_parse_to_stdout_exits_0_when_all_parse(letter_folder: Path) -> None:
    (letter_folder / "broken.pdf").unlink()
    result = runner.invoke(app, ["letters", "parse", str(letter_folder / "nested" / "seed.txt"), str(letter_folder)])
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 4
    assert result.stderr.splitlines()[-1] == "parsed 4, skipped 1, failed 0"


def test_missing_path_is_a_failure(tmp_path: Path) -> None:
    result = runner.invoke(app, ["letters", "parse", str(tmp_path / "absent.pdf")])
    assert result.exit_code == 1
    assert "absent.pdf: no such file or directory" in result.stderr


def test_render_each_format(tmp_path: Path, shared_dir: Path) -> None:
    out = tmp_path / "d.jsonl"
    seed = shared_dir / "seeds" / "002_b2165382d5985de0.txt"
    assert runner.invoke(app, ["letters", "parse", str(seed), "--jsonl", str(out)]).exit_code == 0
    determination = tmp_path / "d.json"
    determination.write_text(out.read_text(encoding="utf-8"), encoding="utf-8")
    for fmt in ("md", "txt", "html", "pdf"):
        target = tmp_path / f"letter.{fmt}"
        result = runner.invoke(app, ["letters", "render", str(determination), "--format", fmt, "-o", str(target)])
        assert result.exit_code == 0, result.stderr
        assert target.stat().st_size > 1000
    md = runner.invoke(app, ["letters", "render", str(determination), "--format", "md"])
    assert md.exit_code == 0 and "### CLINICAL CASE SUMMARY" in md.stdout


@pytest.mark.parametrize(
    ("content", "problem"),
    [("{not json", "not valid JSON"), ('{"items": 3}', "not a determination: items"), ("[1, 2]", "not a determination")],
)
def test_render_bad_json_is_one_line(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    command = [sys.executable, "-c", "from openimr.cli import main; main()", "letters", "render", str(path), "--format", "md"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"imr: error: {path}: {problem}" + result.stderr.split(problem, 1)[1]
    assert result.stderr.count("\n") == 1


def test_parse_of_nothing_leaves_no_file_and_keeps_an_earlier_one(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["letters", "parse", str(tmp_path / "missing"), "--jsonl", str(out)])
    assert result.exit_code == 1 and not out.exists()
    assert "not written (no letter parsed)" in result.stderr
    out.write_text('{"earlier": true}\n', encoding="utf-8")
    runner.invoke(app, ["letters", "parse", str(tmp_path / "missing"), "--jsonl", str(out)])
    assert out.read_text(encoding="utf-8") == '{"earlier": true}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def test_render_names_the_organization_of_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"items": [{"request": "Sample gel 1% #1", "decision": "Upheld"}]}), encoding="utf-8")
    monkeypatch.setenv("OPENIMR_ORG_NAME", "Sample Review Services")
    monkeypatch.setenv("OPENIMR_ORG_SHORT_NAME", "SRS")
    text = runner.invoke(app, ["letters", "render", str(path), "--format", "txt"]).stdout
    assert "Sample Review Services sent the complete case file" in text and "\nSRS guideline:" in text
    monkeypatch.setenv("OPENIMR_ORG_SHORT_NAME", "Two Words")
    command = [sys.executable, "-c", "from openimr.cli import main; main()", "letters", "render", str(path), "--format", "txt"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 2 and result.stderr.startswith("imr: error: setting org_short_name: ")
    assert result.stderr.count("\n") == 1
