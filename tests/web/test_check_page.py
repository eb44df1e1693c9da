"""The web app's "Check a request" page in a real browser over a real `imr serve`: a synthetic record and a planned
request in, the pre-submission check's report out (the check `imr check` and `POST /check` run), with its Markdown and
PDF to download; the missing sentence added, the criterion turns documented and the likely outcome turns; bad input is
explained on the page; a form without its CSRF token is refused.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pypdfium2 as pdfium
import pytest
from playwright.sync_api import BrowserContext, Page, expect
from tests.patience import patience

from .conftest import Server, check_page, pdf_of, sign_in

# The synthetic case of tests/api/test_check.py: a worker on an opioid, monitored, with no functional improvement noted.
RECORD = "He takes Norco twice a day for chronic low back pain. A urine drug screen was consistent."
IMPROVEMENT = "With Norco he walks two miles and is back at work."
REQUEST = "Norco 10/325mg #60"
IMPROVEMENT_CRITERION = re.compile(r"^Objective functional improvement")


@pytest.fixture(scope="module")
def token(server: Server) -> str:
    """An intake user's token, made with `imr users add`."""
    return server.add_user("rita-requests", "intake")


def _open_check(context: BrowserContext, server: Server, token: str) -> Page:
    page = sign_in(context, server, token)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Check a request").click()
    expect(page.get_by_role("heading", name="Check a request before it is sent")).to_be_visible()
    return page


CHECK_SECONDS = 120
"""How long a check may take on an idle machine (scaled by `patience`): the engine runs on the request path, and the
server's first check loads the knowledge."""


def _submit(page: Page) -> None:
    """Submit with the keyboard (focus the button, press Enter) and wait for the answer's page."""
    page.get_by_role("button", name="Check the request").focus()
    with page.expect_navigation(wait_until="load", timeout=patience(CHECK_SECONDS) * 1000):
        page.keyboard.press("Enter")


def _criterion(page: Page, text: re.Pattern[str]) -> tuple[str, str]:
    """The status and evidence cells of the first criterion row whose text matches."""
    row = page.locator("section.check-item tr.criterion").filter(has=page.locator("td").first.filter(has_text=text)).first
    cells = row.locator("td")
    return cells.nth(1).inner_text().strip(), cells.nth(2).inner_text().strip()


def _pdf_text(path: Path) -> str:
    document = pdfium.PdfDocument(str(path))
    try:
        return " ".join(" ".join(page.get_textpage().get_text_range().split()) for page in document)
    finally:
        document.close()


def test_the_check_shows_what_is_missing_and_turns_when_the_record_documents_it(
    context: BrowserContext, server: Server, token: str, tmp_path: Path
) -> None:
    page = _open_check(context, server, token)
    expect(page.get_by_label("Date of the decision")).not_to_have_value("")
    check_page(page, "request-check-form")
    page.get_by_label("Requests, one per line").fill(REQUEST)
    page.get_by_label("Upload records").set_input_files(str(pdf_of(tmp_path / "progress-report.pdf", RECORD)))
    page.get_by_label("Reference (shown on the report)").fill("RFA-0001")
    page.get_by_label("Date of injury").fill("2016-03-01")
    page.get_by_label("Date of the decision").fill("2016-11-15")
    page.get_by_label("Worker's age (years)").fill("50")
    _submit(page)

    item = page.locator("section.check-item")
    expect(item).to_have_count(1)
    expect(item.get_by_role("heading", level=2)).to_have_text(f"1. {REQUEST}")
    expect(item.locator(".outcome .badge")).to_have_text("not certified")
    expect(item.locator("dl.facts dt:text-is('Guideline topic') + dd")).to_contain_text("Opioids")
    expect(item.locator("dl.facts dt:text-is('Era') + dd")).to_have_text("2016")
    expect(item.get_by_role("heading", name=re.compile(r"^Indication \(nearest\)"))).to_be_visible()
    expect(item.locator("ul.missing")).to_contain_text("objective functional improvement")
    status, evidence = _criterion(page, IMPROVEMENT_CRITERION)
    assert (status, evidence) == ("not documented", "no passage"), "the missing criterion, with no span"
    status, evidence = _criterion(page, re.compile(r"^Monitoring is documented"))
    assert status == "documented" and "urine drug screen" in evidence.lower(), "a documented criterion shows its span"
    expect(page.locator("section.records h3")).to_have_text("progress-report.pdf")

    link = item.locator("a.evidence-link").filter(has_text=re.compile("urine drug screen", re.I)).first
    link.focus()
    page.keyboard.press("Enter")
    target = link.get_attribute("href") or ""
    expect(page.locator(f"mark{target}")).to_have_class(re.compile(r"\bactive\b"))
    assert "urine drug screen" in (page.locator(f"mark{target}").text_content() or "").lower()
    check_page(page, "request-check-report")

    with page.expect_download() as markdown:
        page.get_by_role("link", name=re.compile("^Markdown")).click()
    assert markdown.value.suggested_filename == "check-RFA-0001.md"
    text = Path(markdown.value.path()).read_text(encoding="utf-8")
    assert text.startswith("# Pre-submission check — RFA-0001") and f"## 1. {REQUEST}" in text
    assert "not certified (Upheld on review)" in text and "[not documented] Objective functional improvement" in text
    with page.expect_download() as pdf:
        page.get_by_role("link", name=re.compile("^PDF")).click()
    assert pdf.value.suggested_filename == "check-RFA-0001.pdf"
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF-")
    printed = _pdf_text(Path(pdf.value.path()))
    assert "Pre-submission check" in printed and REQUEST in printed
    assert "Likely outcome: not certified" in printed and "not documented Objective functional improvement" in printed

    expect(page.get_by_label("Requests, one per line")).to_have_value(REQUEST)
    page.get_by_label("Or paste the records' text").fill(f"{RECORD} {IMPROVEMENT}")
    _submit(page)

    expect(item.locator(".outcome .badge")).to_have_text("certified")
    status, evidence = _criterion(page, IMPROVEMENT_CRITERION)
    assert status == "documented" and "walks two miles" in evidence, "the added sentence is the criterion's evidence"
    expect(item.get_by_role("heading", name=re.compile(r"^Indication \(met\)"))).to_be_visible()
    expect(item).not_to_contain_text("Document objective functional improvement")
    expect(page.locator("section.records h3")).to_have_text("pasted text")
    check_page(page, "request-check-documented")
    with page.expect_download() as markdown:
        page.get_by_role("link", name=re.compile("^Markdown")).click()
    assert markdown.value.suggested_filename == "check-RFA-0001.md", "the form kept the reference"
    text = Path(markdown.value.path()).read_text(encoding="utf-8")
    assert "certified (Overturned on review)" in text and "[documented] Objective functional improvement" in text


def test_bad_input_is_explained_on_the_page(context: BrowserContext, server: Server, token: str, tmp_path: Path) -> None:
    page = _open_check(context, server, token)
    page.get_by_label("Or paste the records' text").fill(RECORD)
    _submit(page)
    expect(page.get_by_role("alert")).to_have_text("Planned requests: enter at least one planned request, one per line")
    expect(page.get_by_label("Or paste the records' text")).to_have_value(RECORD), "what was typed is kept"
    expect(page.locator("section.check-item")).to_have_count(0)

    page.get_by_label("Or paste the records' text").fill("")
    page.get_by_label("Requests, one per line").fill(REQUEST)
    _submit(page)
    expect(page.get_by_role("alert")).to_have_text("Records: upload the records (PDF or text) or paste their text")

    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.7\n" + bytes(300))
    page.get_by_label("Upload records").set_input_files(str(scan))
    _submit(page)
    expect(page.get_by_role("alert")).to_contain_text("scan.pdf: not a readable PDF")
    check_page(page, "request-check-refused")

    page.get_by_label("Or paste the records' text").fill(RECORD)
    page.get_by_label("Worker's age (years)").fill("130")
    _submit(page)
    expect(page.get_by_role("alert")).to_contain_text("patient.age")
    assert "Traceback" not in page.content()


def test_the_check_form_is_refused_without_its_csrf_token_or_a_session(
    context: BrowserContext, server: Server, token: str
) -> None:
    page = _open_check(context, server, token)
    url = f"{server.url}/request-check"
    form = {"items": REQUEST, "record_text": RECORD}
    refused = page.request.post(url, form=form)
    assert refused.status == 403 and "security token" in refused.text()
    assert page.request.post(url, form={**form, "csrf_token": "forged"}).status == 403
    token_field = page.locator("input[name=csrf_token]").first.get_attribute("value") or ""
    accepted = page.request.post(url, multipart={**form, "csrf_token": token_field})
    assert accepted.status == 200 and "not certified" in accepted.text(), "the same post with the session's token works"
    anonymous = httpx.get(url, timeout=10, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/"
