"""Case files: valid ones load with their documents; malformed ones give one line naming the file and the problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openimr.errors import OpenIMRError
from openimr.review.case_file import load_case

SUMMARY = "The injured worker is a 40 year old female with neck pain. Muscle spasm is noted on examination."


def _write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def _case(**overrides: object) -> dict[str, object]:
    case: dict[str, object] = {
        "case_number": "CM00-0000001",
        "dates": {"injury": "2016-10-01", "ur_decision": "2016-11-03"},
        "documents": [{"id": "summary", "type": "clinical_summary", "text": SUMMARY}],
        "disputed_items": [{"request": "Cyclobenzaprine 7.5mg #20"}],
    }
    case.update(overrides)
    return case


def test_json_case_loads(tmp_path: Path) -> None:
    case = load_case(_write(tmp_path, "case.json", json.dumps(_case())))
    assert case.disputed_items[0].request == "Cyclobenzaprine 7.5mg #20"
    assert str(case.dates.ur_decision) == "2016-11-03"


def test_a_request_not_yet_sent_may_name_its_items_planned_items(tmp_path: Path) -> None:
    case = _case()
    case["planned_items"] = case.pop("disputed_items")
    loaded = load_case(_write(tmp_path, "planned.json", json.dumps(case)))
    assert [item.request for item in loaded.disputed_items] == ["Cyclobenzaprine 7.5mg #20"]
    both = _case(planned_items=[{"request": "MRI of the knee"}])
    with pytest.raises(OpenIMRError, match="planned_items"):
        load_case(_write(tmp_path, "both.json", json.dumps(both)))


def test_yaml_case_reads_document_paths_relative_to_the_case_file(tmp_path: Path) -> None:
    (tmp_path / "records").mkdir()
    _write(tmp_path / "records", "pr2.txt", "Progress report. Decreased sensation in the C6 dermatome.")
    text = (
        "documents:\n  - id: pr2\n    type: progress_report\n    path: records/pr2.txt\n"
        "disputed_items:\n  - request: MRI of the cervical spine\n"
    )
    case = load_case(_write(tmp_path, "case.yaml", text))
    assert "C6 dermatome" in case.documents[0].text


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("no_items.json", json.dumps(_case(disputed_items=[])), "disputed_items"),
        ("blank_item.json", json.dumps(_case(disputed_items=[{"request": "  "}])), "disputed_items.0.request"),
        ("unknown.json", json.dumps(_case(reviewer="someone")), "reviewer"),
        ("bad_date.json", json.dumps(_case(dates={"ur_decision": "2016-13-45"})), "dates.ur_decision"),
        ("bad.json", "{not json", "not valid JSON"),
        ("bad.yaml", "documents: [unclosed", "not valid YAML"),
        ("list.yaml", "- a\n- b\n", "must be a mapping"),
        (
            "unquoted_quantity.yaml",
            "documents:\n- {id: pr2, text: Neck pain.}\ndisputed_items:\n- request: Naproxen 550mg #60\n",
            'line 4: the \'#\' after \'Naproxen 550mg\' starts a YAML comment, so what follows it is lost; quote the whole '
            'value: "Naproxen 550mg #60"',
        ),
        ("missing_doc.json", json.dumps(_case(documents=[{"id": "pr2", "path": "nowhere.pdf"}])), "no such file"),
        ("empty_docs.json", json.dumps(_case(documents=[{"id": "summary", "text": "  "}])), "no document has any text"),
    ],
)
def test_malformed_case_file_is_one_line_naming_the_file(tmp_path: Path, name: str, content: str, expected: str) -> None:
    path = _write(tmp_path, name, content)
    with pytest.raises(OpenIMRError) as caught:
        load_case(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert expected in message


def test_a_number_sign_inside_quotes_or_a_text_block_is_kept(tmp_path: Path) -> None:
    text = (
        "documents:\n- id: pr2\n  text: |\n    Plan: naproxen 550mg, #60, twice a day # with food\n"
        "disputed_items:\n- request: 'Naproxen 550mg #60'  # as the RFA wrote it\n"
    )
    case = load_case(_write(tmp_path, "case.yaml", text))
    assert case.disputed_items[0].request == "Naproxen 550mg #60"
    assert "#60, twice a day # with food" in case.documents[0].text


def test_missing_case_file(tmp_path: Path) -> None:
    with pytest.raises(OpenIMRError, match="no such case file"):
        load_case(tmp_path / "absent.json")
