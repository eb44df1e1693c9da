"""Modified-request wording: original, authorized and disputed parts, in the variants letters use."""

from __future__ import annotations

import pytest

from openimr.requests.portions import RequestPortions, split_portions


@pytest.mark.parametrize(
    ("label", "portions"),
    [
        (
            "Gabapentin 600mg #90 was the original request. Gabapentin 600mg #60 was authorized by the Claims Administrator. "
            "The remaining IMR eligible portion of the original request, Gabapentin 600mg #30",
            RequestPortions("Gabapentin 600mg #90", "Gabapentin 600mg #60", "Gabapentin 600mg #30"),
        ),
        (
            "Aquatic therapy x12 was the original request.  Aquatic therapy x6 was authorized by the Claims Administrator.  "
            "The remaining IMR eligible portion of the original request, Aquatic therapy x6",
            RequestPortions("Aquatic therapy x12", "Aquatic therapy x6", "Aquatic therapy x6"),
        ),
        (
            "Home health care 8 hours a day was the original request. The Claims Administrator authorized home health care "
            "4 hours a day, leaving the original request IMR eligible. The original request, Home health care 8 hours a day",
            RequestPortions("Home health care 8 hours a day", "home health care 4 hours a day", "Home health care 8 hours a day"),
        ),
        (
            "Massage x8 were the original request. Massage x4 were certified by the claims administrator. "
            "The remaining portion of the original request, Massage x4",
            RequestPortions("Massage x8", "Massage x4", "Massage x4"),
        ),
        (
            "Knee brace and crutches was the original request. "
            "The remaining IMR eligible portion of the original request, crutches",
            RequestPortions("Knee brace and crutches", None, "crutches"),
        ),
    ],
)
def test_split_portions(label: str, portions: RequestPortions) -> None:
    assert split_portions(label) == portions


@pytest.mark.parametrize("label", ["Norco 10/325 #60", "Original request for MRI", "MRI was authorized"])
def test_plain_requests_are_not_split(label: str) -> None:
    assert split_portions(label) is None
