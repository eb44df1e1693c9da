"""`imr review` and `imr eval` from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import SEEDS
from typer.testing import CliRunner

from openimr.cli import app

runner = CliRunner()
CASE = {
    "case_number": "CM00-0000004",
    "dates": {"injury": "2016-10-01", "ur_decision": "2016-11-20"},
    "documents": [{"id": "summary", "type": "clinical_summary", "text": "Lumbar strain. Muscle spasm on examination."}],
    "disputed_items": [{"request": "Cyclobenzaprine 7.5mg #20"}, {"request": "MRI of the lumbar spine"}],
}


def _case_file(tmp_path: Path) -> Path:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(CASE), encoding="utf-8")
    return path


def test_review_prints_the_determination_as_json(tmp_path: Path) -> None:
    result = runner.invoke(app, ["review", str(_case_file(tmp_path)), "--format", "json"])
    assert result.exit_code == 0, result.output
    determination = json.loads(result.output)
    assert [i["decision"] for i in determination["items"]] == ["Overturned", "Upheld"]
    spans = [e["text"] for c in determination["items"][0]["criteria"] for e in c["evidence"]]
    assert "spasm" in [text.lower() for text in spans]


def test_review_writes_a_letter_file_and_no_temporary_file(tmp_path: Path) -> None:
    out = tmp_path / "draft.txt"
    result = runner.invoke(app, ["review", str(_case_file(tmp_path)), "--format", "txt", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "Cyclobenzaprine 7.5mg #20: Overturned" in text
    assert "the request for MRI of the lumbar spine is not medically necessary" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.json", "draft.txt"]


def test_bad_case_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps({**CASE, "disputed_items": []}), encoding="utf-8")
    command = [sys.executable, "-c", "from openimr.cli import main; main()", "review", str(path)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and str(path) in result.stderr and "disputed_items" in result.stderr


def test_eval_json_has_the_metrics(tmp_path: Path) -> None:
    result = runner.invoke(app, ["eval", str(SEEDS), "--json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output)
    for key in (
        "letters",
        "items",
        "parse_failures",
        "accuracy",
        "balanced_accuracy",
        "macro_f1",
        "overturned_precision",
        "overturned_recall",
        "citation_agreement",
        "topic_coverage",
        "per_category",
    ):
        assert key in metrics
    assert metrics["letters"] == 5 and metrics["items"] >= 10


def test_review_into_a_missing_folder_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "dir" / "x.md"
    command = [
        sys.executable,
        "-c",
        "from openimr.cli import main; main()",
        "review",
        str(_case_file(tmp_path)),
        "-o",
        str(target),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr == f"imr: error: {target}: cannot write: no such folder '{target.parent}'\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.json"]


def test_priority_is_read_without_regard_to_case(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(
        "priority: expedited\n"
        "documents:\n  - id: note\n    text: Lumbar strain with muscle spasm.\n"
        'disputed_items:\n  - request: "Cyclobenzaprine 7.5mg #20"\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["review", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    determination = json.loads(result.output)
    assert determination["priority"] == "Expedited" and determination["items"][0]["request"] == "Cyclobenzaprine 7.5mg #20"


def test_the_readme_case_file_example_keeps_its_quantities(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    example = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "case.yaml"
    path.write_text(example, encoding="utf-8")
    result = runner.invoke(app, ["review", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    requests = [i["request"] for i in json.loads(result.output)["items"]]
    assert requests[0] == "Cyclobenzaprine 7.5mg #20", "a value with ' #' is quoted in the example"
