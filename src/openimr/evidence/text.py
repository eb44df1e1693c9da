"""Sentences and sections of clinical text, as character offsets into the original string.

Sentence splitting knows clinical abbreviations ("Dr.", "q.d.", "p.o.", "b.i.d.", "vs."), decimals ("7.5 mg"),
dates ("12/15/2011") and initials, and treats a line break inside a sentence as a space, since text taken from PDFs
breaks lines mid-sentence. A blank line, a bulleted or numbered line and a section header always start a new sentence.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from pydantic import BaseModel, ConfigDict, Field

from openimr.evidence.dates import MONTH_NAMES
from openimr.knowledge import load_knowledge
from openimr.knowledge.terms import WordStartTerms, for_text, reads_as_ascii, regex_fold, trie_regex
from openimr.memo import IdentityMemo

__all__ = [
    "Section",
    "SectionRule",
    "SectionRules",
    "Sentence",
    "clause_starts",
    "find_sections",
    "has_finite_verb",
    "join_hyphenated_words",
    "join_line_breaks",
    "list_lead_in",
    "plan_section",
    "section_rules",
    "sentence_at",
    "split_sentences",
]


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence: offsets into the text (end exclusive) and its text."""

    start: int
    end: int
    text: str


# Words after which a period never ends a sentence (titles and "e.g."-like words; compared lower-case).
_TITLES = frozenset(
    [
        "dr",
        "drs",
        "mr",
        "mrs",
        "ms",
        "mx",
        "prof",
        "sr",
        "jr",
        "st",
        "vs",
        "v",
        "fig",
        "figs",
        "approx",
        "e.g",
        "i.e",
        "cf",
        "ref",
    ]
)
# Abbreviations that end with a period and may or may not end a sentence: they end one when a capital follows.
_ABBREVIATIONS = frozenset(
    [
        "etc",
        "appt",
        "dept",
        "dx",
        "hx",
        "fx",
        "sx",
        "tx",
        "rx",
        "pt",
        "pts",
        "a.m",
        "p.m",
        "q.d",
        "q.i.d",
        "b.i.d",
        "t.i.d",
        "q.h.s",
        "q.o.d",
        "p.o",
        "p.r.n",
        "h.s",
        "q.am",
        "q.pm",
        "qd",
        "bid",
        "tid",
        "qid",
        "qhs",
        "prn",
        "po",
        "m.d",
        "d.o",
        "d.c",
        "p.t",
        "o.t",
        "ph.d",
        "r.n",
        "n.p",
        "p.a",
        "psy.d",
        "mg",
        "mcg",
        "ml",
        "cm",
        "mm",
        "kg",
        "lb",
        "lbs",
        "oz",
        "hr",
        "hrs",
        "min",
        "wk",
        "wks",
        "mo",
        "mos",
        "yr",
        "yrs",
        "inc",
        "corp",
        "co",
        "ltd",
    ]
)
_BEFORE_NUMBER = frozenset(["no", "nos", "ch", "chap", "pp", "pg", "sec", "sect", "vol", "para", "qty", "disp", "sig"])
"""Words a number follows, a reference's ("Ch. 12", "pp. 46-48", "Sec. 9792.20", "Form No. 5") or a prescription's
("Qty. 60", "Disp. #30", "Sig. 1 tab"): before a number or a lower-case word they end no sentence."""
_DOSING = frozenset(
    {"q.d", "q.i.d", "b.i.d", "t.i.d", "q.h.s", "q.o.d", "p.o", "p.r.n", "h.s", "q.am", "q.pm", "qd", "bid", "tid"}
    | {"qid", "qhs", "prn", "po", "mg", "mcg", "ml", "tab", "tabs", "cap", "caps"}
)
"""Dosing abbreviations: after one, an order may go on with more of its dosing."""
_EVERY_HOURS = re.compile(r"q\.?\d{1,2}(?:-\d{1,2})?h(?:rs?)?\.?$")
"""An every-so-many-hours dose ("q.6h", "q4-6h", "q8hrs")."""
_DOSING_NEXT = re.compile(
    r"(?:q\.?\s?\d{1,2}(?:-\d{1,2})?\s?h(?:rs?)?|q\.?\s?(?:d|h\.?s|o\.?d|i\.?d|am|pm|day)|b\.?i\.?d|t\.?i\.?d|p\.?r\.?n"
    r"|h\.?s|p\.?o|qhs|qam|qpm|prn|bid|tid|qid|qd)\b",
    re.IGNORECASE,
)
"""The dosing words an order goes on with after a dosing abbreviation ("1 p.o. Q6H PRN", "b.i.d. PRN pain"): the same
order, not a new sentence."""
_HEADING_LINE = r"[ \t]*[A-Z][A-Z0-9 ,&/'()-]{3,}[ \t]*"
_DATE_ENDS = (r"\d[/-]\d\d", r"\d[/-]\d{4}", r"\d,\s\d{4}")


def _after_date(mark: str) -> str:
    """A look-behind: the character just read (`mark`) follows the end of a date ("3/4/16", "3/4/2016", "4, 2016")."""
    return "(?:" + "|".join(f"(?<={end}{mark})" for end in _DATE_ENDS) + ")"


_DATE_LINE_END = _after_date(r"\n")
_DATE_THEN_SPACE = _after_date(r"[ \t]")


# Every candidate starts with one of the characters of its first class, read first so that the search skips to them (an
# expression that opens with a look-behind, a `^` or a repeat is tried at every place of the text); each kind of
# candidate then checks the character it starts with by a look-behind, and goes on from there.
_CANDIDATE = re.compile(
    r"[.!?\n \tA-Z](?:"
    r"(?<=[.!?])[.!?]*[\"')\]]*(?=\s)"  # terminal punctuation
    r"|(?<=\n)(?:"
    r"[ \t]*\n"  # blank line
    r"|(?=[ \t]*(?:-(?!-*>)|[•*▪·]|\d{1,2}[.)]\s|[A-Z][A-Za-z /&'-]{0,40}:))"  # a bullet (no arrow), a number, "Header:"
    rf"|(?={_HEADING_LINE}\n)"  # before a line in capitals
    # a line ending with a date and no full stop (a header or field line: "Date of service: 3/4/2016", "DOS 3/4/16"),
    # before a line opening with a capital: its date is not that of what the next line states
    rf"|{_DATE_LINE_END}(?=[ \t]*[A-Z]))"
    # a line in capitals, from its start (no character before it but a line break); the line after a date, as above
    rf"|(?<=[ \t])(?:(?<![^\n].)[ \t]*[A-Z][A-Z0-9 ,&/'()-]{{3,}}[ \t]*\n|{_DATE_THEN_SPACE}[ \t]*\n(?=[ \t]*[A-Z]))"
    r"|(?<=[A-Z])(?<![^\n].)[A-Z0-9 ,&/'()-]{3,}[ \t]*\n"
    r")"
)
_LINE_BREAK = re.compile(r"[\r\n]")
_NEXT_CHAR = re.compile(r"\s*[\"'(\[]?(\S)")
_NOTE_OPENER = re.compile(r"(?:s/p|h/o|c/o|f/u|r/o|d/c)\b", re.IGNORECASE)
"""Shorthand that opens a note's sentence in lower case ("...authorized. s/p rotator cuff repair", "... today. c/o
neck pain"): after a full stop, a new sentence all the same."""


def _word_before(text: str, end: int) -> str:
    """The run of non-spaces that ends the 40 characters before `end` (or ends them but for a last line break), as
    `(\\S+)$` finds it there; empty when they end with another space."""
    start = max(0, end - 40)
    if end > start and text[end - 1] == "\n":
        end -= 1
    if end == start or text[end - 1].isspace():
        return ""
    return text[start:end].rsplit(None, 1)[-1]


def _is_boundary(text: str, match: re.Match[str]) -> bool:
    """Whether a candidate (terminal punctuation, blank line, line before a bullet or header) ends a sentence."""
    mark = match.group()
    if mark[0] != ".":
        return True
    word = _word_before(text, match.start()).lower().lstrip("([\"'")
    following = _NEXT_CHAR.match(text, match.end())
    next_char = following.group(1) if following else ""
    if word in _TITLES or (len(word) == 1 and word.isalpha()):
        return False
    if word in _BEFORE_NUMBER or word in MONTH_NAMES:  # "No. 5", "Apr. 10, 2016"; "Diabetic? No. Lumbar pain" ends one
        return not next_char.isdigit() and next_char != "#" and not next_char.islower()
    if word in _ABBREVIATIONS or "." in word or word in _DOSING:
        dosing = word in _DOSING or _EVERY_HOURS.match(word) is not None
        return next_char.isupper() and not (dosing and following and _DOSING_NEXT.match(text, following.start(1)))
    return not next_char.islower() or (following is not None and bool(_NOTE_OPENER.match(text, following.start(1))))


_PLAIN = str.maketrans(
    dict.fromkeys("\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000", " ")
    | dict.fromkeys("\u2010\u2011\u2012\u2013\u2212", "-")
    | dict.fromkeys("\u2018\u2019", "'")
)


def plain_characters(text: str) -> str:
    """`text` with tabs and other spaces (no-break, thin, ideographic) made plain spaces, non-breaking hyphens, en
    dashes and minus signs made hyphens ("x\u2011rays", "C4\u2013C7") and curly apostrophes straight ones ("didn\u2019t"),
    the same length."""
    return text.translate(_PLAIN)


_HYPHENATED = re.compile(r"(?<![\w-])([A-Za-z]+)-[ \t]*\r?\n[ \t]*([a-z]+)(?![\w-])")
"""A word hyphenated at a line end, its rest in lower case on the next line ("radicu-\nlopathy")."""
_COMPOUND_FIRST = frozenset(
    {"follow", "self", "non", "x", "sit", "well", "long", "short", "left", "right", "full", "part", "half", "low", "high"}
    | {"mid", "pain", "work", "weight", "post", "pre", "re", "co", "anti", "multi", "first", "one", "two", "three"}
    | {"four", "five", "six", "ten", "twelve", "day", "week", "month", "year"}
)
"""Words that open a hyphenated compound ("follow-up", "self-care", "x-ray"): split at a line end, the hyphen stays."""


def join_hyphenated_words(text: str) -> str:
    """`text` with each word that a line end hyphenates joined ("radicu-\nlopathy" reads "radiculopathy"), the same
    length: the spaces the hyphen and line break took come before the word, so offsets after it stay valid. A compound
    keeps its hyphen ("follow-\nup" reads "follow-up")."""
    if "-" not in text or "\n" not in text:
        return text

    def joined(match: re.Match[str]) -> str:
        first, rest = match.groups()
        word = f"{first}-{rest}" if first.lower() in _COMPOUND_FIRST else first + rest
        return " " * (match.end() - match.start() - len(word)) + word

    return _HYPHENATED.sub(joined, text)


def join_line_breaks(text: str) -> str:
    """`text` with each line break inside a sentence made a space, the same length (offsets stay valid).

    Text taken from PDFs breaks lines mid-sentence ("positive for\ncocaine"): a term or pattern reads the sentence
    as one line. The line breaks that end a sentence (`split_sentences`: a blank line, a line before a bullet, a
    number or a "Header:", around a line in capitals) are kept."""
    if "\n" not in text and "\r" not in text:
        return text
    kept = {
        position
        for match in _CANDIDATE.finditer(text)
        if match.group()[0] not in ".!?"
        for position in range(match.start(), match.end())
        if text[position] == "\n"
    }
    characters = list(text)
    for match in _LINE_BREAK.finditer(text):
        if match.start() not in kept:
            characters[match.start()] = " "
    return "".join(characters)


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Sentence]:
    """The sentences of `text[start:end]`, with offsets into `text`, leading and trailing whitespace trimmed."""
    stop = len(text) if end is None else end
    sentences: list[Sentence] = []
    begin = start
    for match in _CANDIDATE.finditer(text, start, stop):
        if _is_boundary(text, match):
            _append(text, begin, match.end(), sentences)
            begin = match.end()
    _append(text, begin, stop, sentences)
    return sentences


def _append(text: str, start: int, end: int, sentences: list[Sentence]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        sentences.append(Sentence(start, end, text[start:end]))


_WINDOW = 1500


def sentence_at(text: str, start: int, end: int | None = None) -> Sentence:
    """The sentence that contains `text[start:end]` (looking at most 1500 characters either side)."""
    stop = start if end is None else end
    low = max(0, start - _WINDOW)
    high = min(len(text), stop + _WINDOW)
    for sentence in split_sentences(text, low, high):
        if sentence.start <= start < sentence.end or (sentence.start <= start and stop <= sentence.end):
            return sentence
    return Sentence(start, stop, text[start:stop])


# --- sections ----------------------------------------------------------------------------------------------------


class SectionRule(BaseModel):
    """One section category and the header titles that open it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    category: str
    titles: list[str] = Field(min_length=1)


class SectionRules(BaseModel):
    """The section-header file: `knowledge/context/sections.yaml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    sections: list[SectionRule]


@dataclass(frozen=True, slots=True)
class Section:
    """A section of a document: its category, the header as written, and offsets of the body (end exclusive)."""

    category: str
    title: str
    start: int
    end: int


@cache
def section_rules() -> SectionRules:
    """The packaged section-header rules, loaded once."""
    return load_knowledge("context/sections.yaml", SectionRules)


@cache
def _header_regex() -> tuple[re.Pattern[str], dict[str, str]]:
    """The header expression and each title's category. A one-letter title (the S, O, A and P of a SOAP note) opens a
    section only with a colon: "A - fib" is not an assessment."""
    titles = {" ".join(t.lower().split()): rule.category for rule in section_rules().sections for t in rule.titles}
    words = "|".join(r"\s+".join(map(re.escape, t.split())) for t in sorted(titles, key=len, reverse=True) if len(t) > 1)
    letters = "".join(sorted(t for t in titles if len(t) == 1))
    title = rf"(?P<title>{words})[ \t]*(?::|-|\n|$)" + (rf"|(?P<letter>[{letters}])[ \t]*:" if letters else "")
    regex = re.compile(rf"(?im)^[ \t]*(?:\d{{1,2}}[.)]\s*)?(?:{title})")
    return regex, titles


def find_sections(text: str) -> list[Section]:
    """Sections opened by a header at the start of a line ("Physical Examination:", "ASSESSMENT:"), in order.

    Each runs to the next header or the end of the text. Text before the first header is in no section.
    """
    regex, titles = _header_regex()
    headers = [(m.start(), m.end(), m.group("title") or m.group("letter")) for m in regex.finditer(text)]
    sections = []
    for index, (_, body_start, title) in enumerate(headers):
        body_end = headers[index + 1][0] if index + 1 < len(headers) else len(text)
        sections.append(Section(titles[" ".join(regex_fold(title).split())], title, body_start, body_end))
    return sections


@lru_cache(maxsize=64)
def _plan_sections(text: str) -> tuple[Section, ...]:
    return tuple(section for section in find_sections(text) if section.category == "plan")


def plan_section(text: str, offset: int) -> Section | None:
    """The plan section ("Plan:", "Treatment plan:", "Requests:") that `offset` of `text` lies in, if any."""
    return next((s for s in _plan_sections(text) if s.start <= offset < s.end), None)


_LIST_ITEM = re.compile(r"[ \t]*(?:-(?!-*>)|[•*▪·]|\d{1,2}[.)]\s)")
"""A line that is an item of a list: a bullet (not an arrow) or a number opens it."""


def list_lead_in(text: str, offset: int) -> str:
    """The line that introduces the list whose item `offset` lies in, ending with a colon ("Post-operative
    medications:" above "- Norco 5/325 #40", "Requested for after the surgery:" above "1. ondansetron 4 mg"); empty
    when the line of `offset` is no list item or no such line heads the items above it. What the lead-in says holds of
    every item."""
    start = text.rfind("\n", 0, offset) + 1
    if not _LIST_ITEM.match(text, start):
        return ""
    while start > 0:
        end = start - 1
        start = text.rfind("\n", 0, end) + 1
        if not _LIST_ITEM.match(text, start, end):
            line = text[start:end].strip()
            return line if line.endswith(":") else ""
    return ""


_CLAUSE_BREAK = re.compile(r";|\b(?:but|however|whereas|although)\b", re.IGNORECASE)

_FINITE_VERBS = (
    *("is", "are", "was", "were", "has", "have", "had", "will", "would", "can", "could", "does", "did"),
    *("report", "reports", "reported", "state", "states", "stated", "note", "notes", "noted", "denies", "denied"),
    *("complain", "complains", "complained", "underwent", "completed", "attended", "received", "takes", "took"),
    *("continues", "continued", "uses", "used", "remains", "remained", "feels", "felt", "returned", "started"),
    *("began", "tried"),
)
_VERB_WORDS = WordStartTerms.compile(trie_regex(sorted(_FINITE_VERBS)))
_COORDINATOR_WORDS = WordStartTerms.compile(trie_regex(["and", "while", "whereas"]))
_WORDS_READ = {ascii: (_VERB_WORDS.ascii_twin(ascii), _COORDINATOR_WORDS.ascii_twin(ascii)) for ascii in (False, True)}
"""The finite verbs and the clause coordinators, whole words in a lower-cased text (`WordStartTerms`: the search skips
to the non-word characters, where a word can start), with Unicode classes and (key true) ASCII classes."""
_SEMICOLON = re.compile(";")


def has_finite_verb(text: str, start: int = 0, end: int | None = None) -> bool:
    """Whether `text[start:end]` holds a verb that makes a clause a statement of its own ("is", "reported", "underwent",
    a whole word whatever its case)."""
    verbs, _ = _WORDS_READ[reads_as_ascii(text)]
    return verbs.occurs(regex_fold(text), start, end)


def clause_starts(sentence: str) -> list[int]:
    """Offsets in `sentence` where its clauses begin: its start, after each semicolon, and after each "and", "while"
    or "whereas" that joins two clauses each with a verb of its own ("she is doing home exercises and the massage is
    requested" is two clauses; "an MRI and an EMG were requested" is one)."""
    starts = [0]
    verbs, coordinating = _WORDS_READ[reads_as_ascii(sentence)]
    lowered = regex_fold(sentence)
    parts = [0, *(semicolon.end() for semicolon in _SEMICOLON.finditer(sentence)), len(sentence) + 1]
    for part_start, part_end in itertools.pairwise(parts):
        end = part_end - 1
        if part_start:
            starts.append(part_start)
        begin = part_start
        coordinators = coordinating.spans(lowered, part_start, end)
        for index, (joint_start, joint_end) in enumerate(coordinators):
            right = coordinators[index + 1][0] if index + 1 < len(coordinators) else end
            if verbs.occurs(lowered, begin, joint_start) and verbs.occurs(lowered, joint_end, right):
                begin = joint_end
                starts.append(begin)
    return starts


def _spans(cuts: re.Pattern[str], sentence: str) -> list[tuple[int, int]]:
    """Where `cuts` cuts the sentence: each match, or its group `cut` when that took part (an expression that reads
    the words around its cut to know it is one)."""
    cut = "cut" if "cut" in cuts.groupindex else 0
    spans = []
    for match in for_text(cuts, sentence).finditer(sentence):
        start, end = match.span(cut)
        spans.append((start, end) if start >= 0 else match.span())
    return spans


_breaks = IdentityMemo(_spans, 1024)
"""Where an expression cuts a sentence (the spans of its matches), kept: a sentence's mentions ask for their clauses
one by one."""


def clause_bounds(sentence: str, start: int, end: int, cuts: re.Pattern[str] = _CLAUSE_BREAK) -> tuple[int, int]:
    """The clause of `sentence` that holds `start:end`: the sentence cut where `cuts` matches (at its group `cut`,
    when it has one and that took part), by default at semicolons and at "but", "however", "whereas", "although"
    ("knee pain; thumb fracture" has two clauses)."""
    breaks = _breaks(cuts, sentence)
    clause_start = max((e for _, e in breaks if e <= start), default=0)
    clause_end = min((s for s, _ in breaks if s >= end), default=len(sentence))
    return clause_start, clause_end
