"""`imr corpus add|search|stats|dmhc` and precedents in `imr review`, from the command line, on SQLite and
PostgreSQL."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from openimr.cli import app
from openimr.corpus.stats import corpus_stats
from openimr.corpus.store import Corpus

runner = CliRunner()


def _imr(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from openimr.cli import main; main()", *args]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def _url(corpus: Corpus) -> str:
    return corpus.engine.url.render_as_string(hide_password=False)


@pytest.fixture()
def seed_folder(tmp_path: Path, shared_dir: Path) -> Path:
    """The five seeds, a broken PDF, a text file that is no letter, and a README (skipped)."""
    folder = tmp_path / "letters"
    folder.mkdir()
    for seed in sorted((shared_dir / "seeds").glob("*.txt")):
        shutil.copy(seed, folder / seed.name)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n")
    (folder / "shopping.txt").write_text("Milk, eggs and bread.\n", encoding="utf-8")
    (folder / "README.md").write_text("Letters for a test.\n", encoding="utf-8")
    return folder


def test_add_names_each_failure_adds_the_rest_and_counts_once(seed_folder: Path, database_url: str) -> None:
    first = _imr("corpus", "add", str(seed_folder), "--db", database_url, "-j", "2")
    assert first.returncode == 1, first.stderr
    lines = first.stderr.splitlines()
    errors = [line for line in lines if line.startswith("imr: error:")]
    assert len(errors) == 2
    assert any(f"{seed_folder / 'broken.pdf'}:" in line for line in errors)
    assert any(f"{seed_folder / 'shopping.txt'}:" in line for line in errors)
    assert "Traceback" not in first.stderr
    assert lines[-1] == "added 5, updated 0, skipped 1, failed 2; corpus: 5 letters, 12 items"

    (seed_folder / "broken.pdf").unlink()
    (seed_folder / "shopping.txt").unlink()
    again = _imr("corpus", "add", str(seed_folder), "--db", database_url, "-j", "1")
    assert again.returncode == 0, again.stderr
    assert again.stderr.splitlines()[-1] == "added 0, updated 5, skipped 1, failed 0; corpus: 5 letters, 12 items"


def test_add_reports_a_missing_path_and_goes_on(seed_folder: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    result = _imr(
        "corpus", "add", str(missing), str(seed_folder / "000_4f7ab09dfaa43328.txt"), "--data-dir", str(tmp_path / "var")
    )
    assert result.returncode == 1
    assert f"imr: error: {missing}: no such file or directory" in result.stderr.splitlines()
    assert result.stderr.splitlines()[-1].startswith("added 1, updated 0, skipped 0, failed 1")


def test_search_json_and_text(shared_corpus: Corpus) -> None:
    result = runner.invoke(app, ["corpus", "search", "lumbar MRI", "--decision", "upheld", "--json", "--db", _url(shared_corpus)])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["hits"] and {h["decision"] for h in found["hits"]} == {"Upheld"}
    assert {"case_number", "date", "item", "decision", "snippet", "score"} <= found["hits"][0].keys()
    text = runner.invoke(app, ["corpus", "search", "acupuncture", "-n", "3", "--db", _url(shared_corpus)])
    assert text.exit_code == 0 and text.stdout.count("  1. ") == 1 and "  3. " in text.stdout
    assert "3 hits, best of" in text.stderr


def test_search_errors_are_one_line(shared_corpus: Corpus, tmp_path: Path) -> None:
    empty = _imr("corpus", "search", "the", "--db", _url(shared_corpus))
    assert empty.returncode == 2 and empty.stderr.count("\n") == 1 and "nothing to search for" in empty.stderr
    nothing = _imr("corpus", "search", "knee", "--data-dir", str(tmp_path))
    assert nothing.returncode == 2 and "no corpus in this database yet" in nothing.stderr
    assert not (tmp_path / "openimr.db").exists()
    dates = _imr("corpus", "search", "knee", "--from", "2017-03-01", "--to", "2017-01-01", "--db", _url(shared_corpus))
    assert dates.returncode == 2 and "date range is empty" in dates.stderr


def test_stats_json_and_plot(shared_corpus: Corpus, tmp_path: Path) -> None:
    svg = tmp_path / "topics.svg"
    result = runner.invoke(app, ["corpus", "stats", "--by", "topic", "--json", "--plot", str(svg), "--db", _url(shared_corpus)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == corpus_stats(shared_corpus, "topic").model_dump(mode="json")
    assert svg.read_bytes().count(b'<g id="bar-') == min(30, len(json.loads(result.stdout)["groups"]))
    png = tmp_path / "years.png"
    table = runner.invoke(app, ["corpus", "stats", "--by", "year", "--plot", str(png), "--db", _url(shared_corpus)])
    assert table.exit_code == 0 and "2017" in table.stdout and "95% CI" in table.stdout
    assert Image.open(png).format == "PNG"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["topics.svg", "years.png"]
    bad = _imr("corpus", "stats", "--by", "year", "--plot", str(tmp_path / "x.gif"), "--db", _url(shared_corpus))
    assert bad.returncode == 2 and "must end in .png or .svg" in bad.stderr


def test_dmhc_is_labelled_as_another_programme(shared_dir: Path, tmp_path: Path) -> None:
    table = shared_dir / "data" / "dmhc" / "dmhc_imr_structured_2001_2025.csv"
    result = runner.invoke(app, ["corpus", "dmhc", str(table), "--by", "year", "--json", "--plot", str(tmp_path / "dmhc.png")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert "not workers' compensation" in data["programme"] and data["unit"] == "reviews"
    assert [g["group"] for g in data["groups"]][:2] == ["2001", "2002"]
    assert Image.open(tmp_path / "dmhc.png").size[0] == 1500


CASE = {
    "case_number": "CM00-0000004",
    "dates": {"injury": "2016-10-01", "ur_decision": "2016-11-20"},
    "documents": [{"id": "summary", "type": "clinical_summary", "text": "Lumbar strain. Muscle spasm on examination."}],
    "disputed_items": [{"request": "Cyclobenzaprine 7.5mg #20"}, {"request": "MRI of the lumbar spine"}],
}


def test_review_lists_precedents_from_the_corpus(shared_corpus: Corpus, tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps(CASE), encoding="utf-8")
    result = runner.invoke(app, ["review", str(case), "--format", "json", "--db", _url(shared_corpus)])
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)["items"]
    assert all(item["precedents"] and item["precedent_summary"].endswith("% overturned") for item in items)
    md = runner.invoke(app, ["review", str(case), "--db", _url(shared_corpus)])
    assert "SIMILAR PAST DETERMINATIONS" in md.stdout and items[1]["precedent_summary"] in md.stdout
    plain = runner.invoke(app, ["review", str(case), "--format", "json", "--no-precedents", "--db", _url(shared_corpus)])
    assert all(item["precedents"] == [] for item in json.loads(plain.stdout)["items"])


def test_review_without_a_corpus_works_as_before(tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps(CASE), encoding="utf-8")
    result = runner.invoke(app, ["review", str(case), "--format", "json", "--data-dir", str(tmp_path / "var")])
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)["items"]
    assert [i["decision"] for i in items] == ["Overturned", "Upheld"]
    assert all(i["precedents"] == [] and i["precedent_summary"] is None for i in items)
    assert not (tmp_path / "var").exists()
