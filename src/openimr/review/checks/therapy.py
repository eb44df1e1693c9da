"""Checks on how much care a program or a home service asks for, in the units those guidelines count: hours of care a
week (home health services: no more than 35 hours a week, CPMTG p. 51) and full-day sessions (functional restoration
programs: a two-week trial, at most 20 full-day sessions or their part-day equivalent, CPMTG pp. 30-34).

Requests write these amounts in several ways ("4 hours a day, 5 days a week", "24/7 care", "80 hours", "10 days",
"2 weeks", "5 days a week for 2 weeks"); a request that states none of them is silence, never met.
"""

from __future__ import annotations

import re

from pydantic import Field

from openimr.evidence.numbers import NUMBER, number_value
from openimr.requests.amounts import duration_parts, read_duration, read_sessions
from openimr.review.checks.base import MET, NOT_MET, CheckContext, Outcome, Params, check, silence

_QTY = rf"(?:\d+\.\d+|{NUMBER})"
_HOURS = r"(?:hours?|hrs?|h)\b"
_PER_DAY = re.compile(
    rf"\b(?P<n>{_QTY})(?:\s*(?:-|to)\s*(?P<n2>{_QTY}))?\s*{_HOURS}\s*(?:a|per|/|each|every)\s*day\b"
    rf"|\b(?P<d>{_QTY})(?:\s*(?:-|to)\s*(?P<d2>{_QTY}))?\s*{_HOURS}\s*daily\b",
    re.IGNORECASE,
)
_PER_WEEK = re.compile(
    rf"\b(?P<n>{_QTY})(?:\s*(?:-|to)\s*(?P<n2>{_QTY}))?\s*{_HOURS}\s*(?:(?:a|per|/|each|every)\s*week|weekly)\b",
    re.IGNORECASE,
)
_ROUND_THE_CLOCK = re.compile(
    r"\b24\s*/\s*7\b|\b24[\s-]*(?:hours?|hrs?)\s*(?:a\s+day\s+)?(?:care|supervision|assistance)\b", re.IGNORECASE
)
_TOTAL_HOURS = re.compile(
    rf"(?:\b|(?<=\bx))(?P<n>{_QTY})\s*{_HOURS}(?!\s*(?:(?:a|per|/|each|every)\s*(?:day|week)|daily|weekly))", re.IGNORECASE
)
"""The hours a program request asks for in all, the count written alone or after the "x" of a quantity ("x80 hours")."""


def _value(text: str) -> float:
    """A numeral ("4", "4.5") or number word ("four") as a number."""
    return float(text) if text[0].isdigit() else float(number_value(text) or 0)


def _upper(match: re.Match[str], low: str, high: str) -> float:
    """The upper bound of an amount written as a range ("4-6 hours"), or the amount."""
    return _value(match.group(high) or match.group(low))


def _request_texts(ctx: CheckContext) -> list[str]:
    """The request as written for the whole course: the original request when it was modified, then the request."""
    t = ctx.treatment
    return [text for text in (t.original_request, t.disputed or t.text) if text]


def _days_per_week(text: str) -> float | None:
    per_week = read_sessions(text).per_week
    if per_week is None:
        return None
    return float(per_week.split("-")[-1])


def hours_per_week(text: str) -> float | None:
    """Hours of care a week a request asks for: "N hours a week", or "N hours a day" times the days a week it states
    (every day when it states none), or round-the-clock care (168); None when it states no hours."""
    if _ROUND_THE_CLOCK.search(text):
        return 168.0
    weekly = _PER_WEEK.search(text)
    if weekly:
        return _upper(weekly, "n", "n2")
    daily = _PER_DAY.search(text)
    if daily:
        hours = _upper(daily, "n", "n2") if daily.group("n") else _upper(daily, "d", "d2")
        return hours * (_days_per_week(text) or 7.0)
    return None


class HoursParams(Params):
    max: float = Field(gt=0, description="At most this many hours of care a week.")


@check("hours_per_week_within", HoursParams)
def hours_per_week_within(ctx: CheckContext, params: HoursParams) -> Outcome:
    """The hours of care a week the request asks for (hours a week, or hours a day times the days a week; every day
    when the request names no days) are at most `max`. A request that states no hours is silence."""
    for text in _request_texts(ctx):
        hours = hours_per_week(text)
        if hours is not None:
            verb = "is within" if hours <= params.max else "exceeds"
            return Outcome(MET if hours <= params.max else NOT_MET, note=f"{hours:g} hours a week {verb} {params.max:g}")
    return silence("the request does not state the hours of care a week")


def full_days(text: str, hours_per_day: float, days_per_week: float) -> float | None:
    """Full-day sessions a program request asks for: total hours divided by the hours of a full day, else the sessions
    it counts ("10 sessions", "5 days a week for 2 weeks"), else its length in days or weeks (weeks of `days_per_week`
    program days); None when it states none of them."""
    hours = _TOTAL_HOURS.search(text)
    if hours:
        return _value(hours.group("n")) / hours_per_day
    sessions = read_sessions(text).sessions
    if sessions is not None:
        return float(sessions)
    span = duration_parts(read_duration(text))
    if span and span[1] in ("day", "week"):
        return span[0] if span[1] == "day" else span[0] * days_per_week
    return None


class FullDaysParams(Params):
    max: float = Field(gt=0, description="At most this many full-day sessions.")
    hours_per_day: float = Field(default=8, gt=0, le=24, description="Hours of one full-day session.")
    days_per_week: float = Field(default=5, gt=0, le=7, description="Program days in a week.")


@check("full_days_within", FullDaysParams)
def full_days_within(ctx: CheckContext, params: FullDaysParams) -> Outcome:
    """The full-day sessions a program request asks for (hours / `hours_per_day`, sessions, days, or weeks of
    `days_per_week` days; the original request when it was modified) are at most `max`. A request that states no
    amount is silence."""
    for text in _request_texts(ctx):
        days = full_days(text, params.hours_per_day, params.days_per_week)
        if days is not None:
            verb = "is within" if days <= params.max else "exceeds"
            return Outcome(MET if days <= params.max else NOT_MET, note=f"{days:g} full-day sessions {verb} {params.max:g}")
    return silence("the request does not state how many days or hours of the program")
