"""`imr fhir import` and `imr fhir export` from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from openimr.cli import app
from openimr.model import Case

from ..fhir.bundles import changed, pas_bundle, synthetic_case

runner = CliRunner()


def _bundle_file(tmp_path: Path, bundle: dict[str, object] | None = None) -> Path:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle or pas_bundle(synthetic_case())), encoding="utf-8")
    return path


def test_import_writes_the_case_and_export_answers_it(tmp_path: Path) -> None:
    case_file = tmp_path / "case.json"
    result = runner.invoke(app, ["fhir", "import", str(_bundle_file(tmp_path)), "-o", str(case_file)])
    assert result.exit_code == 0, result.output
    assert Case.model_validate_json(case_file.read_text(encoding="utf-8")) == synthetic_case()
    result = runner.invoke(app, ["fhir", "export", str(case_file), "--no-letter"])
    assert result.exit_code == 0, result.output
    bundle = json.loads(result.output)
    response = bundle["entry"][0]["resource"]
    assert response["resourceType"] == "ClaimResponse"
    assert [i["itemSequence"] for i in response["item"]] == [1, 2]
    review = json.loads(runner.invoke(app, ["review", str(case_file), "--format", "json"]).output)
    codes = [
        i["adjudication"][0]["extension"][0]["extension"][0]["valueCodeableConcept"]["coding"][0]["code"]
        for i in response["item"]
    ]
    assert codes == ["A1" if i["decision"] == "Overturned" else "A3" for i in review["items"]]


def test_export_of_a_signed_determination_carries_the_final_letter(tmp_path: Path) -> None:
    case_file = tmp_path / "case.json"
    assert runner.invoke(app, ["fhir", "import", str(_bundle_file(tmp_path)), "-o", str(case_file)]).exit_code == 0
    determination = tmp_path / "determination.json"
    assert runner.invoke(app, ["review", str(case_file), "--format", "json", "-o", str(determination)]).exit_code == 0
    out = tmp_path / "response.json"
    result = runner.invoke(app, ["fhir", "export", str(case_file), "--determination", str(determination), "-o", str(out)])
    assert result.exit_code == 0, result.output
    entries = json.loads(out.read_text(encoding="utf-8"))["entry"]
    assert [e["resource"]["resourceType"] for e in entries] == ["ClaimResponse", "DocumentReference"]
    assert entries[1]["resource"]["docStatus"] == "final"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle.json", "case.json", "determination.json", "response.json"]


def test_a_bad_bundle_is_one_line_naming_file_and_element_and_writes_nothing(tmp_path: Path) -> None:
    bundle = changed(
        pas_bundle(synthetic_case()), "entry.0.resource.item.0.productOrService.coding.0.system", "http://snomed.info/sct"
    )
    path, out = _bundle_file(tmp_path, bundle), tmp_path / "case.json"
    command = [sys.executable, "-c", "from openimr.cli import main; main()", "fhir", "import", str(path), "-o", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"imr: error: {path}: Bundle.entry[0].resource.item[0].productOrService.coding[0].system: unknown coding system "
        "'http://snomed.info/sct'; expected CPT, HCPCS, RxNorm or NDC\n"
    )
    assert not out.exists()


def test_a_missing_bundle_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["fhir", "import", str(tmp_path / "nothing.json")])
    assert result.exit_code != 0
    assert "cannot read the bundle" in str(result.exception)
