"""Treatment the worker has already had (therapy courses, injections, conservative care) and how many sessions.

Sentences about the request or the UR decision are skipped ("physical therapy 2 x 4 was requested" is not a course
already done), and a plan is a planned fact, not a course given (ConText), as is care a note's plan section names
("Plan: 1. Acupuncture 6 sessions"), unless its sentence speaks of care under way ("continue physical therapy")."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from openimr.evidence.dates import find_dates, report_frame_end
from openimr.evidence.numbers import TIMES_A_WEEK, count_after, number_value, times_a_week
from openimr.evidence.terms import Candidate, find_terms
from openimr.evidence.text import plan_section, split_sentences
from openimr.evidence.wording import CLINICAL, UNDER_WAY
from openimr.knowledge.terms import anchored_search
from openimr.model import Case

_COUNT = r"\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|eighteen|twenty|twenty-four"
_SESSIONS = re.compile(
    rf"\b(?P<n>{_COUNT})"
    r"\s*(?:\(\d{1,2}\)\s*)?(?:\w+\s+){0,3}?(?:sessions|visits|treatments)\b"
    rf"|\b(?P<block>{_COUNT})[\s-](?:session|visit|treatment)\s+(?:[\w-]+\s+){{0,2}}?(?:trial|course|block|series|program)\b"
    r"|\b(?:sessions|visits|treatments)\s+#?\s*1\s*(?:-|to|through|thru)\s*#?\s*(?P<through>\d{1,2})\b(?![/.:]\d)"
    r"|\b(?:sessions|visits)\s*(?:(?:completed|attended|done|received|had)\b\s*)?(?:(?:to\s+date|so\s+far|thus\s+far)"
    r"\b\s*)?(?:[:=#-]\s*|(?:was|were|is|are|totals?|totaled|totalled)\s+)"
    rf"(?P<tally>{_COUNT})\b(?![/.:]\d|\s*(?:x\b|times|per\b|a\s+week))"
    r"|\bx\s*(?P<times>\d{1,2})\s+(?:sessions\s+|visits\s+)?(?:completed|attended|done|to\s+date|so\s+far)\b"
    r"|\b(?:completed|had|received|attended|underwent|undergone|finished|s/p|status\s+post|after)\s+(?:\w+\s+){0,3}?"
    r"x\s*(?P<given>\d{1,2})\b(?!\s*(?:[/.]\d|per\b|a\s+week|(?:times\s+)?(?:weekly|wks?|weeks?|days?|months?|mos?)\b))"
    r"|\b(?:session|visit|treatment)\s+(?:#\s*|no\.\s*)?(?P<nth>\d{1,2})(?:\s+of\s+\d{1,2}\b|(?![\w/)-]|[.:]\d|\s*(?:x\b|times"
    r"|per\b|a\s+week|days?|weeks?|wks?|months?|mos?|visits?|sessions?)))",
    re.IGNORECASE,
)
"""The sessions a sentence says were had: "6 visits", "eight (8) PT sessions", a course named by its size ("a 6-visit
trial", "a twelve-session course"), or the one a note is of ("session 4 of
4", "visit #6 of 6", "progress note, visit 12"), the range of them told from the first ("sessions 1-6", "visits 1
through 8"), the tally a note keeps ("sessions completed: 4", "visits to date - 6",
"CBT x4 completed", "completed initial acupuncture x6"); not a date, a time or a frequency ("visit 12/15", "session
2x a week")."""
_TOTAL = re.compile(
    rf"\btotal\s+of\s+(?P<n>{_COUNT})\s+(?:\w+\s+){{0,3}}?(?:sessions|visits|treatments)\b"
    rf"|\b(?P<counted>{_COUNT})\s+(?:total\s+(?:\w+\s+){{0,3}}?(?:sessions|visits|treatments)"
    r"|(?:\w+\s+){0,3}?(?:sessions|visits|treatments)\s+(?:in\s+(?:total|all)|total))\b",
    re.IGNORECASE,
)
"""The total a sentence gives for a course ("for a total of 18 visits", "12 sessions in all", "24 total visits"): the
course, whatever blocks the sentence tells it in."""
_MORE = re.compile(
    rf"\b(?P<n>{_COUNT})\s+(?:more|further|additional|subsequent)\s+(?:\w+\s+){{0,2}}?(?:sessions|visits|treatments)\b"
    r"(?![^,;.]*\b(?:request\w*|recommend\w*|plan\w*|authoriz\w*|certif\w*|approv\w*|will|would|to\s+be)\b)",
    re.IGNORECASE,
)
"""A further block of the same course told as had ("six visits, followed by 12 further visits"), not one asked for or
planned ("... and 6 more visits are recommended"): its sessions add to the course's."""


_NTH_OF = re.compile(
    r"(?<!last\s)(?<!next\s)(?<!previous\s)(?<!prior\s)\b(?:session|visit|treatment|tx)\s+(?:#\s*|no\.\s*)?(?P<nth>\d{1,2})\s*/\s*(?P<planned>\d{1,2})\b(?![/.:-]\d)",
    re.IGNORECASE,
)
"""The visit a therapy note is of, over the visits planned, as notes tally them ("visit 8/12", "session #6/6"); read
by `_nth_of`, as "visit 12/15" may also be a visit's date; not the visit before or after the note's ("since the last
visit 3/10" may give a pain score)."""
_DATED_WITHIN = dt.timedelta(days=120)
"""How far before the note a visit it dates may lie ("last visit 3/10" in a note of April): a month and day that fall
within it read as a date, not a tally."""


def _nth_of(sentence: str, as_of: dt.date | None) -> int | None:
    """The visit of a tally "visit N/M" (`_NTH_OF`): N, when it is at most M and N/M, read as a month and a day, is no
    date of the weeks before the note (`as_of`: its date, else the UR decision's; unknown, no tally is read), nor of
    the days just after it."""
    found = anchored_search(_NTH_OF, sentence)
    if found is None or as_of is None:
        return None
    nth, planned = int(found["nth"]), int(found["planned"])
    if not 0 < nth <= planned:
        return None
    for year in (as_of.year - 1, as_of.year):
        try:
            date = dt.date(year, nth, planned)
        except ValueError:
            continue
        if -dt.timedelta(days=7) <= as_of - date <= _DATED_WITHIN:
            return None
    return nth


def _sessions_had(sentence: str, as_of: dt.date | None = None) -> int | None:
    """The sessions of the course a sentence tells of: the total it states, else its first count (`_SESSIONS`) and the
    further blocks it tells after that one (`_MORE`), else the tally of a note of `as_of` ("visit 8/12": `_nth_of`),
    else the sessions of a course told by length and frequency."""
    total = anchored_search(_TOTAL, sentence)
    if total is not None:
        return number_value(total["n"] or total["counted"])
    sessions = anchored_search(_SESSIONS, sentence)
    if sessions is None:
        nth = _nth_of(sentence, as_of)
        return nth if nth is not None else _course_sessions(sentence)
    first = number_value(next(n for n in sessions.groups() if n))
    more = sum(number_value(block["n"]) or 0 for block in _MORE.finditer(sentence, sessions.end()))
    return None if first is None else first + more


_FREQUENCY = rf"\b{TIMES_A_WEEK}"
_LENGTH = rf"(?P<length>{_COUNT})\s+(?P<unit>weeks?|wks?|months?|mos?)\b"
_COURSES = (
    re.compile(rf"\b{_LENGTH}\s+of\s+(?:\w+\s+){{0,2}}?{_FREQUENCY}", re.IGNORECASE),
    re.compile(rf"\b{_FREQUENCY}\s+(?:\w+\s+){{0,4}}?(?:for|over)\s+(?:the\s+(?:past|last)\s+)?{_LENGTH}", re.IGNORECASE),
)
"""A course told by how long and how often it ran ("after 3 months of weekly therapy", "seen twice a week for the
past six weeks"): as many sessions as weeks times sessions a week."""


def _course_sessions(sentence: str) -> int | None:
    """The sessions a course told by its length and frequency comes to, or None."""
    course = next((found for pattern in _COURSES if (found := anchored_search(pattern, sentence))), None)
    length = number_value(course["length"]) if course else None
    if course is None or length is None:
        return None
    weeks = length * 52 / 12 if course["unit"].lower().startswith("mo") else float(length)
    per_week = times_a_week(course)
    return None if per_week is None else round(weeks * per_week[1])


_ONGOING = re.compile(
    rf"\b(?:{UNDER_WAY}|(?:has|have|had)\s+(?:been\s+)?(?:completed|attended|had|done|tried|received|undergone))\b",
    re.IGNORECASE,
)
"""Words by which a clause of a plan speaks of care already under way or given ("Plan: continue physical therapy",
"she has completed 6 visits"): what it names is not only planned."""


_ORDER_BREAK = re.compile(r";|\b(?:then|followed\s+by|after\s+which)\b", re.IGNORECASE)
"""What separates the orders of a plan from one another: a semicolon ("Plan: start CBT 4 sessions; continue the home
exercises"), or a word of sequence ("a subacromial injection, then resume therapy", "an ESI followed by continued
home exercise"): each order speaks of its own care."""


_INJECTIONS = re.compile(
    rf"\b(?P<n>{_COUNT})\s*(?:\(\d{{1,2}}\)\s*)?(?:\w+\s+){{0,3}}?(?:injections|shots|blocks|CSIs)\b", re.IGNORECASE
)
"""The injections a sentence says were given ("three prior subacromial injections", "2 cortisone shots")."""
_TO_FIRST_DATE = re.compile(r"[^.;\d]{0,30}$")
"""What may stand between an injection and the first date of its list ("subacromial CSI 3/2016", "injections on 1/5")."""
_BETWEEN_DATES = re.compile(r"\s*(?:,|;|&|\band\b)?\s*(?:and\s+)?(?:(?:on|in)\s+)?", re.IGNORECASE)
"""What separates two dates of one list ("3/2016, 6/2016 and 9/2016")."""


@dataclass(frozen=True)
class InjectionsTold:
    """The injections one mention tells of: the number it states, and the dates it lists one after another."""

    count: int | None
    dates: tuple[dt.date, ...]


def injections_told(sentence: str, start: int, end: int) -> InjectionsTold:
    """What the mention of an injection at `start`-`end` of `sentence` says of how many were given: a number of
    injections the sentence states ("had three subacromial injections"), or one written after the mention ("steroid
    injection x2"); and the dates it lists right after the mention, each one injection ("subacromial CSI 3/2016,
    6/2016, 9/2016")."""
    stated = anchored_search(_INJECTIONS, sentence)
    count = number_value(stated["n"]) if stated is not None else count_after(sentence[end:])
    dates: list[dt.date] = []
    last = end
    for found in find_dates(sentence[end:]):
        gap = sentence[last : end + found.start]
        if not (_TO_FIRST_DATE.match(gap) if not dates else _BETWEEN_DATES.fullmatch(gap)):
            break
        dates.append(found.date)
        last = end + found.end
    return InjectionsTold(count, tuple(dates))


_TALLY_FIELD = re.compile(r"^(?:sessions?|visits?|treatments?)\b", re.IGNORECASE)
"""A sentence that opens on the visits a note counts: the tally field of a therapy note's heading ("Visits: 12 of 12
authorized", "Visit 6 of 8")."""


def _tally_field_after(text: str, end: int, as_of: dt.date | None) -> int | None:
    """The sessions the sentence after `end` counts when it is a tally field (`_TALLY_FIELD`): a note names its therapy
    in its heading ("PT progress report - L TKA.") and counts the visits in the next line ("Visits: 12 of 12
    authorized": twelve given), after the report it comes from when a summary retells it ("Per the report dated
    3/2/2016, visits: 12 of 12")."""
    following = split_sentences(text, end)
    if not following:
        return None
    sentence = following[0].text
    told = sentence[report_frame_end(sentence) :].lstrip(" ,:-")
    return _sessions_had(told, as_of) if _TALLY_FIELD.match(told) else None


def _clause(sentence: str, offset: int) -> str:
    """The order of a plan `offset` of `sentence` lies in, between the `_ORDER_BREAK`s around it."""
    start = max((m.end() for m in _ORDER_BREAK.finditer(sentence, 0, offset)), default=0)
    end = next((m.start() for m in _ORDER_BREAK.finditer(sentence, offset)), len(sentence))
    return sentence[start:end]


def extract(case: Case, names: frozenset[str] | None = None) -> list[Candidate]:
    """One fact per prior-treatment mention (given `names`, of the terms of those names only); `value` is the number of
    sessions the sentence states, if any."""
    facts: list[Candidate] = []
    for match in find_terms(case, "prior_treatment", CLINICAL, names):
        as_of = match.document.date or case.dates.ur_decision
        count = _sessions_had(match.sentence.text, as_of)
        if count is None:
            count = _tally_field_after(match.document.text, match.sentence.end, as_of)
        clause = _clause(match.sentence.text, match.start - match.sentence.start)
        plan = None if anchored_search(_ONGOING, clause) else plan_section(match.document.text, match.start)
        facts.append(Candidate("prior_treatment", match, value=str(count) if count is not None else "", plan=plan))
    return facts
