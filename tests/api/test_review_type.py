"""Formulary disputes on business days, conversion to expedited, consolidation of applications about one UR decision."""

from __future__ import annotations

import datetime as dt
from typing import Any

from openimr.cases.business_days import business_deadline


def _screened(api: Any, **change: Any) -> dict[str, Any]:
    case = api.file_case(**change)
    screened = api.intake.post(f"/cases/{case['id']}/screen").json()
    assert screened["screening_outcome"] == "eligible", screened["screening_reasons"]
    return screened


def test_a_formulary_dispute_is_due_five_business_days_after_the_records(api: Any) -> None:
    case, _ = api.assigned_case(formulary_dispute=True)
    done = api.intake.post(f"/cases/{case['id']}/records-complete").json()
    received = dt.datetime.fromisoformat(done["records_received_at"])
    assert dt.datetime.fromisoformat(done["determination_due"]) == business_deadline(received, 5)
    assert dt.datetime.fromisoformat(done["determination_due"]) - received < dt.timedelta(days=10)


def test_a_standard_review_converts_to_expedited_on_the_physicians_certification(api: Any) -> None:
    case, _ = api.assigned_case()
    url = f"/cases/{case['id']}/expedite"
    refused = api.intake.post(url, json={"certification_document_id": case["documents"][0]["id"]})
    assert refused.status_code == 422 and "expedited_certification" in refused.json()["detail"]
    certification = api.intake.post(
        f"/cases/{case['id']}/documents",
        files={"file": ("cert.txt", b"Synthetic certification of an imminent and serious threat.", "text/plain")},
        data={"type": "expedited_certification"},
    ).json()
    converted = api.intake.post(url, json={"certification_document_id": certification["id"]})
    assert converted.status_code == 200, converted.text
    body = converted.json()
    assert body["priority"] == "Expedited"
    now = dt.datetime.now(dt.UTC)
    assert dt.datetime.fromisoformat(body["records_due"]) <= now + dt.timedelta(hours=24)
    assert api.intake.post(url, json={"certification_document_id": certification["id"]}).status_code == 409
    audit = api.admin.get(f"/cases/{case['id']}/audit").json()
    entry = next(e for e in audit if e["action"] == "converted to expedited")
    assert entry["before"]["priority"] == "Standard" and entry["after"]["priority"] == "Expedited"


def test_applications_about_one_ur_decision_are_consolidated_into_one_case(api: Any) -> None:
    target = _screened(api)
    other = _screened(api, disputed_items=[{"request": "Physical therapy 2x6 lumbar spine"}])
    stranger = _screened(
        api,
        claim_number="CLM-X",
        parties={"requesting_physician": "Dr. Someone Else"},
        disputed_items=[{"request": "Naproxen 550mg #60"}],
    )
    mismatch = api.intake.post(f"/cases/{target['id']}/consolidate", json={"case_ids": [stranger["id"]]})
    assert mismatch.status_code == 422 and "not the same employee" in mismatch.json()["detail"]
    merged = api.intake.post(f"/cases/{target['id']}/consolidate", json={"case_ids": [other["id"]]})
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert [i["request"] for i in body["items"]] == [
        "Cyclobenzaprine 7.5mg #90",
        "Tramadol ER 150mg #30",
        "Physical therapy 2x6 lumbar spine",
    ]
    assert len(body["documents"]) == len(target["documents"]) + len(other["documents"])
    gone = api.admin.get(f"/cases/{other['id']}").json()
    assert gone["state"] == "consolidated" and gone["consolidated_into"] == target["id"] and gone["documents"] == []
    again = api.intake.post(f"/cases/{target['id']}/consolidate", json={"case_ids": [other["id"]]})
    assert again.status_code == 409
    reviewer_id, _ = api.add_reviewer()
    assigned = api.admin.post(f"/cases/{target['id']}/assign", json={"reviewer_id": reviewer_id})
    assert assigned.status_code == 200 and len(assigned.json()["items"]) == 3
