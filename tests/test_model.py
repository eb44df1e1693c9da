"""The shared models reject what the contracts do not allow."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from openimr.model import Case, Decision, Determination, Organization, Priority


def test_case_file_needs_items_and_a_document() -> None:
    with pytest.raises(ValidationError):
        Case.model_validate({"documents": [{"id": "d", "text": "x"}], "disputed_items": []})
    with pytest.raises(ValidationError):
        Case.model_validate({"documents": [], "disputed_items": [{"request": "Norco 10/325mg #60"}]})


def test_case_file_rejects_unknown_fields_and_bad_dates() -> None:
    base = {"documents": [{"id": "d", "text": "x"}], "disputed_items": [{"request": "Norco 10/325mg #60"}]}
    Case.model_validate(base)
    with pytest.raises(ValidationError):
        Case.model_validate({**base, "surprise": 1})
    with pytest.raises(ValidationError):
        Case.model_validate({**base, "dates": {"injury": "2016-13-40"}})


def test_determination_round_trips_through_json() -> None:
    d = Determination.model_validate(
        {"case_number": "CM16-0000001", "decision_date": "2016-12-21", "items": [{"request": "X", "decision": "Upheld"}]}
    )
    assert d.items[0].decision is Decision.UPHELD
    assert Determination.model_validate_json(d.model_dump_json()) == d


def test_priority_is_read_without_regard_to_case() -> None:
    assert [Priority(v) for v in ("standard", "EXPEDITED", " Expedited ")] == [
        Priority.STANDARD,
        Priority.EXPEDITED,
        Priority.EXPEDITED,
    ]
    with pytest.raises(ValueError):
        Priority("urgent")


def test_the_organization_short_name_is_one_capitalised_word() -> None:
    assert Organization(short_name="MAXIMUS").short_name == "MAXIMUS"
    for bad in ("two words", "lower", ""):
        with pytest.raises(ValidationError):
            Organization(short_name=bad)
