"""Readers of strength, quantity, amount, frequency, refills, sessions, duration and spinal levels."""

from __future__ import annotations

import pytest

from openimr.requests import amounts


@pytest.mark.parametrize(
    ("text", "strength"),
    [
        ("Norco 10/325mg #75", "10/325mg"),
        ("Hydrocodone/APAP 7.5-325mg #84", "7.5-325mg"),
        ("Vicodin HP 10 mg-300 mg oral tablet", "10 mg-300 mg"),
        ("Fexmid 7.5 mg", "7.5 mg"),
        ("Lidocaine 4% patch", "4%"),
        ("Endocet 7.5/325, QTY: 45", "7.5/325"),
        ("Terocin 2.5%-25%-0.025% 120ml", "2.5%-25%-0.025%"),
        ("Panlor tablet 712.8/60/32mg", "712.8/60/32mg"),
        ("fentanyl 25 mcg/hr patch", "25 mcg/hr"),
        ("Baclofen tablets #60", None),
    ],
)
def test_read_strength(text: str, strength: str | None) -> None:
    assert amounts.read_strength(text) == strength


@pytest.mark.parametrize(
    ("text", "quantity"),
    [
        ("Anaprox DS 550mg #90", 90),
        ("Endocet 10/325 mg, QTY: 45", 45),
        ("Tizanidine 2 mg qty #45", 45),
        ("Gabapentin 300mg, 90 tablets", 90),
        ("Hydrocodone 10mg 1 tab po q6h #100", 100),
        ("Nerve conduction study of the arms, 3", 3),
        ("CT without dye times 2", 2),
        ("Pennsaid solution #150 grams", None),
        ("Etodolac 400mg", None),
        ("Naproxen 550mg #60.", 60),
        ("Diclofenac gel #1.5", None),
        ("Meloxicam 15 mg, quantity: 30", 30),
        ("Meloxicam 15 mg, quantity of 30", 30),
        ("Baclofen 10 mg, dispense 60", 60),
        ("Baclofen 10 mg disp: #60", 60),
        ("Baclofen 10 mg No. 60", 60),
        ("Baclofen 10 mg, sixty (60) tablets", 60),
        ("Baclofen 10 mg, no refills", None),
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
        ("Capsaicin 0.05% in cream base 120g", "120g"),
        ("cream, 90grams #2", "90grams"),
        ("#60 grams", "60 grams"),
        ("10 mg", None),
    ],
)
def test_read_amount(text: str, amount: str | None) -> None:
    assert amounts.read_amount(text) == amount


@pytest.mark.parametrize(
    ("text", "frequency"),
    [
        ("Norco 10/325 BID #75", "BID"),
        ("Tramadol 50 mg every 8 hours", "every 8 hours"),
        ("Oxycodone 5mg 1 tab po q6h prn #56", "1 tab po q6h prn"),
        ("Oxycodone 5mg oral tablet, one tablet twice daily for 10 days #20", "one tablet twice daily"),
        ("Tizanidine 4mg oral capsule 2 times a day", "2 times a day"),
        ("Robaxin 500mg one by mouth four times a day #60", "one by mouth four times a day"),
        ("Lidoderm patch 12 hours on, 12 hours off", "12 hours on, 12 hours off"),
        ("Ambien 10 mg at bedtime", "at bedtime"),
        ("Meloxicam 15 mg q.d.", "q.d."),
        ("Etodolac 400mg #60", None),
        ("Viagra for three months", None),
    ],
)
def test_read_frequency(text: str, frequency: str | None) -> None:
    assert amounts.read_frequency(text) == frequency


@pytest.mark.parametrize(
    ("text", "refills"),
    [
        ("with 1 refill", 1),
        ("#30 with 3 refills", 3),
        ("Three refills of Meloxicam", 3),
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
        ("three times a week times 3 weeks", 9, "3", "3"),
        ("2-3 times a week for 6 weeks", 18, "2-3", "6"),
        ("one to two times a week for four to six weeks (10 sessions)", 10, "1-2", "4-6"),
        ("twice a week for 5 weeks", 10, "2", "5"),
        ("Six sessions of OT three times a week times 2 weeks", 6, "3", "2"),
        ("Eight (8) sessions", 8, None, None),
        ("x12", 12, None, None),
        ("sessions, 12", 12, None, None),
        ("4 times a week for 3 weeks", 12, "4", "3"),
        ("twice weekly for 4 weeks", 8, "2", "4"),
        ("2x/week x 4 weeks", 8, "2", "4"),
        ("2 visits per week for 6 weeks", 12, "2", "6"),
        ("2 per week for 4 weeks", 8, "2", "4"),
        ("2xwk x 6wks", 12, "2", "6"),
        ("1-2 x/wk x 4 wks", 8, "1-2", "4"),
        ("3 times weekly for 2 weeks", 6, "3", "2"),
        ("PT (12-sessions)", 12, None, None),
        ("12-visits of PT", 12, None, None),
        ("therapy", None, None, None),
        ("1 chiropractic treatment 12 visits", 12, None, None),
        ("1 chiropractic treatment 2 times a week for 6 weeks", 12, "2", "6"),
        ("1 chiropractic visit", 1, None, None),
    ],
)
def test_read_sessions(text: str, sessions: int | None, per_week: str | None, weeks: str | None) -> None:
    assert amounts.read_sessions(text) == amounts.Sessions(sessions, per_week, weeks)


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("Two months coverage of Cialis", "2 months coverage"),
        ("one month supply", "1 month supply"),
        ("walker for a 3 month rental", "3 months rental"),
        ("7-10 days for a fracture", "7-10 days"),
        ("Cold therapy unit, ten day use", "10 days use"),
        ("MRI of the knee", None),
        ("TENS unit 1 mo rental", "1 month rental"),
        ("brace for 6 wks", "6 weeks"),
        ("1 weeks supply", "1 week supply"),
        ("Cold therapy unit x7 days", "7 days"),
    ],
)
def test_read_duration(text: str, duration: str | None) -> None:
    assert amounts.read_duration(text) == duration


@pytest.mark.parametrize(
    ("text", "levels"),
    [
        ("L4-5 TFESI", ["L4-L5"]),
        ("at L4-L5 and L5-S1", ["L4-L5", "L5-S1"]),
        ("Medial branch block L3-4. L4-5", ["L3-L4", "L4-L5"]),
        ("C5-6 and C6-7", ["C5-C6", "C6-C7"]),
        ("Left L5 transforaminal", ["L5"]),
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
        ("Theramine (unknown quantity)", True),
        ("Acupuncture (unspecified quantity)", True),
        ("Unknown number of massage treatments", True),
        ("#60", False),
    ],
)
def test_unknown_quantity(text: str, unknown: bool) -> None:
    assert amounts.unknown_quantity(text) is unknown


@pytest.mark.parametrize(
    ("levels", "count"),
    [
        (["L4-L5"], 1),
        (["L3-S1"], 3),
        (["L4-L5", "L5-S1"], 2),
        (["L3-L5", "L4-L5"], 2),
        (["C5-C7"], 2),
        (["T12-L1"], 1),
        (["C7-T1"], 1),
        (["L4", "L5"], 2),
        (["S1-L4"], 2),
        ([], 0),
    ],
)
def test_level_count(levels: list[str], count: int) -> None:
    assert amounts.level_count(levels) == count


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("Bilateral RFA L3-S1 (3 levels)", 3),
        ("three-level lumbar medial branch blocks", 3),
        ("RFA, 2 level, bilateral", 2),
        ("RFA at the L4-5 level", None),
        ("ESI at the L5 level", None),
        ("multilevel RFA", None),
    ],
)
def test_read_level_count(text: str, count: int | None) -> None:
    assert amounts.read_level_count(text) == count
