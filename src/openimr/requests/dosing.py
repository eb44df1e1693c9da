"""Daily dose and morphine milligram equivalents (MME) of a requested opioid.

MTUS (CPMTG p. 86) limits the total daily dose to 120 mg oral morphine equivalents; the conversion factors are the
CDC 2016 table in `knowledge/lexicons/drugs.yaml`. The daily dose comes from the written frequency ("1-2 tabs q4-6h
prn": the most the order allows), or, without one, from the quantity spread over the supply period (a month unless
the request says otherwise), and the estimate says which.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from openimr.evidence.numbers import number_value
from openimr.knowledge.lexicons import drug_lexicon
from openimr.knowledge.terms import regex_fold
from openimr.model import Treatment, TreatmentKind
from openimr.requests.amounts import duration_days

__all__ = [
    "DoseBasis",
    "MMEEstimate",
    "doses_per_day",
    "morphine_equivalent",
    "supply_days",
    "units_per_dose",
    "units_requested",
]

_NUMBER = r"(?:\d+(?:\.\d+)?|one|two|three|four|five|six)"
_EVERY_HOURS = re.compile(
    r"(?:q\.?\s*|every\s+)(?P<low>\d+)(?:\s*(?:-|to)\s*(?P<high>\d+))?\s*(?:h|hrs?|hours?)\b", re.IGNORECASE
)
_TIMES_A_DAY = re.compile(
    rf"(?P<n>{_NUMBER})(?:\s*(?:-|to)\s*(?P<high>{_NUMBER}))?\s*(?:x|times?)\s*(?:a|per|each|/)?\s*(?:day|daily)", re.IGNORECASE
)
_LATIN = {"qd": 1, "daily": 1, "nightly": 1, "qhs": 1, "hs": 1, "qam": 1, "qpm": 1, "bid": 2, "tid": 3, "qid": 4}
_LATIN_WORD = re.compile(
    r"\b(?:q\.?d|b\.?i\.?d|t\.?i\.?d|q\.?i\.?d|q\.?h\.?s|h\.?s|q\.?a\.?m|q\.?p\.?m|daily|nightly)\b\.?", re.IGNORECASE
)
_WORDS = {"once": 1, "twice": 2, "thrice": 3}
_ONCE_TWICE = re.compile(r"\b(?P<w>once|twice|thrice)\s+(?:a\s+|per\s+)?(?:day|daily)\b", re.IGNORECASE)
_BEDTIME = re.compile(r"\b(?:at\s+bed\s*time|at\s+night|in\s+the\s+(?:morning|evening))\b", re.IGNORECASE)
_PER_DOSE = re.compile(
    rf"^\s*(?P<n>{_NUMBER}|half|1/2)(?:\s*(?:-|to)\s*(?P<high>{_NUMBER}))?\s*(?:tab(?:let)?s?|cap(?:sule)?s?|pills?|patch(?:es)?)?\b",
    re.IGNORECASE,
)
_MONTHS = re.compile(r"(?P<n>\d+)\s+(?P<unit>days?|weeks?|months?)", re.IGNORECASE)
_FIRST_NUMBER = re.compile(r"\d*\.?\d+")


def _value(text: str) -> float:
    word = text.lower()
    if word in {"half", "1/2"}:
        return 0.5
    as_word = number_value(word)
    return float(as_word) if as_word is not None else float(text)


def doses_per_day(frequency: str) -> float | None:
    """The most doses a day a frequency allows: "BID" 2, "q6h" 4, "every 4-6 hours" 6, "3 times a day" 3."""
    every = _EVERY_HOURS.search(frequency)
    if every:
        return 24 / float(every.group("low"))
    times = _TIMES_A_DAY.search(frequency)
    if times:
        return _value(times.group("high") or times.group("n"))
    once = _ONCE_TWICE.search(frequency)
    if once:
        return float(_WORDS[regex_fold(once.group("w"))])
    latin = _LATIN_WORD.search(frequency)
    if latin:
        return float(_LATIN[regex_fold(latin.group()).replace(".", "")])
    if _BEDTIME.search(frequency):
        return 1.0
    return None


def units_per_dose(frequency: str) -> float:
    """Tablets (or capsules, patches) per dose at most: "1-2 tabs q6h" 2, "half tab" 0.5; 1 when not written."""
    match = _PER_DOSE.search(frequency)
    if not match or _EVERY_HOURS.match(frequency) or _TIMES_A_DAY.match(frequency):
        return 1.0
    return _value(match.group("high") or match.group("n"))


class DoseBasis(StrEnum):
    """Where a daily dose was read from."""

    FREQUENCY = "frequency"
    QUANTITY = "quantity over supply period"
    PATCH = "patch strength"


@dataclass(frozen=True, slots=True)
class MMEEstimate:
    """Daily morphine milligram equivalents of one request, the opioid's daily dose and how it was found."""

    opioid: str
    daily_dose: float
    mme: float
    basis: DoseBasis


def _opioid_strength(treatment: Treatment, opioid_index: int) -> float | None:
    if not treatment.strength:
        return None
    parts = [p for p in re.split(r"\s*[/-]\s*", treatment.strength) if _FIRST_NUMBER.search(p)]
    if opioid_index >= len(parts):
        return None
    number = _FIRST_NUMBER.search(parts[opioid_index])
    return float(number.group()) if number else None


def _supply_days(treatment: Treatment) -> int:
    match = _MONTHS.search(treatment.duration or "")
    if not match:
        return 30
    unit = match.group("unit").lower()
    return int(match.group("n")) * (1 if unit.startswith("day") else 7 if unit.startswith("week") else 30)


def morphine_equivalent(treatment: Treatment) -> MMEEstimate | None:
    """Daily MME of a requested opioid, or None when the item is no opioid or its dose cannot be read.

    Patches (fentanyl) convert their mcg/h strength directly. Tablets need the opioid's strength and either a
    frequency or a quantity (spread over the supply period, 30 days unless the request says otherwise).
    """
    if treatment.kind is not TreatmentKind.DRUG or treatment.generic is None:
        return None
    lexicon = drug_lexicon()
    drug = lexicon.by_generic(treatment.generic)
    if drug is None or drug.opioid is None:
        return None
    conversion = lexicon.conversion(drug.opioid)
    opioid_name = drug.opioid.split()[0]
    index = drug.ingredients.index(opioid_name) if opioid_name in drug.ingredients else 0
    strength = _opioid_strength(treatment, index)
    if strength is None:
        return None
    if conversion.unit == "mcg/h":
        return MMEEstimate(drug.opioid, strength, conversion.morphine_equivalent(strength), DoseBasis.PATCH)
    per_day = doses_per_day(treatment.frequency) if treatment.frequency else None
    if per_day is not None:
        daily = strength * per_day * units_per_dose(treatment.frequency or "")
        basis = DoseBasis.FREQUENCY
    elif treatment.quantity:
        daily = strength * treatment.quantity / _supply_days(treatment)
        basis = DoseBasis.QUANTITY
    else:
        return None
    return MMEEstimate(drug.opioid, daily, conversion.morphine_equivalent(daily), basis)


def supply_days(treatment: Treatment) -> float | None:
    """How many days a drug request lasts: its stated supply ("14 days"), or its quantity, with each refill a fill of
    the same quantity ("#120 with 2 refills" is 360 units), over the most units a day its frequency allows; None when
    neither can be read."""
    stated = duration_days(treatment.duration)
    if stated is not None:
        return stated
    if treatment.quantity is None or not treatment.frequency:
        return None
    per_day = doses_per_day(treatment.frequency)
    units = units_requested(treatment)
    if per_day is None or units is None:
        return None
    return units / (per_day * units_per_dose(treatment.frequency))


def units_requested(treatment: Treatment) -> float | None:
    """How many units a drug request asks for in all: its quantity, with each refill a fill of the same quantity ("#30
    with 3 refills" is 120 units); None when it states no quantity."""
    if treatment.quantity is None:
        return None
    return treatment.quantity * (1 + (treatment.refills or 0))
