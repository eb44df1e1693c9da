"""Reviewer qualifications from both wordings letters use."""

from __future__ import annotations

import pytest

from openimr.letters.reviewer import parse_reviewer, split_list
from openimr.model import Reviewer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The expert reviewer is Board Certified in Physical Medicine and Rehabilitation and Pain Management and is "
            "licensed to practice in California.",
            Reviewer(licensure=["California"], specialties=["Physical Medicine and Rehabilitation", "Pain Management"]),
        ),
        (
            "The physician reviewer is Board Certified in Anesthesiology, has a subspecialty in Pain Medicine and is "
            "licensed to practice in California and Texas.",
            Reviewer(licensure=["California", "Texas"], specialties=["Anesthesiology"], subspecialty="Pain Medicine"),
        ),
        (
            "The expert reviewer is Board Certified in Obstetrics and Gynecology, and is licensed to practice in Ohio.",
            Reviewer(licensure=["Ohio"], specialties=["Obstetrics and Gynecology"]),
        ),
        (
            "The Expert Reviewer has the following credentials:\nState(s) of Licensure: Texas,New York, California\n"
            "Certification(s)/Specialty: Preventive Medicine, Occupational Medicine",
            Reviewer(licensure=["Texas", "New York", "California"], specialties=["Preventive Medicine", "Occupational Medicine"]),
        ),
        ("He/she has no affiliation with the employer.", Reviewer()),
    ],
)
def test_parse_reviewer(text: str, expected: Reviewer) -> None:
    assert parse_reviewer(text) == expected


def test_split_list() -> None:
    assert split_list("A, B and C.") == ["A", "B", "C"]
    assert split_list("Physical Medicine and Rehabilitation, and Hospice and Palliative Medicine") == [
        "Physical Medicine and Rehabilitation",
        "Hospice and Palliative Medicine",
    ]
