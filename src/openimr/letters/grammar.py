"""The grammar of the 2014+ Final Determination Letter, read from a flow (one paragraph per line).

Header fields, then three headed parts: HOW THE IMR FINAL DETERMINATION WAS MADE (reviewer), CLINICAL CASE SUMMARY
and IMR ISSUES, DECISIONS AND RATIONALES. Each disputed item is "<item>[ is]: Upheld|Overturned" followed by the
"Claims Administrator guideline:", "<organization> guideline:" (one capitalised word: "MAXIMUS" in the DWC's letters)
and "Decision rationale:" fields; an item label starts a paragraph, so it runs from the last paragraph break before its
decision word. A letter as sent (openimr's `Letter`) has a letterhead, addressees and identifiers before the header,
and its signature block and appeal rights after the last item: the items end at either heading. Every pattern is compiled once and
each is applied in one forward pass, so parsing is linear in the length of the letter.
"""

from __future__ import annotations

import datetime as dt
import re

from openimr.errors import OpenIMRError
from openimr.letters.citations import parse_guideline_line
from openimr.letters.reviewer import parse_reviewer
from openimr.letters.text import DATE, collapse, parse_date
from openimr.model import Decision, Determination, ItemDetermination, Priority

HOW_MADE = "HOW THE IMR FINAL DETERMINATION WAS MADE"
CASE_SUMMARY = "CLINICAL CASE SUMMARY"
ISSUES = "IMR ISSUES, DECISIONS AND RATIONALES"
SUMMARY_INTRO = (
    "The expert reviewer developed the following clinical case summary based on a review of the case file,"
    " including all medical records:"
)
ISSUES_INTRO = "The Final Determination was based on decisions for the disputed items/services set forth below:"
CLAIMS_ADMINISTRATOR = "Claims Administrator guideline:"
RATIONALE = "Decision rationale:"
RE = "Re: Independent Medical Review Final Determination"
SIGNATURE = "SIGNATURE OF THE EXPERT REVIEWER"
APPEAL = "RIGHT TO APPEAL"
PRECEDENTS = "SIMILAR PAST DETERMINATIONS"
"""Heading of the reviewer aid a draft may end with (`ItemDetermination.precedents`); not part of a letter, so reading
a draft back stops there."""
PRECEDENTS_INTRO = "A reviewer aid from the corpus of past letters, not part of the Final Determination Letter."


def guideline_label(short_name: str) -> str:
    """The label of the organization's guideline line: "MAXIMUS guideline:" in the DWC's letters."""
    return f"{short_name} guideline:"


_CASE_NUMBER = re.compile(r"Case\s+Number:\s*(CM\d{2}-\d{5,8}|IMR-\d{7,10})")
_HEADER_DATES = {
    "date_assigned": re.compile(rf"Date\s+Assigned:\s*({DATE})"),
    "date_of_injury": re.compile(rf"Date\s+of\s+Injury:\s*({DATE})"),
    "decision_date": re.compile(rf"Decision\s+Date:\s*({DATE})"),
    "ur_denial_date": re.compile(rf"UR\s+Denial\s+Date:\s*({DATE})"),
    "application_received": re.compile(rf"Application\s+Received:\s*({DATE})"),
}
_PRIORITY = re.compile(r"Priority:\s*(Standard|Expedited)", re.IGNORECASE)
_HEADINGS = {name: re.compile(rf"(?:^|\s){re.escape(name)}(?:\s|$)") for name in (HOW_MADE, CASE_SUMMARY, ISSUES)}
_END_MATTER = re.compile(rf"(?:^|\s)(?:{re.escape(SIGNATURE)}|{re.escape(APPEAL)}|{re.escape(PRECEDENTS)})(?:\s|$)")
_SUMMARY_INTRO = re.compile(re.escape(SUMMARY_INTRO).replace(r"\ ", r"\s+"), re.IGNORECASE)
_ISSUES_INTRO = re.compile(re.escape(ISSUES_INTRO).replace(r"\ ", r"\s+"), re.IGNORECASE)
_DECISION = re.compile(r":\s*(Upheld|Overturned)\s*(?=" + re.escape(CLAIMS_ADMINISTRATOR) + ")")
_TRAILING_IS = re.compile(r"\s+is\s*$")
_FIELDS = re.compile(
    re.escape(CLAIMS_ADMINISTRATOR)
    + r"(?P<claims>.*?)(?<!\S)[A-Z][A-Za-z0-9&-]* guideline:(?P<maximus>.*?)"
    + re.escape(RATIONALE),
    re.DOTALL,
)
_MODIFIED = (
    re.compile(
        r"(?P<original>.+?) was the original request\. (?P<authorized>.+?) was authorized by the Claims Administrator\."
        r" The remaining IMR eligible portion of the original request, (?P<disputed>.+)"
    ),
    re.compile(
        r"(?P<original>.+?) was the original request\. The Claims Administrator authorized (?P<authorized>.+?),"
        r" leaving the original request IMR eligible\. The original request, (?P<disputed>.+)"
    ),
)


def parse_flow(flow: str, layout: str, source: str | None) -> Determination:
    """A `Determination` from a 2014+ letter's flow; `OpenIMRError` when it is not a letter or lacks a part."""
    found = {name: pattern.search(flow) for name, pattern in _HEADINGS.items()}
    missing = [name for name, match in found.items() if match is None]
    if len(missing) == len(found):
        raise OpenIMRError("not a Final Determination Letter (none of its headed parts found)", source)
    if missing:
        raise OpenIMRError(f"letter is missing its {' and '.join(repr(m) for m in missing)} part", source)
    how, summary_at, issues_at = (m for m in found.values() if m is not None)
    if not how.start() < summary_at.start() < issues_at.start():
        raise OpenIMRError("letter parts are out of order", source)
    header = flow[: how.start()]
    end = _END_MATTER.search(flow, issues_at.end())
    items = _items(flow[issues_at.end() : end.start() if end else len(flow)], source)
    summary = flow[summary_at.end() : issues_at.start()]
    intro = _SUMMARY_INTRO.search(summary)
    if intro:
        summary = summary[intro.end() :]
    priority = _PRIORITY.search(header)
    dates = {name: _header_date(pattern, header) for name, pattern in _HEADER_DATES.items()}
    case_number = _CASE_NUMBER.search(header)
    return Determination(
        case_number=case_number.group(1) if case_number else None,
        date_assigned=dates["date_assigned"],
        date_of_injury=dates["date_of_injury"],
        decision_date=dates["decision_date"],
        ur_denial_date=dates["ur_denial_date"],
        application_received=dates["application_received"],
        priority=Priority(priority.group(1).capitalize()) if priority else None,
        reviewer=parse_reviewer(flow[how.end() : summary_at.start()]),
        summary=paragraphs(summary),
        items=items,
        layout=layout,
        source=source,
    )


def _header_date(pattern: re.Pattern[str], header: str) -> dt.date | None:
    match = pattern.search(header)
    return parse_date(match.group(1)) if match else None


def paragraphs(text: str) -> str:
    """A multi-paragraph field as stored: paragraphs collapsed and separated by one blank line."""
    return "\n\n".join(p for p in (collapse(line) for line in text.split("\n")) if p)


def split_modified(request: str) -> tuple[str | None, str | None, str | None]:
    """(original, authorized, disputed) of a modified-request label; three Nones for a plain label."""
    for pattern in _MODIFIED:
        match = pattern.fullmatch(request)
        if match:
            return match.group("original"), match.group("authorized"), match.group("disputed")
    return None, None, None


def _items(body: str, source: str | None) -> list[ItemDetermination]:
    """The disputed items of the IMR ISSUES part, in letter order."""
    intro = _ISSUES_INTRO.search(body)
    if intro:
        body = body[: intro.start()] + "\n" + body[intro.end() :]
    decisions = list(_DECISION.finditer(body))
    if not decisions:
        raise OpenIMRError("letter has no disputed item with a decision (Upheld/Overturned)", source)
    label_starts = []
    floor = 0
    for match in decisions:
        label_starts.append(max(body.rfind("\n", floor, match.start()) + 1, floor))
        floor = match.end()
    items = []
    for index, match in enumerate(decisions):
        request = collapse(_TRAILING_IS.sub("", body[label_starts[index] : match.start()]))
        if not request:
            raise OpenIMRError(f"disputed item {index + 1} has no label before its decision", source)
        end = label_starts[index + 1] if index + 1 < len(decisions) else len(body)
        block = body[match.end() : end]
        fields = _FIELDS.match(block)
        if fields is None:
            raise OpenIMRError(f"disputed item {index + 1} lacks its guideline or rationale fields", source)
        original, authorized, disputed = split_modified(request)
        maximus = collapse(fields.group("maximus"))
        items.append(
            ItemDetermination(
                request=request,
                decision=Decision(match.group(1)),
                original_request=original,
                authorized=authorized,
                disputed=disputed,
                claims_administrator_guideline=collapse(fields.group("claims")) or None,
                maximus_guideline=maximus or None,
                citations=parse_guideline_line(maximus),
                rationale=paragraphs(block[fields.end() :]),
            )
        )
    return items
