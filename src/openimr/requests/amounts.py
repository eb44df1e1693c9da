"""How much, how strong and how often a request asks for: strength, quantity, package amount, frequency, refills,
sessions × weeks, supply length, spinal levels. Each reader takes the request text and returns what it found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from openimr.evidence.numbers import NUMBER, NUMBER_OR_A, TIME_UNIT, TIMES_A_WEEK, number_value, time_unit, times_a_week

__all__ = [
    "Sessions",
    "duration_days",
    "duration_parts",
    "level_count",
    "read_amount",
    "read_duration",
    "read_frequency",
    "read_leading_count",
    "read_level_count",
    "read_levels",
    "read_quantity",
    "read_refills",
    "read_sessions",
    "read_strength",
    "unknown_quantity",
]

_NUM = NUMBER
_NUM_OR_A = NUMBER_OR_A


# --- strength, amount, quantity ----------------------------------------------------------------------------------

_UNIT = r"(?:mg|mcg|µg|meq|iu|units?|%)"
_PART = rf"\d*\.?\d+(?:\s*{_UNIT})?"
_STRENGTH = re.compile(
    rf"(?<![\w.#/])(?:{_PART}(?:\s*[/-]\s*{_PART})*\s*{_UNIT}(?:\s*/\s*(?:g|gm|ml|mL|hr?|h|act|dose))?"
    rf"|\d+(?:\.\d+)?\s*/\s*\d+(?:\.\d+)?(?:\s*/\s*\d+(?:\.\d+)?)?)(?![\w])",
    re.IGNORECASE,
)
_AMOUNT = re.compile(
    r"(?<![\w.])#?\s*(?P<n>\d*\.?\d+)\s*(?P<unit>grams?|gms?|g|oz|ounces?|ml|mL|cc|liters?)(?![\w])(?!\s*/)", re.IGNORECASE
)
_QUANTITY = re.compile(
    r"\b(?:(?:qty|quantity|disp(?:ense)?)\.?|no\.)\s*(?:of\s+)?:?\s*#?\s*(?P<n>\d+)"
    r"|#\s*(?P<hash>\d+)(?!\d|\.\d)(?!\s*(?:grams?|gms?|g|oz|ml)\b)",
    re.IGNORECASE,
)
_COUNT = re.compile(
    rf"(?<![\w./])(?P<n>{_NUM})\s*(?:\(\d+\)\s*)?(?:tablets?|tabs?|capsules?|caps?|pills?|patch(?:es)?|boxe?s?|tubes?|bottles?|containers?|count)\b"
    r"(?!\s+(?:po|p\.o\.|by\s+mouth|orally|q\.?\d|every|daily|twice|once|at\s+bed|b\.?i\.?d|t\.?i\.?d|q\.?i\.?d|q\.?d|q\.?h\.?s|prn))",
    re.IGNORECASE,
)
_LEADING_COUNT = re.compile(
    rf"\s*(?P<n>{_NUM_OR_A}|single)\b\s*(?:\(\d+\)\s*)?(?:(?:units?|sets?|series|containers?|boxe?s?|tubes?|bottles?|kits?)\s+(?:of\s+)?)?",
    re.IGNORECASE,
)
_TRAILING_COUNT = re.compile(r"(?:,|\btimes|\bx)\s*(?P<n>\d{1,2})\s*$", re.IGNORECASE)
_UNKNOWN = re.compile(r"\b(?:unknown|unspecified|undetermined|unstated)(?:\s+(?:quantity|qty|number|amount))?\b", re.IGNORECASE)


def read_strength(text: str) -> str | None:
    """The first strength as written, spaces tidied: "10/325mg", "7.5 mg", "5%", "4%-27.5%-0.0325%"."""
    match = _STRENGTH.search(text)
    return " ".join(match.group().split()) if match else None


def read_amount(text: str) -> str | None:
    """The package amount of a cream, gel or liquid: "240g", "120grams", "60 grams"."""
    match = _AMOUNT.search(text)
    return " ".join(match.group().lstrip("#").split()) if match else None


def read_quantity(text: str) -> int | None:
    """Units dispensed or ordered: "#60", "QTY: 60", "qty #60", "quantity of 60", "dispense 60", "No. 60", "60 tablets",
    "sixty (60) tablets", "NCV ..., 2", "MRI ... times 1"."""
    match = _QUANTITY.search(text) or _COUNT.search(text)
    if match:
        return number_value(match.group("n") or match.group("hash"))
    trailing = _TRAILING_COUNT.search(text)
    return int(trailing.group("n")) if trailing else None


def read_leading_count(prefix: str) -> int | None:
    """A count that is all of the text before the thing counted: "One (1) ", "One container of ", "a "."""
    match = _LEADING_COUNT.fullmatch(prefix)
    return number_value(match.group("n")) if match else None


def unknown_quantity(text: str) -> bool:
    """Whether the request says its quantity is unknown ("(unknown quantity)", "unspecified quantity")."""
    return _UNKNOWN.search(text) is not None


# --- frequency and refills ---------------------------------------------------------------------------------------

_TIMES = rf"(?:once|twice|thrice|{_NUM}\s*(?:-\s*{_NUM}\s*)?(?:x|times?))"
_FREQ_CORE = (
    r"(?:q\.?\s*\d+(?:\s*-\s*\d+)?\s*(?:h|hrs?|hours?)\b\.?"
    r"|every\s+\d+(?:\s*(?:-|to)\s*\d+)?\s+(?:hours?|hrs?)"
    r"|every\s+(?:morning|night|evening|day|other\s+day)"
    r"|\d+\s+hours?\s+on,?\s+(?:and\s+)?\d+\s+hours?\s+off"
    rf"|{_TIMES}\s*(?:a|per|each|/)\s*day|{_TIMES}\s+daily"
    r"|(?:b\.?i\.?d|t\.?i\.?d|q\.?i\.?d|q\.?d|q\.?h\.?s|h\.?s|q\.?a\.?m|q\.?p\.?m)\b\.?"
    r"|daily|nightly|at\s+(?:bed\s*time|night)|in\s+the\s+(?:morning|evening)|as\s+needed|p\.?r\.?n\b\.?)"
)
_DOSE_UNIT = r"(?:tab(?:let)?s?|cap(?:sule)?s?|patch(?:es)?|puffs?|pills?|sprays?|drops?)"
_ROUTE = r"(?:po|p\.o\.|by\s+mouth|orally|topically|sublingually)"
_FREQUENCY = re.compile(
    rf"(?:(?<![\w/.-])(?:{_NUM}(?:\s*-\s*{_NUM})?|half|1/2)\s*(?:{_DOSE_UNIT}\s+(?:{_ROUTE}\s+)?|{_ROUTE}\s+))?(?:{_ROUTE}\s+)?"
    rf"(?<![\w/]){_FREQ_CORE}(?:\s*(?:,\s*)?(?:prn|p\.r\.n\.|as\s+needed)(?:\s+for\s+\w+)?)?",
    re.IGNORECASE,
)
_REFILLS = re.compile(rf"\b(?P<n>{_NUM}|no)\s+refills?\b|\brefills?\s*:?\s*x?\s*(?P<after>\d+)\b", re.IGNORECASE)


@lru_cache(maxsize=16)
def read_frequency(text: str) -> str | None:
    """The dosing frequency as written: "BID", "every 8 hours", "1 tab po q6h prn", "one tablet twice daily". Kept for
    the last texts asked about: a drug request's frequency is read from its drug on, then from the whole request to
    take it out before the duration is read, the same text when the request starts with its drug (the expression
    tries an optional dose first at every place, which costs)."""
    match = _FREQUENCY.search(text)
    return " ".join(match.group().split()).strip(" ,") if match else None


def read_refills(text: str) -> int | None:
    """The number of refills: "with 1 refill", "2 refills", "Two refills of ...", "no refills"."""
    match = _REFILLS.search(text)
    if not match:
        return None
    return number_value(match.group("n") or match.group("after"))


# --- sessions and duration ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sessions:
    """Visits a therapy request asks for: total sessions, sessions per week and weeks as written ("2-3", "6-8")."""

    sessions: int | None
    per_week: str | None
    weeks: str | None


_RANGE = rf"(?P<{{0}}>{_NUM})(?:\s*(?:-|to)\s*(?P<{{0}}2>{_NUM}))?"
_PER_WEEK = re.compile(rf"\b{TIMES_A_WEEK}", re.IGNORECASE)
_WEEKS = re.compile(
    rf"\b(?:for|over|x|times|during)\s+(?:a\s+period\s+of\s+)?{_RANGE.format('wk')}\s*(?:weeks?|wks?)\b", re.IGNORECASE
)
_TIMES_BY = re.compile(
    rf"\b(?P<a>{_NUM})\s*(?:x|times)\s*(?P<b>{_NUM})\b(?!\s*(?:a|per|/)\s)(?!\s*(?:sessions?|visits?|treatments?)\b)",
    re.IGNORECASE,
)
_PAREN_COUNT = re.compile(r"\(\s*(?P<paren>\d+)[\s-]*(?:total\s+)?(?:sessions?|visits?|treatments?)?\s*\)", re.IGNORECASE)
_COUNT_OF = re.compile(
    rf"\b(?P<n>{_NUM})[\s-]*(?:\(\d+\)\s*)?(?:additional\s+|more\s+|further\s+)?"
    rf"(?:(?!(?:{_NUM}|times|x|a|per)\b)[a-z/-]+\s+){{0,3}}?(?:sessions?|visits?|treatments?)\b(?!\s*(?:a|per|/|each)\s*w)"
    r"|\b(?:sessions?|visits?|treatments?)\s*,\s*(?P<after>\d+)\b"
    r"|(?:\btimes|\bx|#)\s*(?P<times>\d+)\b(?!\s*(?:a|per|/)\s*(?:week|day))(?!\s*(?:weeks?|wks?|days?|months?|mos?)\b)",
    re.IGNORECASE,
)


def _range(match: re.Match[str], name: str) -> str:
    low = number_value(match.group(name))
    high = match.group(name + "2")
    return f"{low}-{number_value(high)}" if high else str(low)


def _count_match(text: str, start: int = 0) -> re.Match[str] | None:
    """The first session count written from `start`: "(8 sessions)", then "12 visits", "x6", "#6"."""
    return _PAREN_COUNT.search(text, start) or _COUNT_OF.search(text, start)


def _count(match: re.Match[str]) -> int | None:
    """The count a session-count match states."""
    groups = match.groupdict()
    return number_value(next(v for k, v in groups.items() if v is not None and k in {"paren", "n", "after", "times"}))


def read_sessions(text: str) -> Sessions:
    """Sessions × weeks: "2x4", "2-3 times a week for 6 weeks", "12 sessions", "x6", "(8 sessions)", "#6".

    Without an explicit count, the total is sessions per week × weeks, each at the top of its range ("1-2 times a week
    for 4 weeks" asks for up to 8 visits).
    """
    per_week = weeks = None
    match = _PER_WEEK.search(text)
    frequency = times_a_week(match) if match else None
    if frequency is not None:
        per_week = "-".join(f"{n:g}" for n in dict.fromkeys(frequency))
    match_weeks = _WEEKS.search(text)
    if match_weeks:
        weeks = _range(match_weeks, "wk")
    count_match = _count_match(text)
    if per_week is None and weeks is None:
        by = _TIMES_BY.search(text)
        if by:
            per_week, weeks = str(number_value(by.group("a"))), str(number_value(by.group("b")))
            if count_match and count_match.start() >= by.start() and count_match.re is _COUNT_OF and count_match.group("times"):
                count_match = _COUNT_OF.search(text, by.end())
    sessions = _count(count_match) if count_match else None
    if sessions == 1 and count_match is not None and not text[: count_match.start()].strip():
        # "1 chiropractic treatment 12 visits": the leading one counts the request; a count after it, the visits
        later = _count_match(text, count_match.end())
        if later is not None or (per_week and weeks):
            sessions = _count(later) if later is not None else None
    if sessions is None and per_week and weeks:
        sessions = round(float(per_week.rpartition("-")[2]) * int(weeks.rpartition("-")[2]))
    return Sessions(sessions, per_week, weeks)


_DURATION = re.compile(
    rf"(?:\b|(?<=\bx))(?P<n>{_NUM_OR_A})(?:\s*(?:-|to)\s*(?P<n2>{_NUM}))?[\s-]*(?P<unit>{TIME_UNIT})"
    r"(?:\s+(?:supply|rental|use|coverage|trial|stay))?",
    re.IGNORECASE,
)


def read_duration(text: str) -> str | None:
    """A supply, rental or stay length normalised to numerals: "3 months", "14 days", "7-10 days", "7 days use", "x7
    days"."""
    match = _DURATION.search(text)
    if not match:
        return None
    low = number_value(match.group("n"))
    high = match.group("n2")
    count = f"{low}-{number_value(high)}" if high else str(low)
    unit = time_unit(match.group("unit"))
    if high or low != 1:
        unit += "s"
    rest = match.group()[match.end("unit") - match.start() :].strip()
    return f"{count} {unit}" + (f" {rest}" if rest else "")


# --- spinal levels -----------------------------------------------------------------------------------------------

_SPINE = (("C", 7, 8), ("T", 12, 12), ("L", 5, 5), ("S", 5, 5))
"""The spine's parts from the top: each one's letter, its vertebrae and the highest level numbered in it (the cervical
spine has seven vertebrae and eight nerve roots, C8 leaving between C7 and T1)."""
_LEVEL_MAX = {part: highest for part, _, highest in _SPINE}
_LEVELS = re.compile(r"(?<![\w])(?P<p>[CTLS])\s?(?P<a>\d{1,2})(?:\s*(?:-|–|/|to)\s*(?P<q>[CTLS])?\s?(?P<b>\d{1,2}))?(?![\w])")


def read_levels(text: str) -> list[str]:
    """Spinal levels, normalised: "L4-5" -> "L4-L5", "C5-C6", "L5-S1", "L4"; impossible ones ("L9") are skipped."""
    levels: list[str] = []
    for match in _LEVELS.finditer(text):
        prefix, first = match.group("p"), int(match.group("a"))
        if not 1 <= first <= _LEVEL_MAX[prefix]:
            continue
        level = f"{prefix}{first}"
        if match.group("b"):
            second_prefix = match.group("q") or prefix
            second = int(match.group("b"))
            if not 1 <= second <= _LEVEL_MAX[second_prefix]:
                continue
            level += f"-{second_prefix}{second}"
        if level not in levels:
            levels.append(level)
    return levels


_VERTEBRA_OFFSET = {part: sum(count for _, count, _ in _SPINE[:rank]) for rank, (part, _, _) in enumerate(_SPINE)}
"""Where each spine part's numbering starts in one count down the spine (C1 is 1, T1 8, L1 20, S1 25); the C8 root,
which leaves between C7 and T1, falls at T1."""


def _position(level: str) -> int:
    return _VERTEBRA_OFFSET[level[0]] + int(level[1:])


def level_count(levels: list[str]) -> int:
    """How many levels `read_levels`' levels name: each joint level (motion segment) a span crosses once ("L3-S1" is
    L3-L4, L4-L5 and L5-S1: three; "L4-L5" with "L5-S1" two), and each single level named alone ("L4", "L5": two)."""
    segments: set[int] = set()
    singles = 0
    for level in levels:
        ends = level.split("-")
        if len(ends) == 1:
            singles += 1
            continue
        low, high = sorted(_position(end) for end in ends)
        segments.update(range(low, max(high, low + 1)))
    return len(segments) + singles


_LEVEL_COUNT = re.compile(rf"(?<![\w/.–-])(?P<n>{_NUM})[\s-]*levels?\b", re.IGNORECASE)


def read_level_count(text: str) -> int | None:
    """The number of levels a request states in words or figures ("(3 levels)", "three-level", "2 level"), or None."""
    match = _LEVEL_COUNT.search(text)
    return number_value(match.group("n")) if match else None


_DAYS_PER_UNIT = {"day": 1.0, "week": 7.0, "month": 30.0, "year": 365.0}
_NORMALISED_DURATION = re.compile(r"^(?P<low>\d+)(?:-(?P<high>\d+))?\s+(?P<unit>day|week|month|year)s?\b")


def duration_parts(duration: str | None) -> tuple[float, str] | None:
    """A duration as `read_duration` writes it, as (count, unit): "7 days use" (7, "day"), "7-10 days" (10, "day": the
    upper bound), "3 months rental" (3, "month"); None when it is none."""
    match = _NORMALISED_DURATION.match(duration or "")
    if not match:
        return None
    return float(match.group("high") or match.group("low")), match.group("unit")


def duration_days(duration: str | None) -> float | None:
    """The length in days of a duration as `read_duration` writes it, or None."""
    parts = duration_parts(duration)
    return parts[0] * _DAYS_PER_UNIT[parts[1]] if parts else None
