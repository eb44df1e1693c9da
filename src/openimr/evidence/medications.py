"""Medications the worker takes or took, and since when (as of the UR decision date), named by the drug lexicon.

Each mention of a drug (generic, brand or synonym) is a fact named by its lexicon generic and grouped by its drug
class (`drug_class_key`: "nsaid", "muscle_relaxant", "opioid" ...), so a rule can ask for any drug of a class. A
mention inside a sentence about the request or the UR decision is not evidence of use: "the RFA requested naproxen"
says nothing of whether the worker has taken it; but a drug a sentence says was certified on an earlier review ("Norco
has been certified on prior reviews") is one the worker has been given."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

from openimr.evidence.context import assertion
from openimr.evidence.dates import DurationKind, find_durations, find_event_dates
from openimr.evidence.terms import Candidate, TermMatch, document_role, find_lexicon_terms, term_lists
from openimr.evidence.text import clause_bounds, list_lead_in, plan_section
from openimr.evidence.wording import (
    AFTER_SURGERY,
    ALL_ROLES,
    CONDITIONAL_DECISION,
    DECISION_BREAK,
    DENIAL,
    REQUESTED,
    UNDER_WAY,
    SentenceRole,
)
from openimr.knowledge.lexicons import Drug, drug_lexicon, drug_matcher
from openimr.knowledge.terms import anchored_search, regex_fold
from openimr.model import Case, Fact, FactStatus, last_day

FIRST_PRESCRIPTION = "first prescription"
"""`value` of a medication fact from a sentence that calls the prescription new ("a first-time request for ...") or
tells of the drug started at the visit it reports, or to be started (`_first_prescription`)."""
_THIS_VISIT = (
    r"today|this\s+(?:office\s+)?(?:visit|appointment|encounter|evaluation|examination)"
    r"|the\s+(?:present|current)\s+(?:office\s+)?(?:visit|appointment|encounter)"
)
"""The words (an alternation to put in a group) that place an act at the visit the record reports: "today", "at this
visit", "during this encounter", "at the present appointment"."""
_STARTS = r"start(?:ed|ing|s)?|began|begin(?:ning|s)?|begun|initiat\w*|commenc\w*|add(?:ed|ing)?(?!\s+that\b)"
"""The verbs (an alternation to put in a group) by which a note starts a drug: "start", "begin", "initiate",
"commence", "add" (not "added that", reported speech)."""
_FIRST = re.compile(
    r"\b(?:first[- ]time|new(?:ly)?|initial)\s+(?:request|prescription|prescribed|trial)\b"
    # started at this visit, or to be started: "started on gabapentin today", "gabapentin is started at this visit",
    # "will start", "Plan: start naproxen"
    rf"|\b(?:{_STARTS})\b[^.;]{{0,60}}\b(?:{_THIS_VISIT})\b|\b(?:{_THIS_VISIT})\b[^.;]{{0,60}}\b(?:start|begin|initiate|commence|add|started|begun|initiated|commenced|added)\b"
    # told in the present: "gabapentin is being started", "I am starting her on gabapentin" (not "starting to improve")
    r"|\b(?:am|is|are)\s+(?:now\s+)?(?:being\s+)?(?:(?:start(?:ed|ing)|begun|beginning|initiat(?:ed|ing)|commenc(?:ed|ing))\b"
    r"(?!\s+to\b)|add(?:ed|ing)\b)"
    r"|\b(?:will|plan\s+to|is\s+to)\s+(?:start|begin|initiate|try|trial)\b"
    r"|\btrial\s+of\s+[\w/-]+\s+(?:\S+\s+){0,3}?(?:is|was|will\s+be|has\s+been)\s+(?:started|begun|initiated|prescribed)\b"
    # a plan line that opens with the trial: "- Trial tramadol 50 mg", "Plan: trial of tramadol"
    r"|^\W*(?:plan\s*:\s*)?(?:start(?:ing)?|begin(?:ning)?|initiat(?:e|ing)|(?:a\s+)?(?:time[- ]limited\s+)?trial(?:\s+of)?)\b",
    re.IGNORECASE,
)


# a drug whose request was modified was certified in part: the worker was given some of it
_CERTIFIED = re.compile(r"\b(?:certif\w*|authoriz\w*|approv\w*|modified|overturned)\b", re.IGNORECASE)
_DENIED = re.compile(rf"\b(?:{DENIAL})", re.IGNORECASE)
_EARLIER = re.compile(
    r"\b(?:previous(?:ly)?|prior|earlier|past|last\s+(?:month|visit|review|time|year)|ago|already|again|repeatedly"
    r"|(?:has|have|had)\s+been)\b",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(r";|\bbut\b|\bhowever\b|\bwhereas\b|\bwhile\b", re.IGNORECASE)

PRESCRIBED_NOW = "prescribed now"
"""`value` of a medication fact from a sentence that tells of the prescription being written at the visit the record
reports ("the physician started amitriptyline at bedtime as a trial", "the provider prescribed gabapentin with
titration"): the prescription the request asks for, not evidence that the worker already takes the drug."""
ONGOING_USE = "ongoing use"
"""`value` of a medication fact from a clause that speaks of the drug in use ("Plan: continue gabapentin", "refill
Norco"): the worker takes it, even where the clause is a plan."""
PAST_COURSE = "past course"
"""`value` of a medication fact from a clause about a course taken and finished ("had a short course of Flexeril in
2013", "completed a 10-day course of methocarbamol"): the drug was taken before, not in continuous use since."""

_ONGOING_USE = re.compile(
    rf"\b(?:{UNDER_WAY}|renew\w*"
    r"|(?:has|have|had)\s+been|(?:takes|taking)\b(?!\s+effect)|(?:uses|using|tolerat(?:es|ing))\b|help(?:s|ed|ing)\b|same\s+dose"
    r"|since\s+(?:\d|(?:last|early|late|mid)\b|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*))"
    # "refill Norco", "Norco refilled"; not the refills a new prescription allows ("#30, no refill", "2 refills")
    r"|(?<!\bno\s)\brefill(?:ed|ing)?\b",
    re.IGNORECASE,
)
"""Words by which a clause speaks of a drug already in use ("Plan: continue gabapentin", "refill Norco", "remains on
tramadol", "has been taking it since 2015"): what it names is not only being prescribed now ("until it takes effect"
speaks of a drug's action, not of its use)."""
_PRESCRIBER = (
    r"(?:physician|provider|doctor|surgeon|physiatrist|psychiatrist|practitioner|clinician|prescriber|PTP|treater"
    r"|(?:nurse\s+practitioner|NP|PA-?C?)\b|\bDr\.?\s+[A-Z][\w'-]+)"
)
_TITRATION = r"(?:(?:as|for|on)\s+an?\s+(?:\w+\s+)?trial|titrat\w*|(?:to\s+)?increas(?:e|ed|ing)\s+(?:\w+\s+){0,5}?to\s+\d+)\b"
"""A start framed as a trial, or its dose to be titrated: "as a trial", "with titration", "increasing to 25 mg"."""
_PRESCRIBED_NOW = re.compile(
    # the clinician's own act, as a summary or a note narrates the visit ("the physician prescribed gabapentin", "Dr.
    # Lee started her on nortriptyline 10 mg"), with an aside set off by commas between ("the physician, following the
    # psychologist's advice, prescribed sertraline")
    rf"\b{_PRESCRIBER}\s*(?:\s(?:\w+\s+){{0,2}}?|,[^,.;]{{1,80}},\s*)(?:started|initiated|began|prescribed|dispensed|added|provided|gave|wrote)\b"
    # a start framed as a trial or a titration ("was started on gabapentin as a trial", "begun with titration"), the
    # titration told as its schedule, before the verb or after it ("amitriptyline 10 mg at bedtime, increasing to 25 mg,
    # was prescribed", "started nortriptyline 10 mg, to increase to 25 mg after a week")
    rf"|\b(?:start\w*|began|begun|begin\w*|initiat\w*|prescrib\w*|dispens\w*|add(?:ed|ing)?)\b[^.;]{{0,80}}?\b{_TITRATION}"
    rf"|\b{_TITRATION}[^.;]{{0,80}}?\b(?:is|was|were|are|being)\s+(?:started|begun|initiated|prescribed|dispensed)\b"
    # written or handed out at this visit ("Norco #120 prescribed today", "dispensed at this visit"): a refill of a drug
    # in use as much as a first supply, which the rest of the record tells apart
    rf"|\b(?:prescrib\w*|dispens\w*)\b[^.;]{{0,40}}\b(?:{_THIS_VISIT})\b|\b(?:{_THIS_VISIT})\b[^.;]{{0,40}}\b(?:prescribed|dispensed)\b",
    re.IGNORECASE,
)
"""A sentence that writes the prescription at the visit it reports."""
_EARLIER_USE = re.compile(
    rf"{_EARLIER.pattern}|\b(?:since|initially|originally|at\s+that\s+time|failed|tried|stopped|discontinued|took|taken"
    r"|(?:was|were)\s+on)\b",
    re.IGNORECASE,
)
"""Words by which a sentence that tells of a prescription places it before the visit ("was prescribed gabapentin in
the past", "had been started on it a year ago", "tried and stopped")."""
_RECENT_WEEKS = 8
"""A prescription dated within this many weeks before the UR decision is the one under review."""
_FINISHED = r"(?:short|brief|limited|\d{1,2}[\s-]days?|(?:one|two|three|\d)[\s-]weeks?)"
_COURSE_OF = re.compile(
    rf"(?:\b{_FINISHED}\s+(?:\w+\s+)?course\s+of|\b(?:completed|finished)\s+(?:an?|the|his|her|their)\s+"
    r"(?:\w+\s+){0,2}?course\s+of)\s+(?:(?:the|oral)\s+)?$",
    re.IGNORECASE,
)
_FINISHED_BEFORE = re.compile(rf"\b{_FINISHED}\s+$", re.IGNORECASE)
_COURSE_AFTER = re.compile(r"\s+(?:\w+\s+)?course\b", re.IGNORECASE)
"""A drug named as a course taken and finished: "a short course of X", "completed a 10-day course of X", "a short X
course"."""


_ORDER_BREAK = re.compile(r"[,;:()\n]|\band\b", re.IGNORECASE)
"""What separates the orders of a plan, or the drugs of a list, from one another ("cyclobenzaprine 5 mg at night,
continue naproxen")."""


def _part_of(match: TermMatch, breaks: re.Pattern[str]) -> str:
    """The part of its sentence a drug mention lies in, between the nearest `breaks` around it: its clause
    (`_CLAUSE_BREAK`), or its order or list entry (`_ORDER_BREAK`, so that "continue" before another drug of the plan
    is not about this one)."""
    sentence = match.sentence.text
    left, right = clause_bounds(sentence, match.start - match.sentence.start, match.end - match.sentence.start, breaks)
    return sentence[left:right]


_SPAN_TAKEN = re.compile(
    r"(?<!\bhas\s)(?<!\bhave\s)\b(?:used|took|tried|trialed)\s+(?:\w+\s+){0,2}?(?:for|x)\s+(?:about\s+|approximately\s+|around\s+|~\s*)?"
    r"(?:\d+|one|two|three|four|five|six|eight|twelve|a\s+few|several)\s*(?:-\s*)?(?:days?|weeks?|wks?|months?|mos?|years?|yrs?)\b",
    re.IGNORECASE,
)
"""A drug taken for a stated span, told in the past ("diclofenac gel used for 3 months", "took naproxen for two
weeks"): a trial that ended (one still under way is told as such: "has used it for a year", "has been using it for 3
months")."""
_SERIOUS_HARM = (
    r"(?:bleed\w*|hemorrhage|ulcer\w*|perforation|anaphyla\w+|allergic\s+reaction|angioedema|renal\s+(?:failure|injury|"
    r"insufficiency)|kidney\s+injury)"
)
"""Harm from a drug serious enough that no clinician goes on prescribing it: a bleed, an ulcer or a perforation (the
gastrointestinal events of CPMTG NSAIDs pp. 68-69), anaphylaxis, injury to the kidneys."""
_ENDED_BY = re.compile(
    r"(?:-+>|\u2192|\b(?:caused|led\s+to|resulted\s+in|complicated\s+by|with\s+(?:a\s+|an\s+)?subsequent)"
    r"|(?<=[\w)])[\s-](?:induced|related|associated)\b)\s*(?:[\w-]+\s+){0,3}?"
    rf"(?:{_SERIOUS_HARM}|hospitali[sz]\w*)\b",
    re.IGNORECASE,
)
"""A drug followed by the serious harm it caused ("ibuprofen -> GI bleed", "naproxen caused a gastric ulcer",
"ibuprofen-induced gastric ulcer"): no clinician goes on prescribing it, so the mention tells of a trial that ended."""
_HARM_FROM = re.compile(
    rf"\b{_SERIOUS_HARM}\b(?:\s*,?\s*(?:in\s+)?(?:\d{{1,2}}/)?(?:\d{{4}}|\d{{2}}))?"
    r"(?:\s*\((?:\s*(?:while\s+)?on)?|\s+while\s+(?:on|taking|using)|\s*,?\s+(?:from|due\s+to|secondary\s+to|caused\s+by|induced\s+by"
    r"|attributed\s+to|related\s+to|associated\s+with))\s*(?:(?:his|her|their|the|oral|high[\s-]dose)\s+)?$",
    re.IGNORECASE,
)
"""The serious harm written before the drug that caused it ("a bleeding gastric ulcer in 2009 (on ibuprofen)", "GI bleed
while taking naproxen", "ulcer secondary to high-dose ibuprofen", "perforated ulcer (naproxen)"): the same ended
trial, told the other way round. A drug named after the harm as its treatment or as what is taken now ("ulcer, now on
omeprazole") is not, nor one its order goes on to say is taken now ("ulcer (on celecoxib now)": `_TAKEN_NOW`)."""
_NOT_TOLERATED = re.compile(
    r"\b(?:(?:not|never)\s+tolerated|(?:could\s+not|couldn't|unable\s+to|did\s+not|didn't)\s+tolerate|intoleran\w+)\b",
    re.IGNORECASE,
)
"""A drug the worker could not tolerate, however the note says it ("could not tolerate naproxen", "intolerant of
meloxicam", "meloxicam intolerance")."""
_TRIAL = re.compile(r"\b(?:trial\w*|tried|trialled)\b", re.IGNORECASE)
_TRIAL_OUTCOME = re.compile(
    r"\b(?:caused|gave|produced|provoked|triggered|led\s+to|resulted\s+in|failed|did\s+not|didn't|discontinued|stopped"
    r"|abandoned|ineffective|unsuccessful|without\s+(?:any\s+)?(?:benefit|relief|improvement|success|effect)"
    r"|(?:no|little|minimal)\s+(?:benefit|relief|improvement|effect))\b",
    re.IGNORECASE,
)
"""A drug named as a trial ("a trial of", "a gel trial", "tried", "trialed") whose sentence goes on to tell, in the past,
the outcome that ended it: a harm or side effect it caused, or no benefit ("a diclofenac gel trial gave her a rash",
"meloxicam trialed in 2015, GI upset, discontinued", "tried ibuprofen without benefit"). With a drug not tolerated
(`_NOT_TOLERATED`), a course that ended, not one taken now (CPMTG Medications for chronic pain p. 60: a drug is
tried, its effect assessed, and it is stopped when it fails or is not tolerated)."""


def _trial_ended(match: TermMatch, part: str) -> bool:
    """Whether a drug mention names a drug not tolerated, or a trial of it whose sentence tells after it, before any
    semicolon, the outcome that ended it ("tried the gel but it gave her a rash": `_TRIAL`, `_TRIAL_OUTCOME`); `part`
    is the mention's order or list entry."""
    if _NOT_TOLERATED.search(part):
        return True
    if not _TRIAL.search(part):
        return False
    rest = match.sentence.text[match.end - match.sentence.start :]
    return bool(_TRIAL_OUTCOME.search(rest.split(";", 1)[0]))


_TAKEN_NOW = re.compile(r"\b(?:now|currently|still|continues|continuing|since|ongoing)\b", re.IGNORECASE)
_REPLACED = re.compile(
    r"\b(?:(?:switch|chang|convert|transition|mov)\w*\s+(?:(?:him|her|them|the\s+(?:patient|worker))\s+)?from|instead\s+of"
    r"|in\s+place\s+of|replac\w*|substitut\w+\s+for)\s+(?:(?:his|her|their|the)\s+)?$",
    re.IGNORECASE,
)
"""Words before a drug that the new prescription replaces ("switch from ibuprofen to celecoxib", "instead of
naproxen"): it is being stopped, not taken alongside."""
_SWITCHED_TO = re.compile(
    r"\b(?:switch|chang|convert|transition|mov)\w*\s+(?:(?:him|her|them|the\s+(?:patient|worker)|today|now)\s+)?"
    r"(?:from\s+(?:(?:his|her|their|the)\s+)?[\w/-]+(?:\s+[\d.,/]+\s*(?:mg|mcg)?)?(?:\s+[\w/-]+){0,3}?\s+)?(?:over\s+)?to\s+$",
    re.IGNORECASE,
)
"""Words before the drug a switch moves to ("switching from meloxicam to celecoxib", "changed her to tramadol"): the
new prescription, not a drug already taken."""
_SWITCH_TOLD_AS_PAST = re.compile(
    r"\b(?:was|were|had\s+been|has\s+been)\s+(?:\w+\s+)?(?:switch|chang|convert|transition|mov)\w*", re.IGNORECASE
)
_AT_THIS_VISIT = re.compile(rf"\b(?:{_THIS_VISIT}|now|at\s+this\s+time)\b", re.IGNORECASE)
"""A switch told in the past ("she was switched from naproxen to celecoxib") is one made before, unless the sentence
places it at this visit ("was switched today")."""


def _switched_to_now(match: TermMatch, ongoing: bool, ur_date: dt.date | None) -> bool:
    """Whether a drug mention names the drug a switch at the visit moves to (`_SWITCHED_TO`), nothing in its clause
    placing the switch before the visit (a date more than a few weeks before the UR decision, use under way, the switch
    told in the past and not placed at this visit)."""
    text = match.document.text
    switch = _SWITCHED_TO.search(text[max(0, match.start - 80) : match.start])
    if ongoing or not switch:
        return False
    clause = _part_of(match, _CLAUSE_BREAK)
    told_as_past = _SWITCH_TOLD_AS_PAST.search(text[max(0, match.start - 100) : match.start])
    if _EARLIER.search(clause) or (told_as_past and not _AT_THIS_VISIT.search(clause)):
        return False
    dates = find_event_dates(clause)
    return ur_date is None or all((ur_date - d.date).days <= 7 * _RECENT_WEEKS for d in dates)


def _first_prescription(match: TermMatch) -> bool:
    """Whether a drug mention's clause calls its prescription new or starts the drug at the visit it reports, or is to
    start it (`_FIRST`), and the start is this drug's: not another order of the clause while the drug's own order
    speaks of it in use ("will start physical therapy and continue gabapentin", "started PT today, takes naproxen"),
    nor a trial the sentence tells as ended ("a trial of a ketoprofen cream was stopped after it irritated the skin":
    `_trial_ended`)."""
    sentence = match.sentence
    left, right = clause_bounds(sentence.text, match.start - sentence.start, match.end - sentence.start, _CLAUSE_BREAK)
    # the clause searched in place: a plan line's opening ("Trial of tramadol 50 mg") is the sentence's, not that of a
    # clause after a semicolon ("knee OA; a trial of a ketoprofen cream was stopped")
    if not anchored_search(_FIRST, sentence.text, pos=left, endpos=right):
        return False
    order = _part_of(match, _ORDER_BREAK)
    if _trial_ended(match, order):
        return False
    return not _ONGOING_USE.search(order) or bool(_FIRST.search(order))


def _replaced(match: TermMatch) -> bool:
    """Whether a drug mention names the drug a new prescription replaces ("switch from ibuprofen", "in place of
    meloxicam")."""
    text = match.document.text
    return bool(_REPLACED.search(text[max(0, match.start - 60) : match.start]))


_COURSE_BREAK = re.compile(r"[,;:\n]|\band\b", re.IGNORECASE)
"""What separates a drug's entry from the next, its date kept when written in brackets ("Flexeril x 1 wk (2013)")."""


_SIG_GAP = re.compile(
    r"(?:[\s\d.,/()-]|\b(?:mg|mcg|tabs?|tablets?|po|qhs|hs|bid|tid|qid|q\d+h|prn|daily|nightly|at\s+(?:night|bedtime))\b)*",
    re.IGNORECASE,
)
"""What may stand between a drug's name and the length of its course: its strength and directions ("Flexeril 10 mg
tid x 1 wk"), nothing else (in "the Synvisc series gave improvement for eight months" the length is the relief's)."""


def _dated_course_ended(match: TermMatch, ur_date: dt.date | None) -> bool:
    """Whether a drug's entry (`_COURSE_BREAK`) gives both how long its course lasted, written after its name and
    directions ("x 1 wk", "for ten days": `_SIG_GAP`), and when it was taken ("in 2013", "(03/2014)"), and the course so
    placed ended more than `_RECENT_WEEKS` before the UR decision, counted from the latest day the date can stand for: a
    course taken and finished long before, not use that goes on (a length given only as a lower bound, "for over a
    year", says nothing of its end)."""
    if ur_date is None:
        return False
    sentence = match.sentence
    start, end = match.start - sentence.start, match.end - sentence.start
    left, right = clause_bounds(sentence.text, start, end, _COURSE_BREAK)
    after = sentence.text[end:right]
    lengths = [
        d.days
        for d in find_durations(after)
        if d.kind is DurationKind.SPAN and d.days is not None and not d.at_least and _SIG_GAP.fullmatch(after[: d.start])
    ]
    if not lengths:
        return False
    dates = [last_day(found.date, found.precision) for found in find_event_dates(sentence.text[left:right])]
    if not dates:
        return False
    ended = max(dates) + dt.timedelta(days=max(lengths))
    return (ur_date - ended).days > 7 * _RECENT_WEEKS


def _past_course(match: TermMatch, ongoing: bool, ur_date: dt.date | None) -> bool:
    """Whether a drug mention names a course of the drug taken and finished ("had a short course of Flexeril"), or a
    drug that caused the serious harm told before it ("GI bleed while taking ibuprofen"); or, unless its order speaks of
    it in use (`ongoing`), a trial told with its span in the past ("used for 3 months"), a course whose length and date
    place its end well before the UR decision ("Flexeril x 1 wk in 2013": `_dated_course_ended`), a drug that caused
    the serious harm told after it ("ibuprofen -> GI bleed"), a drug not tolerated or a trial ended by its outcome ("the
    gel trial caused a rash": `_trial_ended`), or one the new prescription replaces ("switched from ibuprofen")."""
    text = match.document.text
    before = text[max(0, match.start - 60) : match.start]
    if _COURSE_OF.search(before) or (_FINISHED_BEFORE.search(before) and _COURSE_AFTER.match(text, match.end)):
        return True
    # the harm told first names the drug as what was taken when it happened ("a bleed while taking naproxen")
    sentence = match.sentence
    end = clause_bounds(sentence.text, match.start - sentence.start, match.end - sentence.start, _ORDER_BREAK)[1]
    taken_now = _TAKEN_NOW.search(sentence.text[match.end - sentence.start : end])
    if _HARM_FROM.search(text[max(0, match.start - 80) : match.start]) and not taken_now:
        return True
    if ongoing:
        return False
    if _replaced(match):
        return True
    part = _part_of(match, _ORDER_BREAK)
    return bool(
        _SPAN_TAKEN.search(part)
        or _dated_course_ended(match, ur_date)
        or _ENDED_BY.search(part)
        or _trial_ended(match, part)
    )


def _prescribed_now(match: TermMatch, ongoing: bool, ur_date: dt.date | None) -> bool:
    """Whether a drug mention's sentence writes the prescription at the visit it reports: the clinician prescribes or
    starts the drug, or starts it as a trial, and nothing places it before the visit (an earlier time or a date more
    than a few weeks before the UR decision in its clause, use of the drug under way)."""
    clause = _part_of(match, _CLAUSE_BREAK)
    if ongoing or not anchored_search(_PRESCRIBED_NOW, match.sentence.text) or _EARLIER_USE.search(clause):
        return False
    dates = find_event_dates(clause)
    return ur_date is None or all((ur_date - d.date).days <= 7 * _RECENT_WEEKS for d in dates)


def names_drug_test(sentence: str) -> bool:
    """Whether a sentence names a drug test: a urine or saliva screen, a toxicology panel, a laboratory confirmation
    (the `drug_test_word` term list)."""
    folded = regex_fold(sentence)
    return any(anchored_search(pattern, sentence, folded) for _, _, pattern in term_lists()["drug_test_word"])


# the words by which a test reports a drug not found: "negative for", "not detected", "absent", "did not show"
_NOT_FOUND = re.compile(r"negative|detect|absent|found|present|show|reveal", re.IGNORECASE)
# the sentence says the drug not found is one the worker is prescribed or said to take
_PRESCRIBED = re.compile(
    r"\b(?:prescribed|expected|reported|declared|listed|current(?:ly)?|(?:is|was|been)\s+(?:taking|on)|takes|despite)\b"
    r"|\b(?:his|her|their)\s+(?:\w+\s+)?(?:medications?|meds|opioids?|regimen|prescriptions?)\b",
    re.IGNORECASE,
)


def _not_found_by_test(match: TermMatch) -> bool | None:
    """Whether a drug mention is what a drug test did not find ("UDS negative for hydrocodone", "tox screen did not
    detect oxycodone", "oxycodone: not detected"): a test's result, not a statement of whether the drug is taken. True
    when the sentence says the drug is prescribed or taken (an inconsistent result: CPMTG Opioids p. 78-79, 94-95),
    False when it does not (the mention says nothing of its use); None when the mention is no such result."""
    sentence = match.sentence
    if not names_drug_test(sentence.text):
        return None
    start, end = match.start - sentence.start, match.end - sentence.start
    asserted = assertion(sentence.text, start, end, "medication")
    deciding = asserted.deciding
    if asserted.status is not FactStatus.ABSENT or deciding is None:
        return None
    # the clause says what the test found ("did not detect oxycodone", "showed no oxycodone", "oxycodone NOT DETECTED")
    left, right = clause_bounds(sentence.text, min(deciding.start, start), max(deciding.end, end))
    if not _NOT_FOUND.search(sentence.text[left:right]):
        return None
    return bool(_PRESCRIBED.search(sentence.text))


def _decision_clause(match: TermMatch) -> tuple[int, int]:
    """The bounds, in its sentence, of the clause of the review's decision on a drug mention (`DECISION_BREAK`)."""
    sentence = match.sentence
    return clause_bounds(sentence.text, match.start - sentence.start, match.end - sentence.start, DECISION_BREAK)


def _certified_before(match: TermMatch, in_decision: bool, ur_date: dt.date | None) -> bool:
    """Whether the clause of a drug mention in a sentence about utilization review says the drug was certified
    (authorized, approved, modified) on an earlier review ("Norco has been certified on prior reviews", "previously
    authorized for weaning", "UR approved #60 last month"): a drug the worker has been given. Not a denial, a
    certification only supposed, or the decision on the request itself (the clause names the request or the decision's
    date, unless it says the certification came earlier); in the UR decision itself, only an earlier certification it
    recalls."""
    left, right = _decision_clause(match)
    clause = match.sentence.text[left:right]
    if not _CERTIFIED.search(clause) or _DENIED.search(clause) or CONDITIONAL_DECISION.search(clause):
        return False
    if _EARLIER.search(clause):
        return True
    dated_now = ur_date is not None and any(f.date >= ur_date for f in find_event_dates(clause))
    return not (in_decision or dated_now or REQUESTED.search(clause))


def drug_class_key(drug_class: str) -> str:
    """The fact group of a drug class: "NSAID" -> "nsaid", "anti-epilepsy drug" -> "anti_epilepsy_drug"."""
    return re.sub(r"[^a-z0-9]+", "_", drug_class.lower()).strip("_")


@cache
def medication_keys() -> frozenset[str]:
    """Every medication fact name (lexicon generic) and group (drug class key)."""
    drugs = drug_lexicon().drugs
    return frozenset({d.generic for d in drugs} | {drug_class_key(d.drug_class) for d in drugs})


def _key(entry: tuple[Drug, bool]) -> tuple[str, str | None]:
    drug = entry[0]
    return drug.generic, drug_class_key(drug.drug_class)


def same_drug(a: str, b: str) -> bool:
    """Whether two lexicon generics name the same active drug: equal, one the part of the other's combination that
    gives it its class ("hydrocodone" and "hydrocodone/acetaminophen"; not "acetaminophen", an analgesic, taken alone
    before Norco is started), or the same opioid."""
    if a == b:
        return True
    first, second = drug_lexicon().by_generic(a), drug_lexicon().by_generic(b)
    if a in b.split("/") or b in a.split("/"):
        return first is None or second is None or first.drug_class == second.drug_class
    return first is not None and second is not None and first.opioid is not None and first.opioid == second.opioid


def extract(case: Case) -> list[Candidate]:
    """One fact per medication mention outside request/UR sentences (and per mention in a sentence calling it a first
    prescription, with `value` FIRST_PRESCRIPTION); `date` is the earliest date the sentence gives for it
    ("since 1/17/12", "prescribed on 11/2/16", "since 2015", with its precision), if any, and never after the UR
    decision."""
    facts: list[Candidate] = []
    ur_date = case.dates.ur_decision
    for match in find_lexicon_terms(case, drug_matcher(), _key, ALL_ROLES):
        role = match.role
        if role is SentenceRole.REVIEW and not _certified_before(match, document_role(match.document) is not None, ur_date):
            continue
        # a drug a review certified: the denial of another item beside it does not negate it
        decided = _decision_clause(match) if role is SentenceRole.REVIEW else None
        if _first_prescription(match):
            # the drug the new prescription replaces is not itself prescribed ("started celecoxib today in place of
            # meloxicam")
            facts.append(Candidate("medication", match, value=PAST_COURSE if _replaced(match) else FIRST_PRESCRIPTION))
            continue
        if role is SentenceRole.REQUEST:
            # a drug asked for the pain after an operation ("Percocet is requested for post-operative pain") is the
            # prescription under review, for the time after the surgery
            if AFTER_SURGERY.search(_part_of(match, _CLAUSE_BREAK)):
                facts.append(Candidate("medication", match, value=PRESCRIBED_NOW))
            continue
        tested = _not_found_by_test(match)
        if tested is False:
            continue
        ongoing = bool(_ONGOING_USE.search(_part_of(match, _ORDER_BREAK)))
        # a drug listed under a lead-in for the time after an operation ("Post-op medications:" then "- Norco 5/325
        # #40") is the prescription for after it, not a drug the worker takes now
        if not ongoing and AFTER_SURGERY.search(list_lead_in(match.document.text, match.start)):
            facts.append(Candidate("medication", match, value=PRESCRIBED_NOW))
            continue
        # a drug a note's plan names is being prescribed, unless its order speaks of it in use ("Plan: continue")
        plan = None if ongoing else plan_section(match.document.text, match.start)
        written_now = _prescribed_now(match, ongoing, ur_date) or _switched_to_now(match, ongoing, ur_date)
        if plan is None and not tested and written_now:
            # the drug the prescription replaces is not itself prescribed ("prescribed celecoxib in place of meloxicam")
            facts.append(Candidate("medication", match, value=PAST_COURSE if _replaced(match) else PRESCRIBED_NOW))
            continue
        value = PAST_COURSE if _past_course(match, ongoing, ur_date) else ONGOING_USE if ongoing else None
        found = [f for f in find_event_dates(match.sentence.text) if ur_date is None or f.date <= ur_date]
        first = min(found, key=lambda f: f.date, default=None)
        if first is None:
            facts.append(Candidate("medication", match, value=value, plan=plan, tested_absent=bool(tested), decided=decided))
        else:
            facts.append(
                Candidate(
                    "medication",
                    match,
                    value=value,
                    date=first.date,
                    date_precision=first.precision,
                    plan=plan,
                    tested_absent=bool(tested),
                    decided=decided,
                )
            )
    return facts


def shows_use(fact: Fact) -> bool:
    """Whether a medication fact shows the worker taking the drug: asserted, and neither the prescription being written
    at the visit the record reports nor a course taken and finished before; or a plan to go on with it ("Plan: continue
    gabapentin")."""
    return (fact.status == FactStatus.PRESENT and fact.value not in (FIRST_PRESCRIPTION, PRESCRIBED_NOW, PAST_COURSE)) or (
        fact.status == FactStatus.PLANNED and fact.value == ONGOING_USE
    )


def weeks_in_use(fact: Fact, as_of: dt.date | None) -> float | None:
    """How long, at least, a medication has been documented in use as of `as_of` (None when undated): from the latest
    day its date can be ("since 2015" is at least since 12/31/2015)."""
    last = fact.last_date
    if last is None or as_of is None:
        return None
    return max(0, (as_of - last).days) / 7
