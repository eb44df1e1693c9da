"""Dates and durations in clinical text: "12/15/2011", "1/5/16", "January 5, 2016", "1/2016", "2015", "since at
least 2014", "for 6 months", "for over a year", "since the date of injury", "chronically".

Partial dates resolve to their first day ("1/2016" is 2016-01-01, "2015" is 2015-01-01) and say how precise they are,
so a caller can tell "since 2015" from "since 3/4/2015".
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from openimr.evidence.numbers import NUMBER_OR_A, TIME_UNIT, number_value, time_unit
from openimr.knowledge.terms import WordStartPattern, reads_as_ascii, regex_fold
from openimr.model import DatePrecision, last_day

__all__ = [
    "MONTH_NAMES",
    "DatePrecision",
    "Duration",
    "DurationKind",
    "FoundDate",
    "date_before",
    "find_dates",
    "find_durations",
    "find_event_dates",
    "parse_date",
    "report_frame_end",
]


@dataclass(frozen=True, slots=True)
class FoundDate:
    """A date written in a text, with its offsets (end exclusive) and precision."""

    date: dt.date
    start: int
    end: int
    precision: DatePrecision


_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
MONTH_NAMES = frozenset(_MONTHS)
"""Month names and their abbreviations, lower case ("september", "sep", "sept")."""
_MONTH_NAME = "|".join(sorted(_MONTHS, key=len, reverse=True))
_MEASURE_UNIT = (
    r"mg|mcg|ug|g|ml|cc|units?|IU|%|percent|kcal|calories?|steps|feet|ft|yards?|yds?|meters?|m|lbs?|pounds|kg|hours?|hrs?"
    r"|minutes?|mins?|seconds?|times|pills|tablets?|tabs?|capsules?"
)
"""Units after a four-digit number that make it a quantity, not a year ("2000 mg", "1950 feet")."""

_DATE = WordStartPattern.compile(
    r"\w/.-",
    rf"""
    (?:
        (?P<m>\d{{1,2}})(?P<sep>[/.-])(?P<d>\d{{1,2}})(?P=sep)(?P<y>\d{{4}}|\d{{2}})  # 12/15/2011, 1/5/16 (not 7-8/10)
      | (?P<iy>\d{{4}})-(?P<im>\d{{2}})-(?P<id>\d{{2}})                          # 2016-01-05
      | (?P<mn>{_MONTH_NAME})\.?\s+(?P<md>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<my>\d{{4}})   # January 5, 2016
      | (?P<dd>\d{{1,2}})\s+(?P<dmn>{_MONTH_NAME})\.?,?\s+(?P<dy>\d{{4}})         # 5 January 2016
      | (?P<ymn>{_MONTH_NAME})\.?,?\s+(?:of\s+)?(?P<yy>\d{{4}})                  # January 2016
      | (?P<pm>\d{{1,2}})/(?P<py>\d{{4}})                                        # 1/2016
      | (?P<year>(?:19|20)\d{{2}})(?!\s*(?:{_MEASURE_UNIT})\b)                    # 2015 (not "2000 mg")
    )
    (?![\w/]|[.-]\d)
    """,
    re.IGNORECASE | re.VERBOSE,
)

_DIGIT = re.compile(r"\d")
"""Every form of `_DATE` has a digit: a text without one holds no date, and is not searched (the search tries the
expression at every place of the text)."""


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 70 else 1900
    return year


def _build(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _resolve(match: re.Match[str]) -> tuple[dt.date | None, DatePrecision]:
    g = match.group
    if g("m"):
        return _build(_year(g("y")), int(g("m")), int(g("d"))), DatePrecision.DAY
    if g("iy"):
        return _build(int(g("iy")), int(g("im")), int(g("id"))), DatePrecision.DAY
    if g("mn"):
        return _build(int(g("my")), _MONTHS[regex_fold(g("mn"))], int(g("md"))), DatePrecision.DAY
    if g("dmn"):
        return _build(int(g("dy")), _MONTHS[regex_fold(g("dmn"))], int(g("dd"))), DatePrecision.DAY
    if g("ymn"):
        return _build(int(g("yy")), _MONTHS[regex_fold(g("ymn"))], 1), DatePrecision.MONTH
    if g("pm"):
        return _build(int(g("py")), int(g("pm")), 1), DatePrecision.MONTH
    return _build(int(g("year")), 1, 1), DatePrecision.YEAR


_PRECISIONS = (DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR)
"""Date precisions, finest first: `find_dates` keeps those up to its `min_precision`."""


@lru_cache(maxsize=32)
def _dates_in(text: str) -> tuple[FoundDate, ...]:
    """Every valid date in `text`, whatever its precision, in reading order: one scan of a text, kept for the last texts
    asked about (the readers of a sentence each ask for its dates: its report frame, its events, a medication's start)."""
    if _DIGIT.search(text) is None:
        return ()
    found = []
    for match in _DATE.ascii_twin(reads_as_ascii(text)).matches(text):
        date, precision = _resolve(match)
        if date is not None:
            found.append(FoundDate(date, match.start(1), match.end(1), precision))
    return tuple(found)


def find_dates(text: str, min_precision: DatePrecision = DatePrecision.YEAR) -> list[FoundDate]:
    """Every valid date in `text`, in reading order; impossible dates ("13/45/2016") are skipped.

    `min_precision` drops vaguer dates: `DatePrecision.DAY` keeps only full dates.
    """
    limit = _PRECISIONS.index(min_precision)
    return [found for found in _dates_in(text) if _PRECISIONS.index(found.precision) <= limit]


_REPORT_NOUN = r"(?:reports?|notes?|evaluations?|visits?|examinations?|exams?|records?|consultations?|PR-?2s?|RFAs?|letters?)"
_REPORTING_VERB = (
    r"(?:noted|notes|reported|reports|documented|documents|stated|states|indicated|indicates|wrote|writes|recorded"
    r"|observed|described|describes|commented|explained|opined|found)"
)
_REPORTER = (
    r"(?:physician|provider|doctor|surgeon|clinician|therapist|chiropractor|examiner|PTP|PA|NP|Dr\.?\s+\w+"
    r"|injured\s+worker|patient|claimant|IW|he|she)"
)
_REPORT_OPENING = re.compile(
    r"^\W*(?:per|according\s+to|in|on\s+review\s+of)\s+(?:the\s+|a\s+|an\s+|his\s+|her\s+)?(?:[\w/-]+\s+){0,4}?"
    rf"{_REPORT_NOUN}\s+(?:dated|of|from|on)\s+",
    re.IGNORECASE,
)
_VISIT_OPENING = re.compile(r"^\W*(?:on|dated)\s+", re.IGNORECASE)
_VISIT_REPORTED = re.compile(
    rf",?\s+(?:the\s+|his\s+|her\s+)?(?:[\w-]+\s+){{0,3}}?{_REPORTER}\s+(?:also\s+)?{_REPORTING_VERB}\b", re.IGNORECASE
)


_STUDY_WORD = (
    r"(?:MRI|MRA|CT|EMG|NCV|NCS|EDS?|x-?rays?|radiographs?|imaging|ultrasound|scan|studies|study|arthrogram|operative"
    r"|op|surgical|procedure|pathology|lab|labs|laboratory|toxicology|UDS|UDT)\b"
)
_REPORT_SUBJECT = re.compile(
    rf"^\W*(?:the\s+|a\s+|an\s+|his\s+|her\s+)?(?:(?!{_STUDY_WORD})[\w/-]+\s+){{0,3}}?{_REPORT_NOUN}\s+(?:dated|of|from)\s+",
    re.IGNORECASE,
)
"""A clinical report as the subject of the sentence ("The PR-2 dated ...", "The orthopedic progress note of ..."); not
the report of a study or an operation, whose date is the study's or the operation's."""
_HEADER_OPENING = re.compile(
    r"^\W*(?:(?:date\s+of\s+(?:service|visit|exam(?:ination)?|evaluation|report|injury)|(?:visit|exam|service|report|injury)\s+date"
    r"|DOS|DOE|DOI)\b"
    rf"|(?:(?!{_STUDY_WORD})[\w/-]+\s+){{0,4}}?(?:(?:re-?)?{_REPORT_NOUN}|follow[\s-]?up|f/u|re-?evaluation|re-?check)"
    r"(?:\s+(?:dated|of|on))?)\s*[:#=-]?\s*",
    re.IGNORECASE,
)
"""A document header or field line opening the sentence, its date right after it ("Date of service: 3/4/2016",
"DOS 3/4/16", "PTP progress report 09/15/2015", "Follow-up visit: 3/2/2016", "Orthopedic re-evaluation dated 3/4/2016",
"DOI: 5/2/2014"), on its own line or run into the note's first words with no full stop between: it dates the note, not
what the note states. Not the report of a study or an operation, whose date is the study's or the operation's."""
_SUBJECT_REPORTED = re.compile(rf",?\s+(?:also\s+)?{_REPORTING_VERB}\b(?:\s+that\b)?", re.IGNORECASE)


_HEADER_END = re.compile(
    r"[ \t.:)\]-]*\n"
    r"|\s*(?:[:;-]\s*\S|(?:[,.]\s*)?(?:[A-Z(]|s/p\b|status\s+post\b|[a-z]+\s+(?:is|was|has|had|underwent|presents?|returns?)\b))"
)
"""What follows a header's date: the end of its line, or a new statement run into it ("... 3/4/2016 She is", "...
3/4/16: s/p ..."); not more of a sentence the date belongs to ("Progress report 3/4/2016 and 4/1/2016 reviewed")."""


def _report_frame(sentence: str, found: list[FoundDate]) -> tuple[FoundDate, int] | None:
    """The date of a reporting frame opening the sentence and where the frame ends, if it opens with one: a note's
    heading on its own line ("PTP progress report 09/15/2015"), "Per the report dated 3/2/2016," (to the date), "On
    3/2/2016, the physician noted" and "The PR-2 dated 3/2/2016 states" (to the reporting verb)."""
    first = found[0] if found else None
    if first is None:
        return None
    report = _REPORT_OPENING.match(sentence)
    if report is not None and report.end() == first.start:
        return first, first.end
    visit = _VISIT_OPENING.match(sentence)
    if visit is not None and visit.end() == first.start:
        reported = _VISIT_REPORTED.match(sentence, first.end)
        if reported is not None:
            return first, reported.end()
    subject = _REPORT_SUBJECT.match(sentence)
    if subject is not None and subject.end() == first.start:
        reported = _SUBJECT_REPORTED.match(sentence, first.end)
        if reported is not None:
            return first, reported.end()
    if _HEADER_OPENING.fullmatch(sentence, 0, first.start) and _HEADER_END.match(sentence, first.end):
        return first, first.end
    return None


def _report_date(sentence: str, found: list[FoundDate]) -> FoundDate | None:
    """The date of a reporting frame opening the sentence, if it opens with one."""
    frame = _report_frame(sentence, found)
    return frame[0] if frame else None


def report_frame_end(sentence: str) -> int:
    """Where a reporting frame opening the sentence ends (0 when none opens it): what follows is what the report
    says, and the frame's own words ("dated", "noted") say nothing of it."""
    frame = _report_frame(sentence, find_dates(sentence))
    return frame[1] if frame else 0


def find_event_dates(
    sentence: str, min_precision: DatePrecision = DatePrecision.YEAR, report_if_alone: bool = False
) -> list[FoundDate]:
    """The dates a sentence gives for what it states: every date but that of a reporting frame opening it ("Per the
    report dated 10/12/2016, ...", "On 10/12/2016, the physician noted that ..."), which dates the report, not what
    the report says happened. With `report_if_alone`, the report's date when it is the only one (what it reports
    happened by then)."""
    found = find_dates(sentence, min_precision)
    report = _report_date(sentence, found)
    events = [d for d in found if d is not report]
    return found if report_if_alone and not events else events


def date_before(
    text: str, position: int, window: int = 600, min_precision: DatePrecision = DatePrecision.DAY
) -> FoundDate | None:
    """The last date written before `position`, looking back at most `window` characters: the date of the note or
    visit a finding was written under ("On 3/2/2016, exam showed spasm")."""
    start = max(0, position - window)
    found = find_dates(text[start:position], min_precision)
    if not found:
        return None
    last = found[-1]
    return FoundDate(last.date, last.start + start, last.end + start, last.precision)


def parse_date(text: str) -> dt.date | None:
    """The first full date (day precision) in `text`, or None."""
    found = find_dates(text, DatePrecision.DAY)
    return found[0].date if found else None


# --- durations ---------------------------------------------------------------------------------------------------

# Vague counts read as a small number, so "for several months" is a duration of about three months.
_VAGUE = {"several": 3, "a few": 3, "few": 3, "many": 5}
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}
_NUMBER = rf"(?:\d+\.\d+|a\s+few|several|few|many|{NUMBER_OR_A})"
_UNIT = rf"(?P<unit>{TIME_UNIT})"

_SINCE_DATE = re.compile(r"\bsince\s+(?:at\s+least\s+|as\s+early\s+as\s+|about\s+|approximately\s+|around\s+)?", re.IGNORECASE)
_AMOUNT = rf"(?P<n>{_NUMBER})(?:\s*(?:-|to)\s*(?P<n2>{_NUMBER}))?\s*\+?\s*{_UNIT}"
"""A length of time: a number or a range of them, and its unit ("6 weeks", "two to three months", "4+ mo")."""
_FOR_SPAN = re.compile(
    rf"\b(?:for|over|x|times|past|last|lasting|lasted|in\s+the\s+(?:past|last))\s+(?:the\s+)?(?:past\s+|last\s+|prior\s+|previous\s+)?"
    rf"(?:(?P<lower>at\s+least\s+|over\s+|more\s+than\s+|greater\s+than\s+)"
    rf"|approximately\s+|approx\.?\s+|about\s+|around\s+|roughly\s+|almost\s+|nearly\s+|close\s+to\s+|some\s+|~\s*)?"
    rf"{_AMOUNT}\b",
    re.IGNORECASE,
)
_APPOSED_SPAN = re.compile(
    rf"(?:,|\(|--?|\u2014)\s*(?:approximately|approx\.?|about|around|roughly|almost|nearly|some|~)\s*{_AMOUNT}\b"
    r"(?!\s+(?:ago|earlier|later|prior|before|after|post|out|into|from|since)\b)",
    re.IGNORECASE,
)
"""A length set beside what it measures, estimated ("relief that lasted until early February, about ten weeks",
"(roughly 3 months)"); not a time ago or after ("about two weeks ago", "about 6 weeks post-op")."""
_OF_RELIEF = re.compile(
    rf"\b{_AMOUNT}(?:'s?)?\s+of\s+(?:\w+\s+)?(?:relief|benefit|improvement)\b",
    re.IGNORECASE,
)
"""How long a treatment's effect lasted, stated before it ("4 months of relief", "six weeks of good benefit")."""
_LAST_UNIT = re.compile(rf"\b(?:over|for|in|during|within)\s+the\s+(?:past|last|previous|prior)\s+{_UNIT}\b", re.IGNORECASE)
_AGO = re.compile(rf"\b(?P<n>{_NUMBER})\s+{_UNIT}\s+ago\b", re.IGNORECASE)
_SINCE_INJURY = re.compile(
    r"\bsince\s+(?:(?:the|his|her|their|this)\s+)?"
    r"(?:date\s+of\s+(?:the\s+)?injury|(?:industrial\s+|work\s+|original\s+)?injury|DOI|accident)\b",
    re.IGNORECASE,
)
_CHRONIC = re.compile(
    r"\b(?:chronically|long[\s-]term|long[\s-]standing|on\s+a\s+chronic\s+basis|for\s+(?:many\s+|several\s+)?years)\b",
    re.IGNORECASE,
)


class DurationKind(StrEnum):
    """What a duration phrase says."""

    SINCE_DATE = "since_date"
    SPAN = "span"
    BOUNDED = "bounded"
    AGO = "ago"
    SINCE_INJURY = "since_injury"
    CHRONIC = "chronic"


@dataclass(frozen=True, slots=True)
class Duration:
    """A since-when or how-long phrase: its offsets, approximate start date and length in days (when known).

    `at_least` is true when the text gives a lower bound ("since at least 2014", "for over a year", "chronically").
    """

    kind: DurationKind
    start: int
    end: int
    since: dt.date | None
    days: int | None
    at_least: bool


def _number(text: str) -> float:
    key = " ".join(text.lower().split())
    if key in _VAGUE:
        return float(_VAGUE[key])
    value = number_value(key)
    return float(value) if value is not None else float(key)


def _back(reference: dt.date | None, days: int) -> dt.date | None:
    return reference - dt.timedelta(days=days) if reference else None


def find_durations(text: str, reference: dt.date | None = None, injury: dt.date | None = None) -> list[Duration]:
    """Since-when and how-long phrases in `text`, in reading order.

    `reference` is the date the text speaks from (the UR decision date); durations are counted back from it.
    `injury` is the date of injury, used for "since the date of injury". Without them, the dates stay None and only
    the lengths are known.
    """
    found: list[Duration] = []
    for match in _SINCE_DATE.finditer(text):
        dates = find_dates(text[match.end() : match.end() + 40])
        if dates and dates[0].start == 0:
            start_date = dates[0].date
            # "since 2014" may mean as late as 2014-12-31: the time since it is at least the time since that day
            imprecise = dates[0].precision is not DatePrecision.DAY
            lower_bound = imprecise or "least" in match.group().lower() or "early" in match.group().lower()
            least = (reference - last_day(start_date, dates[0].precision)).days if reference else None
            elapsed = least if least is None or least > 0 else None
            end = match.end() + dates[0].end
            found.append(Duration(DurationKind.SINCE_DATE, match.start(), end, start_date, elapsed, lower_bound))
    for match in (*_FOR_SPAN.finditer(text), *_OF_RELIEF.finditer(text), *_APPOSED_SPAN.finditer(text)):
        days = round(_number(match.group("n2") or match.group("n")) * _UNIT_DAYS[time_unit(match.group("unit"))])
        lower = bool(match.groupdict().get("lower"))
        found.append(Duration(DurationKind.SPAN, match.start(), match.end(), _back(reference, days), days, lower))
    for match in _LAST_UNIT.finditer(text):
        days = _UNIT_DAYS[time_unit(match.group("unit"))]
        found.append(Duration(DurationKind.SPAN, match.start(), match.end(), _back(reference, days), days, False))
    for match in _AGO.finditer(text):
        days = round(_number(match.group("n")) * _UNIT_DAYS[time_unit(match.group("unit"))])
        found.append(Duration(DurationKind.AGO, match.start(), match.end(), _back(reference, days), days, False))
    for match in _SINCE_INJURY.finditer(text):
        elapsed = (reference - injury).days if reference and injury else None
        found.append(Duration(DurationKind.SINCE_INJURY, match.start(), match.end(), injury, elapsed, False))
    for match in _CHRONIC.finditer(text):
        found.append(Duration(DurationKind.CHRONIC, match.start(), match.end(), None, None, True))
    found += _bounded_spans(text, reference)
    found.sort(key=lambda d: d.start)
    return found


_BARE_MONTH = re.compile(
    rf"(?<![\w/.])(?<!\d-)(?P<named>{'|'.join(m for m in _MONTHS if len(m) > 4)}|June|July"
    r"|(?-i:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?))"
    r"(?![\w/]|\.?,?\s+(?:of\s+)?\d)",
    re.IGNORECASE,
)
"""A month named without its year ("in April", "until mid-July"): the latest such month the text can mean. Written
short, only capitalized ("Dec", "May": in lower case a word, "dec" for decreased, "may" the verb); not a month a
year or a day follows (`find_dates` reads those)."""
_UNTIL = re.compile(
    r"\b(?:until|till|til|through|thru|up\s+to)\s+(?:(?:about|around|approximately|roughly|the\s+(?:end|middle|beginning)"
    r"\s+of|early|mid|late)[\s-]+)?",
    re.IGNORECASE,
)
"""The word that closes a span at a date or an event ("until July", "through the end of 8/2016", "up to early March")."""
_FROM_TO = re.compile(r"\s*(?:to|-|\u2013)\s*(?:(?:early|mid|late|the\s+(?:end|middle|beginning)\s+of)[\s-]+)?", re.IGNORECASE)
"""The word between the two bounds of "from March to July", "from 3/2016 - 8/2016"."""
_FROM = re.compile(r"\bfrom\s+(?:(?:early|mid|late|the\s+(?:end|middle|beginning)\s+of)[\s-]+)?$", re.IGNORECASE)
_FROM_WORD = re.compile(r"\bfrom\b", re.IGNORECASE)
"""What `_FROM` needs somewhere in a text before any bound can open a span "from ... to"."""
_UNTIL_NOW = re.compile(
    r"(?:recently|now|the\s+present|presently|today|this\s+(?:visit|week|month)|(?:the\s+)?last\s+(?:visit|few\s+weeks))\b",
    re.IGNORECASE,
)
"""An end that is the time the note speaks from ("until recently", "until now", "until the last visit")."""


_PART = re.compile(
    r"\b(?:(?P<early>early|beginning\s+of)|(?P<mid>mid|middle\s+of)|(?P<late>late|end\s+of))[\s-]*(?:the\s+)?$",
    re.IGNORECASE,
)
"""The part of a month a span's bound names ("mid-March", "the end of April", "early 8/2016")."""


@dataclass(frozen=True, slots=True)
class _Bound:
    """A date or a month named without its year, where the text writes it; for a month, the part of it the text
    names ("early", "mid", "late"; None for the month as a whole)."""

    date: dt.date | None
    month: int
    start: int
    end: int
    precision: DatePrecision
    part: str | None


def _part_before(text: str, start: int) -> str | None:
    found = _PART.search(text, max(0, start - 20), start)
    return found.lastgroup if found is not None else None


def _bounds(text: str) -> list[_Bound]:
    """The dates and the bare months of `text`, in reading order (a year alone is too vague to bound a span; the date
    of a reporting frame opening the text dates the report, not what it reports)."""
    frame = report_frame_end(text)
    dates = [
        _Bound(d.date, d.date.month, d.start, d.end, d.precision, _part_before(text, d.start))
        for d in find_dates(text, DatePrecision.MONTH)
        if d.start >= frame
    ]
    taken = [(d.start, d.end) for d in find_dates(text)]
    months = [
        _Bound(
            None,
            _MONTHS[regex_fold(m.group("named").rstrip("."))],
            m.start(),
            m.end(),
            DatePrecision.MONTH,
            _part_before(text, m.start()),
        )
        for m in _BARE_MONTH.finditer(text)
        if not any(start <= m.start() < end for start, end in taken)
    ]
    return sorted(dates + months, key=lambda bound: bound.start)


def _month_on_or_before(month: int, latest: dt.date) -> dt.date:
    """The first day of the latest `month` on or before `latest`'s month."""
    return dt.date(latest.year if month <= latest.month else latest.year - 1, month, 1)


class _Precision(StrEnum):
    """How precisely one end of a span is known: a day, a month as a whole, or the part of a month the text names."""

    DAY = "day"
    MONTH = "month"
    PART = "part"


@dataclass(frozen=True, slots=True)
class _End:
    """One end of a span: the day it stands for, how precisely, and where the text writing it closes."""

    day: dt.date
    precision: _Precision
    close: int


def _end_of(bound: _Bound, latest: dt.date | None) -> _End | None:
    """The day a bound stands for: a bare month is the latest one on or before `latest` (unknown without it); a part of
    a month is its first, fifteenth or last day; a month as a whole its first day."""
    if bound.date is not None:
        first = bound.date
    elif latest is not None:
        first = _month_on_or_before(bound.month, latest)
    else:
        return None
    if bound.precision is DatePrecision.DAY:
        return _End(first, _Precision.DAY, bound.end)
    if bound.part is None:
        return _End(first, _Precision.MONTH, bound.end)
    day = {"early": first, "mid": first.replace(day=15), "late": last_day(first, DatePrecision.MONTH)}[bound.part]
    return _End(day, _Precision.PART, bound.end)


_DATED_EVENT = re.compile(r"(?:(?:a|an|the|his|her|their)\s+)?(?:[\w-]+\s+){0,4}?(?:in|on|of)\s+", re.IGNORECASE)
"""An event the text dates, closing a span ("until a fall in July", "until the flare-up of 8/2016")."""


def _span_end(text: str, at: int, bounds: list[_Bound], reference: dt.date | None) -> _End | None:
    """The end of a span written at `at`: a date, a month, an event it dates, "recently" or "N weeks ago" (the last two
    counted from `reference`)."""
    event = _DATED_EVENT.match(text, at)
    dated = {at, event.end()} if event is not None else {at}
    bound = next((b for b in bounds if b.start in dated), None)
    if bound is not None:
        return _end_of(bound, reference)
    if reference is None:
        return None
    if (now := _UNTIL_NOW.match(text, at)) is not None:
        return _End(reference, _Precision.DAY, now.end())
    if (ago := _AGO.match(text, at)) is not None:
        days = round(_number(ago.group("n")) * _UNIT_DAYS[time_unit(ago.group("unit"))])
        return _End(reference - dt.timedelta(days=days), _Precision.DAY, ago.end())
    return None


def _bounded_spans(text: str, reference: dt.date | None) -> list[Duration]:
    """Spans written by their two ends: a date or month (the treatment's, or "since April") and a later one the text
    closes with "until" ("relief since the injection in April until recently", "good relief from 3/2016 until 8/2016",
    "from mid-March to the end of April", "until two weeks ago"). A bare month is the latest one before the end (or
    before `reference`, the date the text speaks from); with a whole month at either end the span counts whole months
    (from the first of each month, but for a part of a month the text names)."""
    ends = [(m.start(), m.end()) for m in _UNTIL.finditer(text)]
    if not ends and _FROM_WORD.search(text) is None:
        return []  # a span needs "until" or "from ... to" (most texts hold neither: their dates are not read again)
    bounds = _bounds(text)
    for bound in bounds:
        between = _FROM_TO.match(text, bound.end)
        if between is not None and _FROM.search(text, 0, bound.start):
            ends.append((bound.end, between.end()))
    found: list[Duration] = []
    for opening, at in ends:
        starts = [b for b in bounds if b.end <= opening]
        last = _span_end(text, at, bounds, reference)
        first = _end_of(starts[-1], last.day) if starts and last is not None else None
        if first is None or last is None:
            continue
        begun, ended = first.day, last.day
        if _Precision.MONTH in (first.precision, last.precision):
            begun = begun if first.precision is _Precision.PART else begun.replace(day=1)
            ended = ended if last.precision is _Precision.PART else ended.replace(day=1)
        if ended > begun:
            found.append(Duration(DurationKind.BOUNDED, starts[-1].start, last.close, begun, (ended - begun).days, False))
    return found


_INJURY_CUE = re.compile(
    r"\b(?:DOI|D/I|date\s+of\s+(?:the\s+)?(?:industrial\s+|original\s+|work\s+)?injury|injury\s+date"
    r"|(?:industrial|work[\s-]related|occupational|specific|cumulative(?:\s+trauma)?|work(?:place)?|original)\s+injur(?:y|ies)"
    r"|(?:was|were|got|became)\s+injured|injured\s+(?:\w+\s+){0,3}?(?:at\s+work|on\s+the\s+job|while)"
    r"|(?:was|got)\s+hurt\s+(?:at\s+work|on\s+the\s+job))\b",
    re.IGNORECASE,
)
_CLAUSE_STOP = re.compile(r"[;\n]|\.\s")
"""Where the words after the injury stop speaking of it: the end of the sentence or clause."""


def injury_date_in(text: str, before: dt.date | None = None) -> FoundDate | None:
    """The date of injury a text states ("sustained an industrial injury on 5/2/2014", "DOI 05/02/14", "Date of
    injury: 5/2/2014", "was injured at work in May 2014"): the first date within the clause after the words naming the
    injury, of month precision at least, not after `before` (the UR decision)."""
    for cue in _INJURY_CUE.finditer(text):
        window = text[cue.end() : cue.end() + 80]
        stop = _CLAUSE_STOP.search(window)
        found = find_dates(window[: stop.start() if stop else len(window)], DatePrecision.MONTH)
        if found and (before is None or found[0].date <= before):
            return FoundDate(found[0].date, found[0].start + cue.end(), found[0].end + cue.end(), found[0].precision)
    return None
