"""The 2013 "Notice of Independent Medical Review Determination" (domain.md §A.10).

No real sample is in shared; this follows the verified outline: a "Dated:" line, a numbered list "N) MAXIMUS Federal
Services, Inc. has determined the request for <item> is [not] medically necessary and appropriate.", the paragraph
"An application for Independent Medical Review was filed on <date> disputing the Utilization Review Denial dated
<date>. A Notice of Assignment and Request for Information was provided to the above parties on <date>.", "Medical
Qualifications of the Expert Reviewer:", "Expert Reviewer Case Summary:", then per item "N) Regarding the request for
<item>:" with "Medical Treatment Guideline(s) Relied Upon by the Expert Reviewer:" and "Rationale for the Decision:".
The guideline paragraph holds the claims administrator's sentence ("The Claims Administrator based its decision on
...") and the expert reviewer's ("The Expert Reviewer based his/her decision on ...").
"""

from __future__ import annotations

import re

from openimr.errors import OpenIMRError
from openimr.letters.citations import parse_guideline_line
from openimr.letters.grammar import paragraphs
from openimr.letters.reviewer import parse_reviewer
from openimr.letters.text import DATE, collapse, parse_date, to_flow
from openimr.model import Decision, Determination, ItemDetermination, Priority

NAME = "notice_2013"
_TITLE = re.compile(r"Notice\s+of\s+Independent\s+Medical\s+Review\s+Determination", re.IGNORECASE)
_PARAGRAPH_END = re.compile(r"(?<=[.:?!\"')])[ \t]*\n|\n[ \t]*\n")
_DATED = re.compile(rf"\bDated:\s*({DATE})")
_CASE_NUMBER = re.compile(r"Case\s+Number:\s*(CM\d{2}-\d{5,8})")
_PRIORITY = re.compile(r"Priority:\s*(Standard|Expedited)", re.IGNORECASE)
_INJURY = re.compile(rf"Date\s+of\s+Injury:\s*({DATE})")
_FILED = re.compile(rf"Independent\s+Medical\s+Review\s+was\s+filed\s+on\s+({DATE})")
_UR_DENIAL = re.compile(rf"Utilization\s+Review\s+Denial\s+dated\s+({DATE})")
_NOTICE = re.compile(rf"Request\s+for\s+Information\s+was\s+provided\s+to\s+the\s+above\s+parties\s+on\s+({DATE})")
_DETERMINED = re.compile(
    r"(?P<number>\d+)\)\s*MAXIMUS Federal Services, Inc\. has determined the request for (?P<item>.+?) is"
    r" (?P<negation>not )?medically necessary and appropriate\."
)
_QUALIFICATIONS = re.compile(r"Medical Qualifications of the Expert Reviewer:")
_SUMMARY = re.compile(r"(?:Expert Reviewer )?Case Summary:")
_REGARDING = re.compile(r"(?:^|\n)(?P<number>\d+)\)\s*Regarding the request for (?P<item>[^\n]+?):[ \n]")
_GUIDELINES = re.compile(r"Medical Treatment Guideline\(s\) Relied Upon by the Expert Reviewer:")
_RATIONALE = re.compile(r"Rationale for the Decision:")
_CLAIMS = re.compile(r"The Claims Administrator (?:based its decision on|relied on)[^\n]*?(?=The Expert Reviewer\b|$)", re.DOTALL)
_EXPERT = re.compile(r"The Expert Reviewer (?:based (?:his/her|their|its) decision on|relied on)[^\n]*")


def detect(text: str) -> bool:
    """True for a letter titled "Notice of Independent Medical Review Determination"."""
    return _TITLE.search(text[:4000]) is not None


def parse(text: str, source: str | None) -> Determination:
    """Read a 2013 notice."""
    flow = to_flow(_PARAGRAPH_END.split(text))
    qualifications = _QUALIFICATIONS.search(flow)
    summary = _SUMMARY.search(flow, qualifications.end()) if qualifications else None
    regarding = list(_REGARDING.finditer(flow, summary.end())) if summary else []
    if qualifications is None or summary is None or not regarding:
        missing = "expert reviewer's qualifications" if qualifications is None else "case summary" if summary is None else "items"
        raise OpenIMRError(f"2013 notice is missing its {missing}", source)
    decisions: dict[str, Decision] = {}
    for match in _DETERMINED.finditer(flow, 0, qualifications.start()):
        decisions.setdefault(match.group("number"), Decision.UPHELD if match.group("negation") else Decision.OVERTURNED)
    items = []
    for index, match in enumerate(regarding):
        number = match.group("number")
        if number not in decisions:
            raise OpenIMRError(f"2013 notice states no decision for item {number}", source)
        end = regarding[index + 1].start() if index + 1 < len(regarding) else len(flow)
        items.append(_item(collapse(match.group("item")), decisions[number], flow[match.end() : end], source))
    return Determination(
        case_number=_group(_CASE_NUMBER, flow),
        decision_date=parse_date(_group(_DATED, flow)),
        date_of_injury=parse_date(_group(_INJURY, flow)),
        application_received=parse_date(_group(_FILED, flow)),
        ur_denial_date=parse_date(_group(_UR_DENIAL, flow)),
        notice_of_assignment_date=parse_date(_group(_NOTICE, flow)),
        priority=Priority(priority.capitalize()) if (priority := _group(_PRIORITY, flow)) else None,
        reviewer=parse_reviewer(flow[qualifications.end() : summary.start()]),
        summary=paragraphs(flow[summary.end() : regarding[0].start()]),
        items=items,
        layout=NAME,
        source=source,
    )


def _item(request: str, decision: Decision, block: str, source: str | None) -> ItemDetermination:
    """One item from its "Regarding the request for" block."""
    guidelines = _GUIDELINES.search(block)
    rationale = _RATIONALE.search(block)
    if guidelines is None or rationale is None or rationale.start() < guidelines.end():
        raise OpenIMRError(f"2013 notice item {request!r} lacks its guideline or rationale part", source)
    relied_upon = block[guidelines.end() : rationale.start()]
    claims = _CLAIMS.search(relied_upon)
    expert = _EXPERT.search(relied_upon)
    maximus = collapse(expert.group(0)) if expert else None
    return ItemDetermination(
        request=request,
        decision=decision,
        claims_administrator_guideline=collapse(claims.group(0)) if claims else None,
        maximus_guideline=maximus,
        citations=parse_guideline_line(maximus or ""),
        rationale=paragraphs(block[rationale.end() :]),
    )


def _group(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group(1) if match else None
