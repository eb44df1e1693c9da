"""Intake through the HTTP API: filing, duplicates, screening, assignment with conflicts, deadlines, access by role."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any


def test_a_late_application_is_ineligible_with_its_reason(api: Any) -> None:
    ur = dt.date.today() - dt.timedelta(days=60)
    case = api.file_case(dates={"ur_decision": ur.isoformat(), "application_received": (ur + dt.timedelta(days=36)).isoformat()})
    screened = api.intake.post(f"/cases/{case['id']}/screen")
    assert screened.status_code == 200
    body = screened.json()
    assert body["state"] == "screened" and body["screening_outcome"] == "ineligible"
    assert any("1 day(s) after the deadline" in reason for reason in body["screening_reasons"])
    refused = api.admin.post(f"/cases/{case['id']}/assign", json={})
    assert refused.status_code == 409 and "only an eligible case can be assigned" in refused.json()["detail"]


def test_a_duplicate_application_becomes_one_case_with_the_duplicate_linked(api: Any) -> None:
    first = api.intake.post("/cases", json=api.application())
    again = api.intake.post(
        "/cases",
        json=api.application(
            worker_id="WORKER-0001",
            disputed_items=list(reversed(api.application()["disputed_items"])),
            documents=[{"type": "correspondence", "text": "A second copy of the application, filed again."}],
        ),
    )
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["case"]["id"] == first.json()["case"]["id"]
    assert again.json()["case"]["duplicate_applications"] == 1
    assert len(api.intake.get("/cases").json()) == 1
    # nothing stored is lost: the duplicate's document is on the case
    assert len(again.json()["case"]["documents"]) == 3
    actions = [entry["action"] for entry in api.admin.get(f"/cases/{first.json()['case']['id']}/audit").json()]
    assert actions == ["case received", "duplicate application linked"]


def test_a_new_case_is_answered_as_it_reads_back_and_audited_as_received(api: Any) -> None:
    filed = api.intake.post("/cases", json=api.application())
    assert filed.status_code == 201
    case = filed.json()["case"]
    assert case == api.intake.get(f"/cases/{case['id']}").json(), "the answer, made from what was written, is the case"
    assert case["state"] == "received" and len(case["items"]) == len(api.application()["disputed_items"])
    received = api.admin.get(f"/cases/{case['id']}/audit").json()[0]
    assert received["action"] == "case received" and received["before"] is None
    assert received["after"]["state"] == "received" and received["after"]["priority"] == case["priority"]
    assert received["after"]["reviewer_id"] is None and received["after"]["screening_reasons"] == []


def test_a_liability_dispute_defers_and_a_resolved_one_is_screened_again(api: Any) -> None:
    case = api.file_case(liability_disputed=True)
    deferred = api.intake.post(f"/cases/{case['id']}/screen").json()
    assert deferred["screening_outcome"] == "deferred"
    again = api.intake.post(f"/cases/{case['id']}/screen", json={"liability_resolved": True}).json()
    assert again["screening_outcome"] == "eligible"


def test_an_application_without_the_ur_decision_is_ineligible(api: Any) -> None:
    case = api.file_case(documents=[{"type": "progress_report", "text": "Synthetic progress note."}])
    body = api.intake.post(f"/cases/{case['id']}/screen").json()
    assert body["screening_outcome"] == "ineligible"
    assert body["screening_reasons"] == ["no copy of the written UR decision is attached"]


def test_a_conflicted_reviewer_is_refused_and_the_balanced_choice_avoids_them(api: Any) -> None:
    case = api.file_case()
    api.intake.post(f"/cases/{case['id']}/screen")
    conflicted, _ = api.add_reviewer(affiliations=[{"kind": "insurer", "name": "pacific mutual insurance"}])
    refused = api.admin.post(f"/cases/{case['id']}/assign", json={"reviewer_id": conflicted})
    assert refused.status_code == 409
    assert "declared insurer affiliation with the case's insurer" in refused.json()["detail"]
    none_left = api.admin.post(f"/cases/{case['id']}/assign", json={})
    assert none_left.status_code == 409 and "no qualified reviewer without a conflict" in none_left.json()["detail"]
    clean, _ = api.add_reviewer()
    assigned = api.admin.post(f"/cases/{case['id']}/assign", json={"notice_method": "mail"}).json()
    assert assigned["reviewer_id"] == clean and assigned["state"] == "assigned"
    due = dt.datetime.fromisoformat(assigned["records_due"]) - dt.datetime.fromisoformat(assigned["assigned_at"])
    assert due == dt.timedelta(days=15)


def test_workload_is_balanced_across_qualified_reviewers(api: Any) -> None:
    first, _ = api.add_reviewer()
    second, _ = api.add_reviewer(board_certifications=["Occupational Medicine"])
    chosen = []
    for n in range(4):
        case = api.file_case(claim_number=f"CLM-{n}")
        api.intake.post(f"/cases/{case['id']}/screen")
        chosen.append(api.admin.post(f"/cases/{case['id']}/assign", json={}).json()["reviewer_id"])
    assert sorted(chosen) == sorted([first, first, second, second])
    loads = {r["id"]: r["open_cases"] for r in api.admin.get("/reviewers").json()}
    assert loads == {first: 2, second: 2}


def test_a_reviewer_sees_only_the_cases_assigned_to_them(api: Any) -> None:
    case, reviewer = api.assigned_case()
    other = api.file_case(claim_number="CLM-OTHER")
    _, stranger = api.add_reviewer(name="Dr Stranger")
    assert reviewer.get(f"/cases/{case['id']}").status_code == 200
    assert [c["id"] for c in reviewer.get("/cases").json()] == [case["id"]]
    for path in (f"/cases/{case['id']}", f"/cases/{case['id']}/audit", f"/cases/{case['id']}/draft"):
        response = stranger.get(path)
        assert response.status_code == 404, path
    assert stranger.get("/cases").json() == []
    assert reviewer.get(f"/cases/{other['id']}").status_code == 404
    assert stranger.post(f"/cases/{case['id']}/sign").status_code == 404
    assert reviewer.post("/cases", json=api.application()).status_code == 403
    assert reviewer.post(f"/cases/{other['id']}/screen").status_code == 403


def test_no_token_or_a_wrong_one_is_401(api: Any) -> None:
    assert api.anonymous.get("/cases").status_code == 401
    assert api.client("not-a-token").get("/cases").status_code == 401
    assert api.anonymous.get("/health").status_code == 200


def test_deadline_views(api: Any) -> None:
    case, reviewer = api.assigned_case()
    soon = api.admin.get("/deadlines/due-soon", params={"within_hours": 24 * 13}).json()
    assert [(e["case_id"], e["deadline"], e["overdue"]) for e in soon] == [(case["id"], "records", False)]
    assert api.admin.get("/deadlines/due-soon", params={"within_hours": 24}).json() == []
    assert api.admin.get("/deadlines/overdue").json() == []
    assert [e["case_id"] for e in reviewer.get("/deadlines/due-soon", params={"within_hours": 24 * 13}).json()] == [case["id"]]
    later = api.services.context.clock() + dt.timedelta(days=13)
    api.services.context.clock = lambda: later
    overdue = api.admin.get("/deadlines/overdue").json()
    assert [(e["case_id"], e["overdue"]) for e in overdue] == [(case["id"], True)]


def test_expedited_review_runs_on_the_short_clocks(api: Any) -> None:
    case = api.file_case(priority="Expedited")
    api.intake.post(f"/cases/{case['id']}/screen")
    api.add_reviewer()
    assigned = api.admin.post(f"/cases/{case['id']}/assign", json={"notice_method": "mail"}).json()
    records_window = dt.datetime.fromisoformat(assigned["records_due"]) - dt.datetime.fromisoformat(assigned["assigned_at"])
    assert records_window == dt.timedelta(hours=24)
    audit = api.admin.get(f"/cases/{case['id']}/audit").json()
    assigned_entry = next(e for e in audit if e["action"] == "assigned")
    assert assigned_entry["before"]["state"] == "screened" and assigned_entry["after"]["state"] == "assigned"
    assert assigned_entry["actor"] == "admin" and assigned_entry["after"]["records_due"] == assigned["records_due"].replace(
        "Z", "+00:00"
    )


def test_two_simultaneous_filings_of_one_application_make_one_case(api: Any) -> None:
    start = threading.Barrier(4)
    statuses: list[int] = []

    def file() -> None:
        with api.client(api.intake.headers["Authorization"].split()[1]) as client:
            start.wait()
            statuses.append(client.post("/cases", json=api.application()).status_code)

    threads = [threading.Thread(target=file) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 200, 200, 201]
    cases = api.admin.get("/cases").json()
    assert len(cases) == 1 and cases[0]["duplicate_applications"] == 3


def test_users_are_provisioned_once_per_name(api: Any) -> None:
    created = api.admin.post("/users", json={"name": "casey", "role": "intake"})
    assert created.status_code == 201 and len(created.json()["token"]) >= 40
    again = api.admin.post("/users", json={"name": "casey", "role": "admin"})
    assert again.status_code == 409 and "a user of that name exists" in again.json()["detail"]
    assert api.intake.post("/users", json={"name": "other", "role": "intake"}).status_code == 403
    me = api.client(created.json()["token"]).get("/me").json()
    assert me == {"name": "casey", "role": "intake", "reviewer_id": None}


def test_priority_is_read_without_regard_to_case(api: Any) -> None:
    case = api.file_case(priority="expedited")
    assert case["priority"] == "Expedited"


def test_an_ineligible_application_is_corrected_and_screened_again(api: Any) -> None:
    case = api.file_case(signed=False)
    screened = api.intake.post(f"/cases/{case['id']}/screen").json()
    assert screened["screening_outcome"] == "ineligible" and any("signed" in r for r in screened["screening_reasons"])
    assert api.intake.post(f"/cases/{case['id']}/screen").status_code == 409, "an ineligible case is not screened again"
    refiled = api.intake.post("/cases", json=api.application(signed=True))
    assert refiled.status_code == 200 and refiled.json()["corrected"] and not refiled.json()["duplicate"]
    assert refiled.json()["case"]["id"] == case["id"] and refiled.json()["case"]["state"] == "received"
    again = api.intake.post(f"/cases/{case['id']}/screen").json()
    assert again["screening_outcome"] == "eligible" and again["screening_reasons"] == []
    corrected = api.intake.put(f"/cases/{case['id']}/application", json=api.application(signed=True))
    assert corrected.status_code == 409, "only an ineligible application is corrected"
    actions = [e["action"] for e in api.admin.get(f"/cases/{case['id']}/audit").json()]
    assert actions == ["case received", "screened", "corrected application refiled", "screened"]


def test_a_correction_on_the_case_replaces_the_items(api: Any) -> None:
    case = api.file_case(signed=False)
    api.intake.post(f"/cases/{case['id']}/screen")
    fixed = api.application(signed=True, disputed_items=[{"request": "Naproxen 550mg #60"}])
    corrected = api.intake.put(f"/cases/{case['id']}/application", json=fixed)
    assert corrected.status_code == 200, corrected.text
    assert [i["request"] for i in corrected.json()["items"]] == ["Naproxen 550mg #60"]
    assert api.intake.post(f"/cases/{case['id']}/screen").json()["screening_outcome"] == "eligible"


def test_an_application_is_withdrawn_with_its_reason(api: Any) -> None:
    case, _reviewer = api.assigned_case()
    assert api.intake.post(f"/cases/{case['id']}/withdraw", json={"reason": ""}).status_code == 422
    withdrawn = api.intake.post(f"/cases/{case['id']}/withdraw", json={"reason": "The worker withdrew the request."})
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"
    assert api.intake.post(f"/cases/{case['id']}/records-complete").status_code == 409
    assert api.intake.post(f"/cases/{case['id']}/withdraw", json={"reason": "again"}).status_code == 409
    audit = api.admin.get(f"/cases/{case['id']}/audit").json()
    assert audit[-1]["after"] == {"reason": "The worker withdrew the request."}


def test_candidates_say_why_each_reviewer_may_or_may_not_take_the_case(api: Any) -> None:
    case = api.file_case()
    api.intake.post(f"/cases/{case['id']}/screen")
    conflicted, _ = api.add_reviewer(affiliations=[{"kind": "employer", "name": "Harbor Freight Lines"}])
    clear, _ = api.add_reviewer()
    found = {c["id"]: c for c in api.admin.get(f"/cases/{case['id']}/candidates").json()}
    assert found[clear]["acceptable"] and found[clear]["reasons"] == []
    assert not found[conflicted]["acceptable"]
    assert found[conflicted]["reasons"] == ["declared employer affiliation with the case's employer"]
    assert api.intake.get(f"/cases/{case['id']}/candidates").status_code == 403
    names = [u["name"] for u in api.admin.get("/users").json()]
    assert {"admin", "intake", f"reviewer-{clear}"} <= set(names) and "token" not in api.admin.get("/users").text


def test_simultaneous_automatic_assignments_balance_the_workload(api: Any) -> None:
    reviewers = [api.add_reviewer()[0] for _ in range(2)]
    cases = []
    for n in range(10):
        case = api.file_case(claim_number=f"CLM-RACE-{n}")
        api.intake.post(f"/cases/{case['id']}/screen")
        cases.append(case["id"])
    start = threading.Barrier(len(cases))
    chosen: list[int] = []
    token = api.admin.headers["Authorization"].split()[1]

    def assign(case_id: int) -> None:
        with api.client(token) as client:
            start.wait()
            response = client.post(f"/cases/{case_id}/assign", json={})
            assert response.status_code == 200, response.text
            chosen.append(response.json()["reviewer_id"])

    threads = [threading.Thread(target=assign, args=(case_id,)) for case_id in cases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(chosen.count(r) for r in reviewers) == [5, 5], chosen
