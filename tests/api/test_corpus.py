"""The corpus over the API (a real uvicorn server, each database): search, statistics and precedents; a draft made
with a corpus in the database carries precedents; the issued letter never does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from openimr.corpus.ingest import add_records
from openimr.corpus.stats import corpus_stats
from openimr.corpus.store import Corpus
from openimr.documents import read_document
from openimr.model import Determination


@pytest.fixture
def corpus(database_url: str, shared_records: list[Determination]) -> Corpus:
    """The shared letters as the corpus in the API's own database."""
    opened = Corpus.open(database_url)
    add_records(opened, shared_records)
    return opened


def test_without_a_corpus_the_endpoints_say_so(api: Any) -> None:
    for response in (
        api.admin.get("/corpus/search", params={"q": "knee"}),
        api.admin.get("/corpus/stats"),
        api.admin.post("/corpus/precedents", json={"request": "MRI of the knee"}),
    ):
        assert response.status_code == 404 and "no corpus" in response.json()["detail"]
    assert api.anonymous.get("/corpus/search", params={"q": "knee"}).status_code == 401


def test_search_stats_and_precedents(api: Any, corpus: Corpus) -> None:
    found = api.intake.get("/corpus/search", params={"q": "lumbar MRI", "decision": "Upheld", "limit": 5})
    assert found.status_code == 200, found.text
    hits = found.json()["hits"]
    assert 0 < len(hits) <= 5 and {h["decision"] for h in hits} == {"Upheld"} and "[" in hits[0]["snippet"]
    dated = api.intake.get("/corpus/search", params={"q": "therapy", "from": "2017-01-01", "to": "2017-01-31", "limit": 200})
    assert all("2017-01-01" <= h["date"] <= "2017-01-31" for h in dated.json()["hits"])

    stats = api.intake.get("/corpus/stats", params={"by": "year"})
    assert stats.status_code == 200
    assert stats.json() == corpus_stats(corpus, "year").model_dump(mode="json")
    assert api.intake.get("/corpus/stats", params={"by": "colour"}).status_code == 422

    asked = api.intake.post(
        "/corpus/precedents",
        json={"request": "Cyclobenzaprine 7.5mg #60", "record": "Muscle spasm of the lumbar spine on examination."},
    )
    assert asked.status_code == 200, asked.text
    body = asked.json()
    assert body["topic"] and body["summary"].endswith("% overturned") and len(body["precedents"]) == 5


@pytest.mark.parametrize(
    "params", [{"q": "the of"}, {"q": "knee", "from": "2017-02-01", "to": "2017-01-01"}, {"q": "knee", "topic": "a\x00b"}]
)
def test_bad_searches_are_422(api: Any, corpus: Corpus, params: dict[str, str]) -> None:
    response = api.intake.get("/corpus/search", params=params)
    assert response.status_code == 422, response.text


def test_the_draft_lists_precedents_and_the_issued_letter_does_not(api: Any, corpus: Corpus, tmp_path: Path) -> None:
    case, reviewer = api.assigned_case()
    drafted = api.records_complete(case["id"])
    assert drafted["state"] == "drafted", drafted
    items = reviewer.get(f"/cases/{case['id']}/draft").json()["engine_determination"]["items"]
    assert all(item["precedents"] and item["precedent_summary"] for item in items)
    assert any("cyclobenzaprine" in p["item"].lower() for p in items[0]["precedents"])
    assert reviewer.post(f"/cases/{case['id']}/sign").status_code == 200
    assert reviewer.post(f"/cases/{case['id']}/issue").status_code == 200
    issued = api.admin.get(f"/cases/{case['id']}/letter.json").json()["determination"]["items"]
    assert all(item["precedents"] == [] and item["precedent_summary"] is None for item in issued)
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(api.admin.get(f"/cases/{case['id']}/letter.pdf").content)
    text = read_document(pdf).text
    assert "RIGHT TO APPEAL" in text and "SIMILAR PAST DETERMINATIONS" not in text
