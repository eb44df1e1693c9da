"""Readers of strength, quantity, amount, frequency, refills, sessions, duration and spinal levels."""

from __future__ import annotations

import pytest

from openimr.requests import amounts


@pytest.mark.parametrize(
    ("text", "strength"),
    [
        ("Norco 10/325mg #60", "10/325mg"),
        ("Norco 7.5-325mg #112", "7.5-325mg"),
        ("Vicodin ES 7.5 mg-300 mg oral tablet", "7.5 mg-300 mg"),
        ("Cyclobenzaprine 7.5 mg", "7.5 mg"),
        ("Lidocaine 5% patch", "5%"),
        ("Percocet 10/325, QTY: 60", "10/325"),
        ("Lidopro 4%-27.5%-0.0325% 121gm", "4%-27.5%-0.0325%"),
        ("Trezix capsule 320.5/30/16mg", "320.5/30/16mg"),
        ("fentanyl 25 mcg/hr patch", "25 mcg/hr"),
        ("Baclofen tablets #60", None),
    ],
)
def test_read_strength(text: str, strength: str | None) -> None:
    assert amounts.read_strength(text) == strength


@pytest.mark.parametrize(
    ("text", "quantity"),
    [
        ("Naproxen 550mg #60", 60),
        ("Percocet 10/325 mg, QTY: 60", 60),
        ("Baclofen 20 mg qty #60", 60),
        ("Gabapentin 300mg, 90 tablets", 90),
        ("Hydrocodone 10mg 1 tab po q6h #100", 100),
        ("NCV of the lower extremities, 2", 2),
        ("MRI without dye times 1", 1),
        ("Voltaren gel #60 grams", None),
        ("Naproxen 550mg", None),
    ],
)
def test_read_quantity(text: str, quantity: int | None) -> None:
    assert amounts.read_quantity(text) == quantity


@pytest.mark.parametrize(
    ("prefix", "count"),
    [("One (1) ", 1), ("Two ", 2), ("a ", 1), ("One container of ", 1), ("Three phase ", None), ("", None)],
)
def test_read_leading_count(prefix: str, count: int | None) -> None:
    assert amounts.read_leading_count(prefix) == count


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("Ketoprofen 20% in cream base 240g", "240g"),
        ("cream, 120grams #1", "120grams"),
        ("#60 grams", "60 grams"),
        ("10 mg", None),
    ],
)
def test_read_amount(text: str, amount: str | None) -> None:
    assert amounts.read_amount(text) == amount


@pytest.mark.parametrize(
    ("text", "frequency"),
    [
        ("Norco 10/325 BID #60", "BID"),
        ("Tramadol 50 mg every 8 hours", "every 8 hours"),
        ("Oxycodone 5mg 1 tab po q6h prn #60", "1 tab po q6h prn"),
        ("Norco 5/325mg oral tablet, one tablet twice daily 14 days #40", "one tablet twice daily"),
        ("Zanaflex 6mg oral capsule 3 times a day", "3 times a day"),
        ("Lorzone 750mg one by mouth three times a day #45", "one by mouth three times a day"),
        ("Lidoderm patch 12 hours on 12 hours off", "12 hours on 12 hours off"),
        ("Ambien 10 mg at bedtime", "at bedtime"),
        ("Meloxicam 15 mg q.d.", "q.d."),
        ("Naproxen 550mg #60", None),
        ("Viagra for three months", None),
    ],
)
def test_read_frequency(text: str, frequency: str | None) -> None:
    assert amounts.read_frequency(text) == frequency


@pytest.mark.parametrize(
    ("text", "refills"),
    [
        ("with 1 refill", 1),
        ("#90 with 2 refills", 2),
        ("Two refills of Ibuprofen", 2),
        ("no refills", 0),
        ("refills: 3", 3),
        ("#90", None),
    ],
)
def test_read_refills(text: str, refills: int | None) -> None:
    assert amounts.read_refills(text) == refills


@pytest.mark.parametrize(
    ("text", "sessions", "per_week", "weeks"),
    [
        ("PT 2x4", 8, "2", "4"),
        ("PT 2 times 6", 12, "2", "6"),
        ("two times a week times 2 weeks", 4, "2", "2"),
        ("2-3 times a week for 6 weeks", None, "2-3", "6"),
        ("two to three times a week for six to eight weeks (24 sessions)", 24, "2-3", "6-8"),
        ("twice a week for 3 weeks", 6, "2", "3"),
        ("Four sessions of PT two times a week times 2 weeks", 4, "2", "2"),
        ("Eight (8) sessions", 8, None, None),
        ("x12", 12, None, None),
        ("sessions, 12", 12, None, None),
        ("5 times a week for 4 weeks", 20, "5", "4"),
        ("twice weekly for 4 weeks", 8, "2", "4"),
        ("2x/week x 4 weeks", 8, "2", "4"),
        ("3 times weekly for 2 weeks", 6, "3", "2"),
        ("PT (12-sessions)", 12, None, None),
        ("12-visits of PT", 12, None, None),
        ("therapy", None, None, None),
    ],
)
def test_read_sessions(text: str, sessions: int | None, per_week: str | None, weeks: str | None) -> None:
    assert amounts.read_sessions(text) == amounts.Sessions(sessions, per_week, weeks)


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("Three months coverage of Viagra", "3 months coverage"),
        ("one month supply", "1 month supply"),
        ("wheelchair for a 2 month rental", "2 months rental"),
        ("7-10 days for a fracture", "7-10 days"),
        ("Cryotherapy unit, seven day use", "7 days use"),
        ("MRI of the knee", None),
    ],
)
def test_read_duration(text: str, duration: str | None) -> None:
    assert amounts.read_duration(text) == duration


@pytest.mark.parametrize(
    ("text", "levels"),
    [
        ("L4-5 TFESI", ["L4-L5"]),
        ("at L4-L5 and L5-S1", ["L4-L5", "L5-S1"]),
        ("Facet Block L2-3. L3-4", ["L2-L3", "L3-L4"]),
        ("C5-6 and C6-7", ["C5-C6", "C6-C7"]),
        ("Right L4 transforaminal", ["L4"]),
        ("T12-L1", ["T12-L1"]),
        ("L9-10 and C9", []),
        ("left leg", []),
    ],
)
def test_read_levels(text: str, levels: list[str]) -> None:
    assert amounts.read_levels(text) == levels


@pytest.mark.parametrize(
    ("text", "unknown"),
    [
        ("Deprizine (unknown quantity)", True),
        ("Acupuncture (unspecified quantity)", True),
        ("Unknown shockwave treatments", True),
        ("#60", False),
    ],
)
def test_unknown_quantity(text: str, unknown: bool) -> None:
    assert amounts.unknown_quantity(text) is unknown
