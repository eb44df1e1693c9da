"""The whole IMR workflow over HTTP on a real server, on SQLite and PostgreSQL, with the real engine and renderer."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from openimr.documents import read_document
from openimr.letters import parse_letter

MARKUP = "<b>Reviewer</b> note: <script>alert(1)</script> & more."


def _drafted(api: Any, **change: Any) -> tuple[dict[str, Any], httpx.Client]:
    case, reviewer = api.assigned_case(**change)
    drafted = api.records_complete(case["id"])
    assert drafted["state"] == "drafted", drafted["drafting_error"]
    return drafted, reviewer


def test_a_case_goes_from_application_to_issued_letter(api: Any, tmp_path: Path) -> None:
    case, reviewer = _drafted(api)
    case_id = case["id"]
    assert dt.datetime.fromisoformat(case["determination_due"]) - dt.datetime.fromisoformat(
        case["records_received_at"]
    ) == dt.timedelta(days=30)
    draft = reviewer.get(f"/cases/{case_id}/draft").json()
    assert draft["engine_version"] and draft["knowledge_version"]
    assert [i["decision"] for i in draft["items"]] == [i["decision"] for i in draft["engine_determination"]["items"]]
    assert all(i["decision"] in ("Upheld", "Overturned") and i["version"] == 1 for i in draft["items"])
    assert draft["summary"] == draft["engine_determination"]["summary"] and draft["summary_version"] == 1

    assert api.admin.post(f"/cases/{case_id}/issue").status_code == 409, "nothing is issued unsigned"
    again = reviewer.post(f"/cases/{case_id}/draft")
    assert again.status_code == 409 and "only a case in review can be drafted" in again.json()["detail"]
    assert api.admin.post(f"/cases/{case_id}/sign").status_code == 403, "only the assigned reviewer signs"
    assert api.admin.patch(f"/cases/{case_id}/draft/items/1", json={"version": 1, "rationale": "x"}).status_code == 403

    first = draft["items"][0]
    flipped = "Overturned" if first["decision"] == "Upheld" else "Upheld"
    edited = reviewer.patch(
        f"/cases/{case_id}/draft/items/1", json={"version": first["version"], "decision": flipped, "rationale": MARKUP}
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["decision"] == flipped and edited.json()["rationale"] == MARKUP
    criterion = draft["engine_determination"]["items"][0]["criteria"][0]
    overridden = "insufficient" if criterion["status"] != "insufficient" else "met"
    guideline = "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Muscle relaxants (for pain)."
    edited = reviewer.patch(
        f"/cases/{case_id}/draft/items/1",
        json={
            "version": edited.json()["version"],
            "guideline": guideline,
            "criteria": [{"id": criterion["id"], "status": overridden, "note": "Synthetic reviewer note."}],
        },
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["version"] == 3 and edited.json()["criteria_overrides"][criterion["id"]]["status"] == overridden
    unknown = reviewer.patch(
        f"/cases/{case_id}/draft/items/1", json={"version": 3, "criteria": [{"id": "no-such-criterion", "status": "met"}]}
    )
    assert unknown.status_code == 422 and "no-such-criterion" in unknown.json()["detail"]
    revisions = reviewer.get(f"/cases/{case_id}/draft/items/1/revisions").json()
    assert [(r["revision"], r["decision"], r["author"].startswith("review engine")) for r in revisions] == [
        (1, first["decision"], True),
        (2, flipped, False),
        (3, flipped, False),
    ], "revision n is item version n"
    assert revisions[0]["rationale"] == first["rationale"], "the engine's version is kept"
    assert revisions[2]["guideline"] == guideline and criterion["id"] in revisions[2]["criteria_overrides"]

    summary = "Synthetic summary: a 47-year-old worker with chronic low back pain after a lifting injury."
    stale = reviewer.put(f"/cases/{case_id}/draft/summary", json={"version": 7, "summary": "x"})
    assert stale.status_code == 409
    rewritten = reviewer.put(f"/cases/{case_id}/draft/summary", json={"version": 1, "summary": summary})
    assert rewritten.status_code == 200 and rewritten.json()["summary_version"] == 2
    assert api.intake.put(f"/cases/{case_id}/draft/summary", json={"version": 2, "summary": "x"}).status_code == 403

    preview = reviewer.get(f"/cases/{case_id}/draft/letter.pdf")
    assert preview.status_code == 200 and preview.content.startswith(b"%PDF-")
    (tmp_path / "preview.pdf").write_bytes(preview.content)
    previewed = " ".join(read_document(tmp_path / "preview.pdf").text.split())
    assert "DRAFT" in previewed and summary in previewed and "Not signed" in previewed

    signed = reviewer.post(f"/cases/{case_id}/sign")
    assert signed.status_code == 200 and signed.json()["state"] == "signed"
    after_sign = reviewer.patch(
        f"/cases/{case_id}/draft/items/1", json={"version": edited.json()["version"] + 1, "rationale": "late"}
    )
    assert after_sign.status_code == 409

    issued = reviewer.post(f"/cases/{case_id}/issue")
    assert issued.status_code == 200 and issued.json()["state"] == "issued"
    pdf = api.admin.get(f"/cases/{case_id}/letter.pdf")
    letter = api.admin.get(f"/cases/{case_id}/letter.json")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    determination = letter.json()["determination"]
    assert determination["items"][0]["decision"] == flipped
    assert determination["items"][0]["rationale"] == MARKUP, "HTML is stored as given"
    assert determination["items"][0]["maximus_guideline"] == guideline
    assert [c["sections"] for c in determination["items"][0]["citations"]] == [["Muscle relaxants (for pain)"]]
    shown = next(c for c in determination["items"][0]["criteria"] if c["id"] == criterion["id"])
    assert shown["status"] == overridden and shown["override"] == {
        "engine_status": criterion["status"],
        "note": "Synthetic reviewer note.",
    }, "an overridden criterion is shown as overridden"
    assert determination["summary"] == summary and determination["case_number"] == case["case_number"]
    assert letter.json()["signature"]["signed_on"] == dt.datetime.fromisoformat(signed.json()["signed_at"]).date().isoformat()
    assert [a["role"] for a in letter.json()["addressees"]] == [
        "Injured Worker",
        "Employer",
        "Claims Administrator",
        "Requesting Physician",
    ]
    (tmp_path / "letter.pdf").write_bytes(pdf.content)
    printed = read_document(tmp_path / "letter.pdf").text
    assert "<script>alert(1)</script>" in printed, "HTML is escaped when rendered: it prints as text"
    flat = " ".join(printed.split())
    for expected in (summary, f": {flipped}", "Harbor Freight Lines", "Golden Claims Services", "Dr. Ana Example"):
        assert expected in flat, expected
    assert "Electronically signed by the Expert Reviewer on" in flat and "DRAFT" not in flat
    assert "Labor Code section 4610.6(h)" in flat and "Page 1 of" in flat
    assert parse_letter(tmp_path / "letter.pdf").items[0].decision.value == flipped, "the issued letter reads back"

    assert reviewer.post(f"/cases/{case_id}/issue").status_code == 409
    assert api.admin.get(f"/cases/{case_id}/letter.pdf").content == pdf.content, "an issued letter never changes"
    with api.services.context.sessions() as session, pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("UPDATE letters SET json = '{}'"))
        session.commit()

    actions = [e["action"] for e in api.admin.get(f"/cases/{case_id}/audit").json()]
    assert actions == [
        "case received",
        "screened",
        "assigned",
        "records complete",
        "in review",
        "drafted",
        "draft stored",
        "item edited",
        "item edited",
        "summary edited",
        "signed",
        "issued",
    ]
    edit = next(e for e in api.admin.get(f"/cases/{case_id}/audit").json() if e["action"] == "item edited")
    assert edit["actor"] == "reviewer-" + str(case["reviewer_id"])
    assert edit["before"]["decision"] == first["decision"] and edit["after"]["decision"] == flipped


def test_two_concurrent_edits_of_one_item_leave_one_winner_and_one_conflict(api: Any) -> None:
    case, reviewer = _drafted(api)
    url = f"/cases/{case['id']}/draft/items/1"
    version = reviewer.get(f"/cases/{case['id']}/draft").json()["items"][0]["version"]
    start = threading.Barrier(2)
    results: dict[str, httpx.Response] = {}

    def edit(who: str) -> None:
        with api.client(reviewer.headers["Authorization"].split()[1]) as client:
            start.wait()
            results[who] = client.patch(url, json={"version": version, "rationale": f"rationale by {who}"})

    threads = [threading.Thread(target=edit, args=(who,)) for who in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(r.status_code for r in results.values())
    assert statuses == [200, 409], {k: (r.status_code, r.text) for k, r in results.items()}
    winner = next(who for who, r in results.items() if r.status_code == 200)
    loser = next(r for r in results.values() if r.status_code == 409)
    assert "reload" in loser.json()["detail"]
    item = reviewer.get(f"/cases/{case['id']}/draft").json()["items"][0]
    assert item["rationale"] == f"rationale by {winner}" and item["version"] == version + 1
    revisions = reviewer.get(f"{url}/revisions").json()
    assert [r["rationale"] for r in revisions[1:]] == [f"rationale by {winner}"]


def test_a_real_letters_case_is_drafted_signed_and_issued(api: Any, shared_dir: Path) -> None:
    """A case built from a real DWC letter's header, summary and items (never its decision), run through the workflow."""
    letters = sorted((shared_dir / "data" / "dwc_letters" / "pdf").glob("*.pdf"))[:5]
    for path in letters:
        letter = parse_letter(path)
        if letter.ur_denial_date and letter.summary and letter.items:
            break
    else:
        pytest.fail("none of the first letters parsed with a UR date, a summary and items")
    assert letter.ur_denial_date is not None
    ur = letter.ur_denial_date
    application = api.application(
        worker_id=f"worker-{path.stem}",
        claim_number=path.stem,
        priority=(letter.priority or "Standard").title(),
        dates={"ur_decision": ur.isoformat(), "application_received": (ur + dt.timedelta(days=10)).isoformat()},
        disputed_items=[
            {"request": i.request, "ur_guideline": i.claims_administrator_guideline, "authorized": i.authorized}
            for i in letter.items
        ],
        documents=[
            {"type": "ur_decision", "text": "Synthetic stand-in for the UR decision."},
            {"type": "clinical_summary", "text": letter.summary},
        ],
    )
    filed = api.intake.post("/cases", json=application)
    assert filed.status_code == 201, filed.text
    case_id = filed.json()["case"]["id"]
    assert api.intake.post(f"/cases/{case_id}/screen").json()["screening_outcome"] == "eligible"
    reviewer_id, reviewer = api.add_reviewer(
        board_certifications=["Physical Medicine and Rehabilitation", "Orthopaedic Surgery", "Psychiatry", "Anesthesiology"]
    )
    assert api.admin.post(f"/cases/{case_id}/assign", json={"reviewer_id": reviewer_id}).status_code == 200
    drafted = api.records_complete(case_id)
    assert drafted["state"] == "drafted", drafted["drafting_error"]
    items = reviewer.get(f"/cases/{case_id}/draft").json()["items"]
    assert [i["request"] for i in items] == [i.request for i in letter.items]
    assert reviewer.post(f"/cases/{case_id}/sign").status_code == 200
    assert reviewer.post(f"/cases/{case_id}/issue").status_code == 200
    issued = api.admin.get(f"/cases/{case_id}/letter.json").json()["determination"]
    assert [i["decision"] for i in issued["items"]] == [i["decision"] for i in items]


def test_a_conditional_non_certification_is_excluded_from_the_draft_and_the_letter(api: Any) -> None:
    items = [
        {"request": "Cyclobenzaprine 7.5mg #90"},
        {"request": "Urine drug screen", "ur_outcome": "conditional_non_certification"},
    ]
    case, reviewer = _drafted(api, disputed_items=items)
    excluded = case["items"][1]
    assert excluded["excluded_reason"].startswith("conditional non-certification") and excluded["decision"] is None
    draft = reviewer.get(f"/cases/{case['id']}/draft").json()
    assert [i["request"] for i in draft["engine_determination"]["items"]] == ["Cyclobenzaprine 7.5mg #90"]
    refused = reviewer.patch(f"/cases/{case['id']}/draft/items/2", json={"version": excluded["version"], "rationale": "x"})
    assert refused.status_code == 409 and "excluded" in refused.json()["detail"]
    assert reviewer.post(f"/cases/{case['id']}/sign").status_code == 200
    assert reviewer.post(f"/cases/{case['id']}/issue").status_code == 200
    letter = api.admin.get(f"/cases/{case['id']}/letter.json").json()["determination"]
    assert [i["request"] for i in letter["items"]] == ["Cyclobenzaprine 7.5mg #90"]
