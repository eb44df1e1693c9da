"""The reviewer's case page lists each item's precedents when the server's database holds a corpus: a real
`imr serve` over a data directory with a corpus of synthetic past letters (invented text: the page is saved as a
screenshot), a case filed and drafted through the API, and the assigned reviewer's page in Chromium."""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import httpx
from playwright.sync_api import Browser, expect
from tests.api.conftest import application
from tests.patience import patience

from openimr.corpus.ingest import add_records
from openimr.corpus.records import classify
from openimr.corpus.store import Corpus
from openimr.model import Decision, Determination, ItemDetermination

from .conftest import shoot, start_server, stop_server
from .test_browser import sign_in


def _past_letter(number: int, request: str, decision: Decision, rationale: str) -> Determination:
    return classify(
        Determination(
            case_number=f"CM17-{number:07d}",
            decision_date=dt.date(2017, 3, number),
            summary="Synthetic summary: chronic low back pain with muscle spasm after a lifting injury.",
            items=[ItemDetermination(request=request, decision=decision, rationale=rationale)],
        )
    )


PAST = [
    (1, "Cyclobenzaprine 10mg #60", Decision.UPHELD, "Synthetic: cyclobenzaprine beyond a short course is not supported."),
    (2, "Cyclobenzaprine 7.5mg #30", Decision.OVERTURNED, "Synthetic: an acute flare with spasm supports a short course."),
    (3, "Cyclobenzaprine 5mg #90", Decision.UPHELD, "Synthetic: no functional improvement from cyclobenzaprine."),
    (4, "Tramadol 50mg #60", Decision.UPHELD, "Synthetic: no urine drug screen or documented improvement on tramadol."),
]


def test_the_case_page_shows_similar_past_determinations(browser: Browser, tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    corpus = Corpus.open(f"sqlite:///{data_dir / 'openimr.db'}")
    add_records(corpus, [_past_letter(*past) for past in PAST])
    corpus.close()
    server = start_server(data_dir)
    try:
        admin = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {server.add_user('admin', 'admin')}"})
        reviewer = admin.post(
            "/reviewers",
            json={
                "name": "Dr Sample",
                "licensure": ["CA"],
                "board_certifications": ["Physical Medicine and Rehabilitation"],
                "years_in_practice": 10,
                "practice_hours_per_week": 30,
            },
        ).json()
        token = server.add_user("dr-sample", "reviewer", reviewer_id=reviewer["id"])
        filed = admin.post("/cases", json=application()).json()["case"]
        assert admin.post(f"/cases/{filed['id']}/screen").json()["screening_outcome"] == "eligible"
        assert admin.post(f"/cases/{filed['id']}/assign", json={"reviewer_id": reviewer["id"]}).status_code == 200
        assert admin.post(f"/cases/{filed['id']}/records-complete").status_code == 200
        deadline = time.monotonic() + patience(120)  # drafting runs off the request path, in the server's worker
        while admin.get(f"/cases/{filed['id']}").json()["state"] != "drafted":
            assert time.monotonic() < deadline, "the case was not drafted"
            time.sleep(0.1)

        context = browser.new_context(viewport={"width": 1360, "height": 900})
        page = sign_in(context, server, token)
        page.goto(f"{server.url}/reviewer/cases/{filed['id']}")
        aid = page.locator("details.precedents").first
        expect(aid.locator("summary")).to_contain_text("3 similar past items: 33% overturned")
        aid.locator("summary").click()
        listed = aid.locator("li")
        expect(listed.first).to_contain_text(re.compile(r"CM17-000000[123]"))
        expect(listed.first.locator("mark").first).to_have_text(re.compile("cyclobenzaprine", re.IGNORECASE))
        assert listed.count() >= 3
        shoot(page, "reviewer-case-precedents")
        context.close()
    finally:
        stop_server(server)
