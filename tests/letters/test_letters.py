"""Every letter in shared parses to its gold record, and every rendering of it parses back to the same determination."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest

from openimr.letters import FORMATS, parse_letter, parse_letter_text, render_letter
from openimr.model import Determination

from .conftest import GoldLetter

HEADER_DATES = ("date_assigned", "date_of_injury", "decision_date", "ur_denial_date", "application_received")


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _gold_date(text: str | None) -> dt.date | None:
    return dt.datetime.strptime(text, "%m/%d/%Y").date() if text else None


def _name(letter: GoldLetter) -> str:
    return letter.gold.get("case_number") or letter.path.name


def test_header_fields_equal_gold(gold_letters: list[GoldLetter]) -> None:
    for letter in gold_letters:
        parsed, gold = letter.parsed, letter.gold
        assert parsed.case_number == gold.get("case_number"), _name(letter)
        for field in HEADER_DATES:
            assert getattr(parsed, field) == _gold_date(gold.get(field)), (_name(letter), field)
        assert (parsed.priority.value if parsed.priority else None) == gold.get("priority"), _name(letter)
        assert parsed.reviewer.licensure == gold["reviewer_licensure"], _name(letter)


def test_reviewer_specialties_equal_gold(gold_letters: list[GoldLetter]) -> None:
    for letter in gold_letters:
        reviewer = letter.parsed.reviewer
        ours = reviewer.specialties + ([reviewer.subspecialty] if reviewer.subspecialty else [])
        gold = [_collapse(s) for s in letter.gold["reviewer_specialty"]]
        assert ours == gold, _name(letter)


def test_item_labels_and_decisions_equal_gold(gold_letters: list[GoldLetter]) -> None:
    items = 0
    for letter in gold_letters:
        ours = [(item.request, item.decision.value) for item in letter.parsed.items]
        gold = [(_collapse(item["item"]), item["decision"]) for item in letter.gold["items"]]
        assert len(ours) == len(gold), _name(letter)
        for index, (mine, theirs) in enumerate(zip(ours, gold, strict=True)):
            assert mine == theirs, (_name(letter), index)
        items += len(ours)
    assert items == 227


def test_every_item_has_its_fields(gold_letters: list[GoldLetter]) -> None:
    for letter in gold_letters:
        assert letter.parsed.summary, _name(letter)
        assert letter.parsed.source == str(letter.path)
        for item in letter.parsed.items:
            assert item.rationale and item.claims_administrator_guideline and item.maximus_guideline, _name(letter)
            assert "Decision rationale" not in item.rationale and "MAXIMUS guideline" not in item.maximus_guideline


def test_modified_requests_are_split(gold_letters: list[GoldLetter]) -> None:
    modified = [item for letter in gold_letters for item in letter.parsed.items if "was the original request" in item.request]
    assert len(modified) == 33
    for item in modified:
        assert item.original_request and item.authorized and item.disputed
        assert item.request.startswith(item.original_request) and item.request.endswith(item.disputed)
        assert item.authorized in item.request


def test_layouts_are_detected(gold_letters: list[GoldLetter]) -> None:
    layouts = {letter.path.name: letter.parsed.layout for letter in gold_letters}
    assert {layouts[name] for name in layouts if name.endswith(".pdf")} == {"dwc_2016"}
    seeds = {name[:3]: layout for name, layout in layouts.items() if name.endswith(".txt")}
    assert seeds == {"000": "plain_text", "001": "plain_text", "002": "markdown", "003": "plain_text", "004": "plain_text"}


def _without_reading(determination: Determination) -> Determination:
    """`source` and `layout` describe a reading, not the letter: a rendering does not carry them."""
    return determination.model_copy(update={"source": None, "layout": None})


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "pdf"])
def test_round_trip_text_formats(gold_letters: list[GoldLetter], fmt: str) -> None:
    for letter in gold_letters:
        rendered = render_letter(letter.parsed, fmt).decode("utf-8")
        again = parse_letter_text(rendered, source="rendered")
        assert again.layout == {"md": "markdown", "txt": "dwc_2016", "html": "html"}[fmt]
        assert _without_reading(again) == _without_reading(letter.parsed), (_name(letter), fmt)


@pytest.mark.slow
def test_round_trip_pdf(gold_letters: list[GoldLetter]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "letter.pdf"
        for letter in gold_letters:
            path.write_bytes(render_letter(letter.parsed, "pdf"))
            again = parse_letter(path)
            assert again.source == str(path)
            assert _without_reading(again) == _without_reading(letter.parsed), _name(letter)
