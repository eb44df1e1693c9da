"""`POST /check` over a real uvicorn server: planned requests in, the pre-submission check report out."""

from __future__ import annotations

from typing import Any

from .conftest import Api

RECORD = "He takes Norco twice a day for chronic low back pain. A urine drug screen was consistent."


def _case(text: str = RECORD, **change: Any) -> dict[str, Any]:
    return {
        "case_number": "CHECK-API-1",
        "dates": {"injury": "2016-03-01", "ur_decision": "2016-11-15"},
        "patient": {"age": 50},
        "documents": [{"id": "pr2", "type": "progress_report", "text": text}],
        "disputed_items": [{"request": "Norco 10/325mg #60"}],
        **change,
    }


def test_check_reports_what_is_missing_and_turns_when_it_is_added(api: Api) -> None:
    answer = api.intake.post("/check", json=_case())
    assert answer.status_code == 200, answer.text
    (item,) = answer.json()["items"]
    assert item["likely_outcome"] == "Upheld" and item["indication"] == "opioid_maintenance"
    assert any("functional improvement" in advice for advice in item["missing"])
    _, reviewer = api.add_reviewer()
    improved = reviewer.post("/check", json=_case(RECORD + " With Norco he walks two miles and is back at work."))
    assert improved.json()["items"][0]["likely_outcome"] == "Overturned"
    planned = _case()
    planned["planned_items"] = planned.pop("disputed_items")
    assert api.intake.post("/check", json=planned).json()["items"][0]["likely_outcome"] == "Upheld"


def test_check_as_pdf_and_markdown(api: Api) -> None:
    pdf = api.admin.post("/check", params={"format": "pdf"}, json=_case())
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    md = api.admin.post("/check", params={"format": "md"}, json=_case())
    assert md.headers["content-type"].startswith("text/markdown") and "# Pre-submission check" in md.text


def test_check_refuses_bad_input_and_strangers(api: Api) -> None:
    assert api.anonymous.post("/check", json=_case()).status_code == 401
    assert api.intake.post("/check", json=_case(disputed_items=[])).status_code == 422
    with_path = _case(documents=[{"id": "pr2", "path": "/etc/passwd"}])
    refused = api.intake.post("/check", json=with_path)
    assert refused.status_code in (400, 422) and "inline" in refused.text
    assert api.intake.post("/check", params={"format": "docx"}, json=_case()).status_code == 422
