"""Daily dose and MME of requested opioids (CDC 2016 factors)."""

from __future__ import annotations

import pytest

from openimr.errors import OpenIMRError
from openimr.requests import parse_request
from openimr.requests.dosing import (
    DoseBasis,
    doses_per_day,
    morphine_equivalent,
    supply_days,
    units_per_dose,
    units_requested,
)


@pytest.mark.parametrize(
    ("frequency", "per_day"),
    [
        ("BID", 2),
        ("b.i.d.", 2),
        ("tid", 3),
        ("QID", 4),
        ("daily", 1),
        ("at bedtime", 1),
        ("q6h", 4),
        ("q 4-6 hours prn", 6),
        ("every 8 hours", 3),
        ("3 times a day", 3),
        ("2-3 times a day", 3),
        ("twice daily", 2),
        ("TWİCE DAILY", 2),
        ("ſid", None),
        ("as needed", None),
    ],
)
def test_doses_per_day(frequency: str, per_day: float | None) -> None:
    assert doses_per_day(frequency) == per_day


@pytest.mark.parametrize(
    ("frequency", "units"),
    [
        ("1 tab po q6h", 1),
        ("1-2 tabs q4-6h prn", 2),
        ("half tab at bedtime", 0.5),
        ("one tablet twice daily", 1),
        ("3 times a day", 1),
    ],
)
def test_units_per_dose(frequency: str, units: float) -> None:
    assert units_per_dose(frequency) == units


@pytest.mark.parametrize(
    ("request_text", "opioid", "mme", "basis"),
    [
        ("Norco 10/325mg 1 tab po q6h #120", "hydrocodone", 40.0, DoseBasis.FREQUENCY),
        ("Percocet 10/325mg 1-2 tabs q4-6h prn #180", "oxycodone", 180.0, DoseBasis.FREQUENCY),
        ("Norco 10/325mg #120", "hydrocodone", 40.0, DoseBasis.QUANTITY),
        ("Tramadol ER 200mg daily #30", "tramadol", 20.0, DoseBasis.FREQUENCY),
        ("Nucynta 50mg every 6 hours", "tapentadol", 80.0, DoseBasis.FREQUENCY),
        ("Ultracet 37.5/325mg #60, 15 day supply", "tramadol", 15.0, DoseBasis.QUANTITY),
        ("Fentanyl patch 25mcg/hr #10", "fentanyl transdermal", 60.0, DoseBasis.PATCH),
        ("Methadone 10mg tid #90", "methadone", 240.0, DoseBasis.FREQUENCY),
        ("Trezix 320.5/30/16mg 1 cap q6h", "dihydrocodeine", 16.0, DoseBasis.FREQUENCY),
    ],
)
def test_morphine_equivalent(request_text: str, opioid: str, mme: float, basis: DoseBasis) -> None:
    estimate = morphine_equivalent(parse_request(request_text))
    assert estimate is not None
    assert (estimate.opioid, estimate.basis) == (opioid, basis)
    assert estimate.mme == pytest.approx(mme)


@pytest.mark.parametrize("request_text", ["Cyclobenzaprine 10mg #30", "MRI of the knee", "Norco", "Norco 10/325mg"])
def test_no_estimate_without_opioid_or_dose(request_text: str) -> None:
    assert morphine_equivalent(parse_request(request_text)) is None


def test_methadone_beyond_the_table_is_an_error() -> None:
    with pytest.raises(OpenIMRError, match="beyond the conversion table"):
        morphine_equivalent(parse_request("Methadone 40mg tid #90"))


@pytest.mark.parametrize(
    ("request_text", "days"),
    [
        ("Norco 5/325mg one every 6 hours #28", 7.0),
        ("Norco 5/325mg one every 6 hours #28 with 2 refills", 21.0),
        ("Norco 5/325mg #28 with 2 refills", None),
    ],
)
def test_supply_days_count_the_refills(request_text: str, days: float | None) -> None:
    assert supply_days(parse_request(request_text)) == days


@pytest.mark.parametrize(
    ("request_text", "units"),
    [
        ("Zolpidem 10mg #30", 30.0),
        ("Zolpidem 10mg #30 with 3 refills", 120.0),
        ("Zolpidem 10mg at bedtime", None),
    ],
)
def test_units_requested_count_the_refills(request_text: str, units: float | None) -> None:
    assert units_requested(parse_request(request_text)) == units
