"""The web app in a real browser over a real `imr serve`: intake, administration, the reviewer's case page, the letter.

One synthetic case goes the whole way (the tests run in file order and share it); the others check what must be
refused: a reviewer opening another's case, a form without its CSRF token, an expired session. Every page visited is
checked for unlabelled form controls and controls out of the keyboard's reach, and saved as a screenshot.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Route, expect
from tests.patience import patience

from openimr.documents import read_document

from .conftest import Server, check_page, pdf_of, shoot, sign_in, start_server, stop_server

RECORD = (
    "Progress report. The injured worker reports chronic low back pain since a lifting injury. Muscle spasm on "
    "examination of the lumbar spine. She has taken cyclobenzaprine daily for six months. No documented functional "
    "improvement with the medication. Urine drug screen not documented. Tramadol continued."
)
UR_DECISION = "Utilization review non-certified cyclobenzaprine and tramadol as not medically necessary."
SUMMARY = "Synthetic summary: an adult worker with chronic low back pain after a lifting injury, on a muscle relaxant."
RATIONALE = "Synthetic reviewer rationale: the record documents spasm on examination. The request is medically necessary."


@pytest.fixture(scope="module")
def tokens(server: Server) -> dict[str, str]:
    """An intake user and an administrator, made with `imr users add`."""
    return {"intake": server.add_user("ines-intake", "intake"), "admin": server.add_user("adam-admin", "admin")}


@pytest.fixture(scope="module")
def story() -> dict[str, str]:
    """What one test leaves for the next: the case's address, the reviewers' tokens."""
    return {}


def test_intake_files_a_case_with_an_uploaded_pdf_and_sees_it_screened(
    context: BrowserContext, server: Server, tokens: dict[str, str], story: dict[str, str], tmp_path: Path
) -> None:
    page = sign_in(context, server, tokens["intake"])
    expect(page).to_have_url(re.compile(r"/intake$"))
    check_page(page, "intake")
    ur = dt.date.today() - dt.timedelta(days=12)
    page.get_by_label("Worker identifier").fill("worker-0001")
    page.get_by_label("Claim number").fill("CLM-2026-0001")
    page.get_by_label("Date of the UR decision").fill(ur.isoformat())
    page.get_by_label("Date the application was received").fill((ur + dt.timedelta(days=10)).isoformat())
    page.get_by_label("The application is signed").uncheck()  # filed unsigned: ineligible, corrected below
    page.get_by_label("Requests, one per line").fill("Cyclobenzaprine 7.5mg #90\nTramadol ER 150mg #30")
    page.get_by_label("Injured worker's name", exact=True).fill("Pat Sample")
    page.get_by_label("Employer", exact=True).fill("Harbor Freight Lines")
    page.get_by_label("Claims administrator", exact=True).fill("Golden Claims Services")
    page.get_by_label("Requesting physician", exact=True).fill("Dr. Ana Example")
    page.get_by_label("Injured worker's address").fill("1 Sample Street\nFresno, CA 93701")
    page.get_by_label("UR decision letter").set_input_files(str(pdf_of(tmp_path / "ur-decision.pdf", UR_DECISION)))
    page.get_by_label("Medical records").set_input_files(str(pdf_of(tmp_path / "progress-report.pdf", RECORD)))
    page.get_by_role("button", name="File and screen").click()
    expect(page).to_have_url(re.compile(r"/intake/cases/\d+$"))
    expect(page.locator("#screening ~ p .badge")).to_have_text("ineligible")
    expect(page.locator("ul.reasons")).to_contain_text("signed")
    expect(page.get_by_role("cell", name="progress-report.pdf")).to_be_visible()
    check_page(page, "intake-case-ineligible")

    page.get_by_label("The application is signed").check()
    page.get_by_role("button", name="Correct and screen again").click()
    expect(page.locator(".flash")).to_contain_text("Corrected and screened again")
    expect(page.locator("#screening ~ p .badge")).to_have_text("eligible")
    check_page(page, "intake-case-eligible")
    story["case"] = page.url.rsplit("/", 1)[1]


def test_admin_sees_a_conflicted_reviewer_refused_with_its_reason_and_assigns(
    context: BrowserContext, server: Server, tokens: dict[str, str], story: dict[str, str]
) -> None:
    page = sign_in(context, server, tokens["admin"])
    expect(page).to_have_url(re.compile(r"/admin$"))
    for name, affiliation in (("Dr Conflicted Reviewer", "employer: Harbor Freight Lines"), ("Dr Clear Reviewer", "")):
        page.get_by_label("Name", exact=True).first.fill(name)
        page.get_by_label("States of licensure").fill("CA")
        page.get_by_label("Board certifications").fill("Physical Medicine and Rehabilitation")
        page.get_by_label("Years in practice").fill("12")
        page.get_by_label("Practice hours a week").fill("32")
        page.get_by_label("Affiliations").fill(affiliation)
        page.get_by_role("button", name="Add the reviewer").click()
        story[name] = page.locator("#new-token").input_value()
        assert len(story[name]) >= 40, "the new reviewer's token is shown once"
    check_page(page, "admin")

    page.get_by_label("User", exact=True).select_option("ines-intake")
    page.get_by_label("Label").fill("spare")
    page.get_by_label("Expires in (days)").fill("30")
    page.get_by_role("button", name="Issue the token").click()
    spare = page.locator("#new-token").input_value()
    row = page.locator("tr", has_text="spare")
    expect(row.locator(".badge")).to_have_text("ok")
    row.get_by_role("button", name=re.compile("Revoke token")).click()
    expect(page.locator(".flash")).to_contain_text("revoked")
    expect(page.locator("tr", has_text="spare")).to_contain_text("revoked")
    assert httpx.get(f"{server.url}/me", headers={"Authorization": f"Bearer {spare}"}, timeout=patience(10)).status_code == 401
    check_page(page, "admin-tokens")

    page.goto(f"{server.url}/admin/cases/{story['case']}")
    conflicted = page.locator("tr", has_text="Dr Conflicted Reviewer")
    expect(conflicted.locator(".badge")).to_have_text("refused")
    expect(conflicted).to_contain_text("declared employer affiliation with the case's employer")
    expect(page.locator("tr", has_text="Dr Clear Reviewer").locator(".badge")).to_have_text("ok")
    check_page(page, "admin-assignment")
    shoot(page, "readme-admin-assignment", full_page=False)
    conflicted.get_by_role("button", name="Assign Dr Conflicted Reviewer").click()
    expect(page.locator(".flash.error")).to_contain_text("refused: declared employer affiliation")
    page.locator("tr", has_text="Dr Clear Reviewer").get_by_role("button").click()
    expect(page.locator(".flash")).to_contain_text("Assigned")
    expect(page.locator("h1 .badge")).to_have_text("assigned")

    page.goto(f"{server.url}/admin/deadlines")
    expect(page.get_by_role("heading", name="Due within 72 hours")).to_be_visible()
    check_page(page, "deadlines")


def test_intake_marks_the_records_complete_and_the_case_is_drafted(
    context: BrowserContext, server: Server, tokens: dict[str, str], story: dict[str, str]
) -> None:
    page = sign_in(context, server, tokens["intake"])
    page.goto(f"{server.url}/intake/cases/{story['case']}")
    page.get_by_role("button", name="Records complete").click()
    expect(page.locator("h1 .badge")).to_have_text(re.compile(r"^(in review|drafted)$"))
    for _ in range(240):  # drafting runs off the request path: a worker drafts within moments
        if page.locator("h1 .badge").inner_text() == "drafted":
            break
        page.wait_for_timeout(250)
        page.reload()
    expect(page.locator("h1 .badge")).to_have_text("drafted")


def test_the_reviewer_works_the_case_by_keyboard_and_issues_the_letter(
    context: BrowserContext, server: Server, story: dict[str, str], tmp_path: Path
) -> None:
    page = sign_in(context, server, story["Dr Clear Reviewer"])
    expect(page).to_have_url(re.compile(r"/reviewer$"))
    check_page(page, "reviewer-queue")
    page.get_by_role("link", name=re.compile(r"IMR-\d+")).first.click()
    expect(page).to_have_url(re.compile(rf"/reviewer/cases/{story['case']}$"))

    link = page.locator("a.evidence-link").first
    expect(link).to_be_visible()
    target = link.get_attribute("href")
    assert target and target.startswith("#ev-")
    link.focus()
    page.keyboard.press("Enter")
    highlighted = page.locator("mark.evidence.active")
    expect(highlighted.first).to_be_visible()
    assert highlighted.first.text_content(), "the criterion's span is highlighted in the record"
    assert page.locator(f"mark{target}").evaluate("m => m.classList.contains('active')")
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "readme-reviewer-case", full_page=False)

    page.get_by_label("Summary (as the letter will state it)").fill(SUMMARY)
    page.get_by_role("button", name="Save the summary").click()
    expect(page.locator(".flash")).to_contain_text("Summary saved")

    item = page.locator("section.item").first
    other = item.locator("input[name=decision]:not(:checked)")
    chosen = other.get_attribute("value")
    assert chosen in ("Upheld", "Overturned")
    other.focus()
    page.keyboard.press("Space")
    item.get_by_label("Decision rationale").fill(RATIONALE)
    item.get_by_label("Decision rationale").focus()
    page.keyboard.press("Tab")
    while page.evaluate("document.activeElement.tagName") != "BUTTON":
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").startswith("Save item 1")
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_contain_text("Item 1 saved")
    expect(page.locator("section.item").first.locator(f"input[value='{chosen}']")).to_be_checked()
    check_page(page, "reviewer-case")

    preview = page.request.get(f"{server.url}/reviewer/cases/{story['case']}/letter.pdf")
    assert preview.ok and preview.headers["content-type"] == "application/pdf"
    assert preview.headers["x-frame-options"] == "SAMEORIGIN", "the case page may frame its preview, no other site"
    assert "DRAFT" in _pdf_text(tmp_path / "preview.pdf", preview.body())

    page.get_by_role("button", name="Sign the determination").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1 .badge")).to_have_text("signed")
    page.get_by_role("button", name="Issue the letter").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1 .badge")).to_have_text("issued")
    check_page(page, "reviewer-case-issued")

    letter = page.request.get(f"{server.url}/reviewer/cases/{story['case']}/letter.pdf")
    text = " ".join(_pdf_text(tmp_path / "letter.pdf", letter.body()).split())
    assert SUMMARY in text, "the letter has the reviewer's summary"
    assert f"Cyclobenzaprine 7.5mg #90: {chosen}" in text and RATIONALE in text, "the edited decision and rationale"
    assert "SIGNATURE OF THE EXPERT REVIEWER" in text and "Electronically signed by the Expert Reviewer" in text
    assert "Board Certified in Physical Medicine and Rehabilitation" in text
    assert "RIGHT TO APPEAL" in text and "Labor Code section 4610.6(h)" in text
    assert "Sample Review Services" in text and "Pat Sample" in text and "DRAFT" not in text

    page.goto(f"{server.url}/audit/{story['case']}")
    expect(page.get_by_role("cell", name="issued", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="item edited", exact=True)).to_be_visible()
    check_page(page, "audit")


def test_a_criterion_followed_before_the_script_has_run_is_highlighted_once_it_has(
    context: BrowserContext, server: Server, story: dict[str, str]
) -> None:
    """The page's script is deferred, so a loaded machine can show the links before it runs (2 loads in 30 at a load
    average of 6.6 on 2 cores): a link followed then only moves to the span. Held back here until after the link is
    followed, the script highlights the criterion's evidence when it runs; an address with a span's fragment does too."""
    page = sign_in(context, server, story["Dr Clear Reviewer"])
    held: list[Route] = []
    page.route("**/static/app.js", lambda route: held.append(route))
    case_page = f"{server.url}/reviewer/cases/{story['case']}"
    page.goto(case_page, wait_until="commit")
    link = page.locator("a.evidence-link").last
    expect(link).to_be_visible()
    assert page.evaluate("typeof highlightEvidence") == "undefined", "the script has not run yet"
    link.focus()
    page.keyboard.press("Enter")
    target = link.get_attribute("href") or ""
    expect(page).to_have_url(re.compile(f"{target}$"))
    assert page.locator("mark.evidence.active").count() == 0
    while not held:
        page.wait_for_timeout(50)
    for route in held:
        route.continue_()
    page.unroute("**/static/app.js")
    spans = set((link.get_attribute("data-spans") or "").split())
    expect(page.locator("mark.evidence.active").first).to_be_visible()
    active = page.locator("mark.evidence.active").evaluate_all("marks => marks.map(m => m.dataset.spans.split(' '))")
    assert all(spans & set(mark) for mark in active), "only the followed criterion's evidence is highlighted"
    assert spans <= {span for mark in active for span in mark}, "all of it"

    page.goto("about:blank")
    page.goto(f"{case_page}{target}")
    expect(page.locator(f"mark{target}")).to_have_class(re.compile(r"\bactive\b"))


def _pdf_text(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return read_document(path).text


def test_another_reviewer_cannot_open_the_case(context: BrowserContext, server: Server, story: dict[str, str]) -> None:
    page = sign_in(context, server, story["Dr Conflicted Reviewer"])
    response = page.goto(f"{server.url}/reviewer/cases/{story['case']}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    assert page.request.get(f"{server.url}/reviewer/cases/{story['case']}/letter.pdf").status == 404
    check_page(page, "not-found")


def test_a_form_posted_without_its_csrf_token_is_refused(
    context: BrowserContext, server: Server, tokens: dict[str, str], story: dict[str, str]
) -> None:
    page = sign_in(context, server, tokens["intake"])
    url = f"{server.url}/intake/cases/{story['case']}/withdraw"
    refused = page.request.post(url, form={"reason": "no token"})
    assert refused.status == 403 and "security token" in refused.text()
    forged = page.request.post(url, form={"reason": "wrong token", "csrf_token": "forged"})
    assert forged.status == 403
    page.goto(f"{server.url}/intake/cases/{story['case']}")
    expect(page.locator("h1 .badge")).to_have_text("issued")
    cookies = {c["name"]: c for c in context.cookies()}
    session = cookies["imr_session"]
    assert session["httpOnly"] and session["sameSite"] == "Strict" and session["expires"] > 0
    assert httpx.post(f"{server.url}/signout", timeout=patience(10)).status_code in (303, 403), "no session, no sign-out"


def test_an_expired_session_goes_back_to_sign_in(browser: Browser, tmp_path: Path) -> None:
    short = start_server(tmp_path / "short", OPENIMR_SESSION_SECONDS="3")
    try:
        token = short.add_user("ines-intake", "intake")
        opened = browser.new_context()
        page = sign_in(opened, short, token)
        expect(page).to_have_url(re.compile(r"/intake$"))
        page.wait_for_timeout(4000)
        page.goto(f"{short.url}/intake")
        expect(page).to_have_url(re.compile(r"/$"))
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        shoot(page, "session-expired")
        opened.close()
    finally:
        stop_server(short)


def test_a_record_that_is_neither_pdf_nor_text_is_refused_and_the_filed_case_says_so(
    context: BrowserContext, server: Server, tokens: dict[str, str], tmp_path: Path
) -> None:
    page = sign_in(context, server, tokens["intake"])
    fake = tmp_path / "scan.pdf"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    page.get_by_label("Worker identifier").fill("worker-0002")
    page.get_by_label("Claim number").fill("CLM-2026-0002")
    page.get_by_label("Date of the UR decision").fill((dt.date.today() - dt.timedelta(days=5)).isoformat())
    page.get_by_label("Requests, one per line").fill("Naproxen 550mg #60")
    page.get_by_label("Medical records").set_input_files(str(fake))
    page.get_by_role("button", name="File and screen").click()
    expect(page).to_have_url(re.compile(r"/intake/cases/\d+$"))
    expect(page.locator(".flash.error")).to_contain_text("scan.pdf")
    expect(page.get_by_role("button", name="Screen")).to_be_visible()
    check_page(page, "intake-upload-refused")
