"""Whole-word matching of lexicon terms in text, compiled once into a prefix-tree regular expression.

A lexicon has hundreds of terms; one alternation of them all makes the regex engine try every term at every
position. Folding the terms into a character trie first gives a pattern that rejects most positions on their first
character, which is what lets the engine scan whole records quickly.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cached_property, lru_cache
from operator import itemgetter
from typing import Generic, NamedTuple, TypeVar

import ahocorasick

from openimr.errors import OpenIMRError
from openimr.memo import IdentityMemo

V = TypeVar("V")

_SEPARATOR = re.compile(r"[\s\-]+")
_GAP = r"[\s\-]+"
_CASE_SENSITIVE = re.compile(r"[A-Z]{1,3}")


_NEGATION_WORD = r"(?!(?:no|not|non|nor|without|w/o|never|negative|denies|denied|free)\b)"
"""A look-ahead refusing a word that negates what follows it."""
_WORD_GAPS = (
    (r"(?:\w+\s+)", rf"(?:{_NEGATION_WORD}\w+/?\s+)"),
    (r"(?:[\w/-]+\s+)", rf"(?:{_NEGATION_WORD}[\w/-]+\s+)"),
    (r"(?:\w+,? )", rf"(?:{_NEGATION_WORD}\w+/?,? )"),
    (r"(?:\s+\w+)", rf"(?:\s+{_NEGATION_WORD}\w+/?)"),
)
"""Gaps of a few words a pattern allows and the same gaps refusing a negation; a word of a gap may be shorthand
ending in a slash ("w/")."""


PERCENT = r"(?:\s?%|\s+per\s?cent\b)"
"""Regex fragment: a percent sign after a number, or the word ("70%", "70 %", "70 percent")."""
_WORD_START_IN_PATTERN = r"(?:(?<=\\[bsBS])|(?<![\w\\]))"
_WORD_END_IN_PATTERN = r"(?![\w?*+{])"
_GAP_IN_PATTERN = r"(?: |\\s\+?|\[\\s-\]\+?|-)"
"""How a pattern writes the space between the words of a phrase: " ", "\\s", "\\s+", "[\\s-]", "[\\s-]+" or "-"."""


def _abbreviated(word: str, short: str, shorts: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    """A noun of a pattern written as "word", "words" or "words?" and the abbreviation clinical notes write for it, in
    the singular (`short`) and the plural (`shorts`): "wk"/"wks" for "week"/"weeks"."""
    return (
        (re.compile(_WORD_START_IN_PATTERN + word + r"s\?" + _WORD_END_IN_PATTERN), f"(?:{word}s?|{short}|{shorts})"),
        (re.compile(_WORD_START_IN_PATTERN + word + "s" + _WORD_END_IN_PATTERN), f"(?:{word}s|{shorts})"),
        (re.compile(_WORD_START_IN_PATTERN + word + _WORD_END_IN_PATTERN), f"(?:{word}|{short})"),
    )


_AS_WRITTEN = "\0"
"""In a variant, the words of the pattern as written."""


def _stem(stem: str, *synonyms: str) -> tuple[re.Pattern[str], str]:
    """A word stem of a pattern written with any ending ("tender\\w*", "diagnos\\w+") and the synonyms notes write."""
    return re.compile(_WORD_START_IN_PATTERN + re.escape(stem) + r"\\w[*+]"), f"(?:{_AS_WRITTEN}|{'|'.join(synonyms)})"


def _phrase(words: str, *shorthand: str) -> tuple[re.Pattern[str], str]:
    """A phrase of a pattern, its words separated as patterns write them, and the phrase or the shorthand notes write
    for it (upper-case shorthand is matched in capitals only: "PT" is physical therapy, "pt" the patient)."""
    spaced = _GAP_IN_PATTERN.join(re.escape(word) for word in words.split())
    forms = "|".join(f"(?-i:{form})" if form.isupper() else form for form in shorthand)
    return re.compile(_WORD_START_IN_PATTERN + spaced + _WORD_END_IN_PATTERN), f"(?:{_AS_WRITTEN}|{forms})"


_SHORTHAND = (
    (re.compile(_WORD_START_IN_PATTERN + r"without(?!\w)"), "(?:without|w/o)"),
    (re.compile(_WORD_START_IN_PATTERN + r"with(?=[ |)]|\\s)"), r"(?:with|w/(?!o\b)\s*)"),
    (re.compile(_WORD_START_IN_PATTERN + r"history(?: |\\s\+)of(?!\w)"), r"(?:history\s+of|h/o)"),
    *_abbreviated("week", "wk", "wks"),
    *_abbreviated("month", "mo", "mos"),
    *_abbreviated("year", "yr", "yrs"),
    *_abbreviated("symptom", "sx", "sx"),
    *_abbreviated("treatment", "tx", "tx"),
    *_abbreviated("medication", "med", "meds"),
    (re.compile(_WORD_START_IN_PATTERN + r"diagnosis" + _WORD_END_IN_PATTERN), "(?:diagnosis|dx)"),
    (re.compile(_WORD_START_IN_PATTERN + "history" + _WORD_END_IN_PATTERN), "(?:history|hx)"),
    (re.compile(_WORD_START_IN_PATTERN + "therapy" + _WORD_END_IN_PATTERN), "(?:physio)?therapy"),
    (re.compile(_WORD_START_IN_PATTERN + "negative" + _WORD_END_IN_PATTERN), r"(?:negative|neg\b\.?)"),
    (re.compile(r"(?<![\w\\])x-\?rays\?"), r"(?:x-?rays?|(?-i:XRs?))"),
    (re.compile(r"(?: |\\s\+?)not" + _WORD_END_IN_PATTERN), r"(?:\s+not|n't)"),
    (re.compile(_WORD_START_IN_PATTERN + "left" + _WORD_END_IN_PATTERN), r"(?:left|lt\.?|(?-i:L))"),
    (re.compile(_WORD_START_IN_PATTERN + "right" + _WORD_END_IN_PATTERN), r"(?:right|rt\.?|(?-i:R))"),
    (re.compile(_WORD_START_IN_PATTERN + "bilateral" + _WORD_END_IN_PATTERN), r"(?:bilateral|bilat\.?|b/l)"),
)
"""Words of a pattern and the shorthand clinical notes write for them ("w/o" for "without", "w/" for "with" before a
space or the end of its group, "h/o" for "history of", "wks" for "weeks", "dx" for "diagnosis", "neg" for "negative",
"XR" for "x-ray", "L" for "left", "hasn't" for "has not")."""
_SIGNS = (
    (
        re.compile(r"(?:\\b|(?<=\\[sS])|(?<![\w\\]))positive(?:\\b)?" + _WORD_END_IN_PATTERN),
        r"(?:\bpositive\b|\(\+\)|(?<![\w+(])\+(?![\d+/)]))",
    ),
    (re.compile(r"(?:\\s\?)?%"), PERCENT),
    (re.compile(r"/5(?![\d?*+{])"), r"(?:/5|\s+out\s+of\s+(?:5|five)\b)"),
    (re.compile(r"/10(?![\d?*+{])"), r"(?:/10|\s+out\s+of\s+(?:10|ten)\b)"),
)
"""Words of a pattern that notes write as a sign, and signs of a pattern they write as words: "+" or "(+)" for
"positive" (but not a grade, "2+", nor "+/-"), "70 percent" for "70%", "4 out of 5" for "4/5"."""
_PHRASES = (
    _phrase("physical therapy", "physiotherapy", "PT"),
    _phrase("home exercise program", "HEP"),
    _phrase("home exercise", "HEP"),
    _phrase("range of motion", "ROM"),
    _phrase("low back pain", "LBP"),
    _phrase("activities of daily living", r"ADLs?"),
    _phrase("straight leg raise", "SLR"),
    _phrase("straight leg raising", "SLR"),
    _phrase("tenderness to palpation", "TTP"),
    _phrase("urine drug screen", "UDS"),
    _phrase("urine drug test", "UDT"),
    _phrase("urine drug testing", "UDT"),
    _phrase("date of injury", "DOI"),
    _phrase("return to work", "RTW"),
    _phrase("able to", "can", "could"),
    _phrase("unable to", "cannot", r"can\s+not", r"could\s+not", "can't", "couldn't"),
    _phrase("despite", r"in\s+spite\s+of"),
    _phrase("failed", r"did\s+not\s+(?:improve|respond)\s+(?:with|to)"),
    _phrase("discontinued", r"d/c'?e?d", r"dc'e?d"),
    _phrase("tenderness", r"pain\s+(?:on|with|to)\s+palpation"),
    _stem("tender", r"pain\s+(?:on|with|to)\s+palpation"),
    _stem("diagnos", "dx"),
    _phrase("weakness", r"(?:decreased|reduced|diminished)\s+strength"),
    _phrase("function", r"functional\s+(?:status|level|capacity|abilities|ability)"),
    _phrase("limited", "restricted"),
    _phrase("surgery", "operation"),
    _phrase("surgeries", "operations"),
    _phrase("medication", "medicine"),
    _phrase("medications", "medicines"),
    _phrase("MRI", "magnetic resonance imaging"),
    _phrase("osteoarthritis", "OA"),
    _phrase("degenerative joint disease", "DJD"),
)
"""Words and phrases of a pattern and the abbreviations and synonyms notes write for them ("HEP" for "home exercise
program", "in spite of" for "despite", "pain on palpation" for "tenderness", "d/c'd" for "discontinued")."""
_PAST_TENSE = {
    "is": "was",
    "are": "were",
    "has": "had",
    "have": "had",
    "walks": "walked",
    "ambulates": "ambulated",
    "uses": "used",
    "takes": "took",
    "needs": "needed",
    "requires": "required",
    "remains": "remained",
    "persists": "persisted",
    "continues": "continued",
    "reports": "reported",
    "complains": "complained",
    "radiates": "radiated",
    "limits": "limited",
    "prevents": "prevented",
    "interferes": "interfered",
    "wakes": "woke",
    "shows": "showed",
    "reveals": "revealed",
    "demonstrates": "demonstrated",
    "lacks": "lacked",
    "tolerates": "tolerated",
    "works": "worked",
    "sleeps": "slept",
    "performs": "performed",
}
"""Verbs of patterns in the present tense and their past: summaries retell the record in the past tense ("the
diagnosis was unclear" for "the diagnosis is unclear")."""
_TENSES = tuple(
    (re.compile(_WORD_START_IN_PATTERN + rf"{present}(?![\w?*+{{])"), f"(?:{present}|{past})")
    for present, past in _PAST_TENSE.items()
)
_CONTRACTED = r"(?:do|does|did|is|was|were|are|has|have|had|could|wo|would|should|need|must)"
"""The words a pattern's "not" is contracted onto when the pattern does not write them ("hasn't" for "not" opening
a pattern or an alternative: "not yet had" matches "hasn't yet had"; "won't" is "wo" and "n't"). "can't" reads as "cannot"
(the phrase "unable to"), one word, which a pattern writes where it means it."""
_CONTRACTION = (re.compile(r"(?:^|(?<=[(|:])|(?<=\)\?)|(?<=\\b))not" + _WORD_END_IN_PATTERN), rf"(?:not|{_CONTRACTED}n't)")
_FIXED = re.compile(r"\(\?<[!=][^()]*\)|\[(?:\\.|[^\]\\])*\]")
"""Parts of a pattern whose words stay as written: a look-behind (it must keep its width) and a character class."""


def with_variants(pattern: str, signs: bool = True) -> str:
    """`pattern` also matching the shorthand clinicians write for its words ("without benefit" matches "w/o
    benefit", "limited range of motion" "limited ROM"), with `signs` the signs they write for some ("+" for
    "positive"), its verbs in the past tense ("is unclear" matches "was unclear") and a "not" it opens with
    contracted ("not yet had" matches "hasn't yet had"); look-behinds and character classes are left as written."""
    fixed = [match.span() for match in _FIXED.finditer(pattern)]
    for written, either in (*_PHRASES, *_SHORTHAND, *(_SIGNS if signs else ()), *_TENSES, _CONTRACTION):
        places = [m for m in written.finditer(pattern) if not any(a <= m.start() < b for a, b in fixed)]
        for place in reversed(places):
            pattern = pattern[: place.start()] + either.replace(_AS_WRITTEN, place.group()) + pattern[place.end() :]
        fixed = [match.span() for match in _FIXED.finditer(pattern)]
    return pattern


_SPACE_IN_PATTERN = re.compile(r"(?<!\\)(?: |\\s|\[(?:\\.|[^\]\\])*(?: |\\s)(?:\\.|[^\]\\])*\])(?![?*+{])")
"""A space a pattern writes once: " ", "\\s" or a class that holds one ("[\\s-]"), no quantifier after it."""
_LOOK_BEHIND = re.compile(r"\(\?<[!=][^()]*\)")
_CLASS = re.compile(r"\[(?:\\.|[^\]\\])*\]")


def widen_spaces(pattern: str) -> str:
    """`pattern` with each space written once in it matching a run of spaces: typed notes and text from PDFs space
    words twice ("degenerative  joint disease"). Look-behinds keep their width."""
    behind = [match.span() for match in _LOOK_BEHIND.finditer(pattern)]
    classes = [match.span() for match in _CLASS.finditer(pattern)]
    places = [
        m.end()
        for m in _SPACE_IN_PATTERN.finditer(pattern)
        if not any(a <= m.start() < b for a, b in behind)
        and not any(a < m.start() < b for a, b in classes)
        and not m.group().startswith("[^")
    ]
    for place in reversed(places):
        pattern = pattern[:place] + "+" + pattern[place:]
    return pattern


def compiled_form(pattern: str) -> str:
    """A term pattern as it is compiled: its word gaps refusing a negation (`guard_gaps`), its spaces matching runs of
    spaces (`widen_spaces`)."""
    return widen_spaces(guard_gaps(pattern))


def guard_gaps(pattern: str) -> str:
    """`pattern` with its word gaps ("(?:\\w+\\s+){0,3}?", any few words between a term's words) refusing a negation:
    "spine showed no fractures" is not a spinal fracture, and the negation is left outside the match for the
    assertion to read."""
    for gap, guarded in _WORD_GAPS:
        pattern = pattern.replace(gap, guarded)
    return pattern


def pattern_anchors(pattern: str) -> tuple[str, ...]:
    """Lower-case letter runs of a regular expression, at least one of which is in any text it matches (as a
    substring): a cheap test of whether a text can match at all.

    The pattern is read as a tree of alternations, sequences and groups. A sequence needs all its parts, so one part
    is enough to test: the most selective (the one whose shortest run is longest). An alternation needs one of its
    branches, so it takes the runs of every branch. Escapes, character classes, look-arounds and optional parts say
    nothing certain; a run right before an optional quantifier ("reports?") loses its last letter. A pattern with a
    branch that says nothing certain (digits only) has no anchors: it may match any text.
    """
    branches, _ = _alternation(pattern.lower(), 0)
    anchors = _either(branches)
    return _shortest_first(anchors) if anchors else ()


Requirements = tuple[tuple[tuple[str, ...], ...], ...]
"""What a text must hold for a pattern to match it (`pattern_requirements`): for some branch, one run of each group."""


def pattern_requirements(pattern: str) -> Requirements:
    """What any text a regular expression matches contains, finer than `pattern_anchors`: one entry per branch of the
    pattern's top-level alternation, each the groups of letter runs of which the branch's match contains one of every
    group (a branch "straight leg raise positive" needs all four words), the most selective group first and the
    shortest run of a group first. Empty when some branch says nothing certain: the pattern may match any text."""
    branches, _ = _alternation(pattern.lower(), 0)
    if not branches or any(not branch for branch in branches):
        return ()
    return tuple(
        tuple(_shortest_first(runs) for runs in sorted(dict.fromkeys(branch), key=_selectivity, reverse=True))
        for branch in branches
    )


def pattern_prefixes(pattern: str, ascii: bool = False) -> tuple[str, ...]:
    """Lower-case letter runs one of which any match of a regular expression starts with: the places in a text where
    it can match at all. Empty when a branch may start otherwise (with a class, an escape or an optional part).

    With `ascii`, for a text that `reads_as_ascii`: also runs that start with digits, a branch that starts with a
    class of digits ("[4-9]") or with `\\d` (in such a text, an ASCII digit) starting with each of them."""
    prefixes, _ = _leading_alternation(pattern, 0, ascii)
    return _shortest_first(run.lower() for run in prefixes) if prefixes else ()


def _leading_alternation(source: str, index: int, ascii: bool = False) -> tuple[frozenset[str] | None, int]:
    found: set[str] = set()
    certain = True
    while True:
        prefixes = _leading(source, index, ascii)
        _, index = _sequence(source, index)
        certain = certain and prefixes is not None
        found |= prefixes or set()
        if index < len(source) and source[index] == "|":
            index += 1
            continue
        break
    return (frozenset(found) if certain else None), index


_ZERO_WIDTH = ("\\b", "\\B", "\\A", "^")


_DIGITS = "0123456789"
_DIGIT_CLASS = re.compile(r"\\d|\[((?:\d(?:-\d)?)+)\]")
"""`\\d`, or a class of digits and ranges of digits ("[4-9]", "[0-4]", "[1-35]")."""


def _in_run(char: str, ascii: bool) -> bool:
    return char.isalpha() or (ascii and char in _DIGITS)


def _leading_digits(source: str, index: int) -> frozenset[str] | None:
    """The digits a class of digits (or `\\d`, read as ASCII) at `index` matches, or None (no such class there, or
    an optional one)."""
    found = _DIGIT_CLASS.match(source, index)
    if found is None or _optional_at(source, found.end()):
        return None
    if found.group(1) is None:
        return frozenset(_DIGITS)
    ranges = re.findall(r"(\d)(?:-(\d))?", found.group(1))
    return frozenset(digit for low, high in ranges for digit in _DIGITS[int(low) : int(high or low) + 1])


def _leading(source: str, index: int, ascii: bool = False) -> frozenset[str] | None:
    """Runs one of which a match of the branch at `index` starts with, past any zero-width assertion (with `ascii`,
    also runs starting with digits, see `pattern_prefixes`)."""
    while True:
        width = next((len(z) for z in _ZERO_WIDTH if source.startswith(z, index)), 0)
        if not width and source.startswith("(?", index) and _opening(source, index)[1] == "look":
            _, after = _group(source, index)
            width = after - index
        if not width:
            break
        index += width
    if index < len(source) and _in_run(source[index], ascii):
        run = ""
        while index < len(source) and _in_run(source[index], ascii) and not _optional_at(source, index + 1):
            run += source[index]
            index += 1
        return frozenset({run}) if run else None
    if ascii and (digits := _leading_digits(source, index)) is not None:
        return digits
    if not source.startswith("(", index):
        return None
    skip, kind = _opening(source, index)
    if kind != "group":
        return None
    prefixes, after = _leading_alternation(source, index + skip, ascii)
    return None if _optional_at(source, after + 1) else prefixes


def selective(requirements: Requirements, letters: int = 3) -> Requirements:
    """`requirements` cut to the groups worth testing: the most selective of each branch, and the others whose runs
    all have `letters` letters or more (a run such as "a" or "of" is in almost every sentence)."""
    return tuple(
        tuple(runs for rank, runs in enumerate(branch) if rank == 0 or len(runs[0]) >= letters) for branch in requirements
    )


def meeting(requirements: Requirements, held: Mapping[str, int]) -> int:
    """The places that meet `requirements`, as a bit set, given the places (a bit set) that hold each run."""
    met = 0
    for branch in requirements:
        places = -1
        for runs in branch:
            holding = 0
            for run in runs:
                holding |= held.get(run, 0)
            places &= holding
            if not places:
                break
        met |= places
    return met


_FOLDS_ODDLY = "µıſͅΐΒΕΘΙΚΜΠΡΣΥΦΰβεθικμπρςσφϐϑϕϖϰϱϵВДОСТЪвдостъѢѣᲀᲁᲂᲃᲄᲅᲆᲇᲈṠṡẛιΐΰꙊꙋﬅﬆ"
"""Letters a case-insensitive regular expression matches to letters other than their lower case ("ſ" matches "s")."""
_ODD_LETTER = re.compile(f"[{_FOLDS_ODDLY}]")


def has_odd_letter(text: str) -> bool:
    """Whether `text` has a letter that folds oddly: where a text or a pattern has one, the runs a pattern needs,
    looked for in the lower-cased text, may be missed."""
    return not text.isascii() and _ODD_LETTER.search(text) is not None


def folds_plainly(text: str) -> bool:
    """Whether a case-insensitive pattern matches each letter of `text` only as its lower case, and lower-casing
    keeps the text's length (offsets into the lower-cased text are offsets into the text)."""
    return text.isascii() or (len(text.lower()) == len(text) and not has_odd_letter(text))


def reads_as_ascii(text: str) -> bool:
    """Whether every regular expression written in ASCII matches `text` alike read with Unicode or with ASCII classes
    (`ascii_twin`): the text is ASCII, or what it holds beyond ASCII is punctuation and symbols without case ("°",
    "×": neither letters, digits nor spaces to either reading, matched by nothing but themselves); and it holds none of
    the four characters ("\\x1c" to "\\x1f") that are spaces (`\\s`) to a regular expression reading Unicode and not
    to one reading ASCII."""
    if "\x1c" in text or "\x1d" in text or "\x1e" in text or "\x1f" in text:
        return False
    return text.isascii() or all(map(_inert, {char for char in set(text) if not char.isascii()}))


@lru_cache(maxsize=1024)
def _inert(char: str) -> bool:
    """Whether a character is punctuation or a symbol without case, and no space: read alike with Unicode or with
    ASCII classes (not `\\w`, `\\d` nor `\\s`), it matches nothing in an ASCII expression but itself, ignoring case
    or not."""
    return (
        unicodedata.category(char)[0] in "PS"
        and not (char.isalnum() or char.isspace())
        and char.lower() == char == char.upper()
        and char.casefold() == char
    )


_NAMES_NON_ASCII = re.compile(r"\\[uUN]")
"""An escape that may name a letter beyond ASCII ("\\u017f" is "ſ", which a case-insensitive expression matches to
"s")."""


def _has_ascii_twin(pattern: str) -> bool:
    """Whether an expression read with ASCII classes matches as it does read with Unicode ones in a text that
    `reads_as_ascii`: its pattern is ASCII and names no letter beyond ASCII."""
    return pattern.isascii() and not _NAMES_NON_ASCII.search(pattern)


def _ascii_twin(regex: re.Pattern[str], _: None) -> re.Pattern[str]:
    if not _has_ascii_twin(regex.pattern):
        return regex
    return re.compile(regex.pattern, (regex.flags & ~re.UNICODE) | re.ASCII)


_TWINS = IdentityMemo(_ascii_twin, 4096)


def ascii_twin(regex: re.Pattern[str], ascii: bool = True) -> re.Pattern[str]:
    """`regex` read with ASCII classes (`\\w`, `\\b`, `\\s`, case folding): in a text that `reads_as_ascii`, the
    same matches as `regex`, found more quickly (no Unicode lookups for each character). `regex` itself when `ascii` is
    false (the text to search does not read as ASCII), or when its pattern is not ASCII or names a letter beyond ASCII
    (such a letter may fold to an ASCII one, as "ſ" does to "s")."""
    return _TWINS(regex, None) if ascii else regex


def for_text(regex: re.Pattern[str], text: str) -> re.Pattern[str]:
    """The quicker of `regex` and its ASCII twin that matches `text` as `regex` does."""
    return ascii_twin(regex, reads_as_ascii(text))


def _search_anchors(regex: re.Pattern[str], _: None) -> tuple[str, ...]:
    return () if has_odd_letter(regex.pattern) else pattern_anchors(regex.pattern)


_SEARCH_ANCHORS = IdentityMemo(_search_anchors, 4096)


def anchored_search(
    regex: re.Pattern[str], text: str, folded: str | None = None, pos: int = 0, endpos: int | None = None
) -> re.Match[str] | None:
    """`regex.search(text, pos, endpos)` (`for_text`), made only when the searched part of the text holds one of the
    expression's anchors (`pattern_anchors`, none for an expression with a letter that folds oddly), looked for in
    `folded`, that part as `regex_fold` folds it (worked out when not given): most sentences hold none of the words of
    a wording such as a review's, and it is the search, tried at every place of the text, that costs. As with
    `Pattern.search`, a `^` matches at the text's own start, not at `pos`."""
    end = len(text) if endpos is None else endpos
    anchors = _SEARCH_ANCHORS(regex, None)
    if anchors and not may_match(anchors, regex_fold(text[pos:end]) if folded is None else folded):
        return None
    return for_text(regex, text).search(text, pos, end)


def holds(requirements: Requirements, held: AbstractSet[str]) -> bool:
    """Whether a text that holds the runs `held` meets `requirements` (`meeting` for one place)."""
    for branch in requirements:
        for runs in branch:
            if held.isdisjoint(runs):
                break
        else:
            return True
    return False


_VALUE = itemgetter(1)
"""The run of an occurrence the automaton reports (its end, its run)."""


class RunIndex:
    """Finds which of many runs (anchors and required runs of patterns) a text holds: one pass of an Aho-Corasick
    automaton of them all (built once, in C) reports every occurrence of every run, overlapping ones too."""

    def __init__(self, runs: Iterable[str]) -> None:
        self._automaton: ahocorasick.Automaton | None = None
        known = set(runs)
        if known:
            self._automaton = ahocorasick.Automaton()
            for run in known:
                self._automaton.add_word(run, run)
            self._automaton.make_automaton()

    def held(self, text: str) -> frozenset[str]:
        """The runs `text` holds (as written: the caller lower-cases the text)."""
        if self._automaton is None:
            return frozenset()
        return frozenset(map(_VALUE, self._automaton.iter(text)))

    def held_by_place(self, text: str, bounds: list[int]) -> dict[str, int]:
        """For each run some place of `text` holds (place i runs from `bounds[i]` to `bounds[i + 1]`), the places that
        hold it, as a bit set: `held` for every place."""
        found: dict[str, int] = {}
        if self._automaton is None:
            return found
        occurrences = self._automaton.iter
        for place in range(len(bounds) - 1):
            bit = 1 << place
            for run in set(map(_VALUE, occurrences(text, bounds[place], bounds[place + 1]))):
                found[run] = found.get(run, 0) | bit
        return found


class AnchorIndex:
    """Which of a list of patterns, each with its anchors (`pattern_anchors`: letter runs one of which any text it
    matches holds), a text may match: one pass of a `RunIndex` of every anchor in place of a test of each pattern."""

    def __init__(self, anchors: Iterable[tuple[str, ...]]) -> None:
        by_anchor: dict[str, list[int]] = {}
        everywhere: list[int] = []
        for index, runs in enumerate(anchors):
            for run in runs:
                by_anchor.setdefault(run, []).append(index)
            if not runs:
                everywhere.append(index)
        self._by_anchor = {run: tuple(indexes) for run, indexes in by_anchor.items()}
        self._everywhere = tuple(everywhere)
        self._runs = RunIndex(by_anchor)

    def may_match(self, lowered: str) -> list[int]:
        """The indexes, in order, of the patterns that a text (lower-cased) can match (`may_match`): those without
        anchors and those one of whose anchors it holds."""
        by_anchor = self._by_anchor
        return sorted({*self._everywhere, *(index for run in self._runs.held(lowered) for index in by_anchor[run])})


_Anchors = frozenset[str]
"""Letter runs one of which any match contains."""
_Branch = list[_Anchors]
"""Anchors a match of one branch of an alternation contains, one of each; empty when nothing is certain."""


def _alternation(source: str, index: int) -> tuple[list[_Branch], int]:
    branches: list[_Branch] = []
    while True:
        branch, index = _sequence(source, index)
        branches.append(branch)
        if index < len(source) and source[index] == "|":
            index += 1
            continue
        break
    return branches, index


def _shortest_first(runs: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(runs, key=lambda run: (len(run), run)))


def _selectivity(runs: _Anchors) -> tuple[int, int]:
    """How rarely a text holds one of `runs`, as a sort key: the longer the shortest run and the fewer runs, the rarer."""
    return min(map(len, runs)), -len(runs)


def _best(parts: _Branch) -> _Anchors:
    return max(parts, key=_selectivity)


def _either(branches: list[_Branch]) -> _Anchors | None:
    """Anchors one of which any match of the alternation contains: the best of each branch; None when a branch has
    none."""
    if any(not branch for branch in branches):
        return None
    return frozenset().union(*(_best(branch) for branch in branches))


def _optional_at(source: str, index: int) -> bool:
    return index < len(source) and (source[index] in "?*" or source.startswith("{0", index))


_OPENING = re.compile(r"\((?:\?(?:(?P<look><=|<!|=|!)|P<\w+>|[aiLmsux-]*:))?", re.IGNORECASE)


def _opening(source: str, index: int) -> tuple[int, str]:
    """The length of the group opening at `index`, and what the group is: "look" (a look-around: zero width),
    "other" (an extension not known here, such as "(?P=name)": it matches something uncertain) or "group"."""
    opening = _OPENING.match(source, index)
    assert opening is not None
    if opening.group("look") is not None:
        return opening.end() - index, "look"
    if opening.end() - index == 1 and source.startswith("(?", index):
        return 2, "other"
    return opening.end() - index, "group"


def _group(source: str, index: int) -> tuple[_Branch, int]:
    """The anchors of the group opening at `index` (all of a group with one branch), and the index after its closing
    parenthesis."""
    skip, kind = _opening(source, index)
    branches, index = _alternation(source, index + skip)
    if kind != "group":
        return [], index + 1
    if len(branches) == 1:
        return branches[0], index + 1
    either = _either(branches)
    return ([either] if either else []), index + 1


def _sequence(source: str, index: int) -> tuple[_Branch, int]:
    parts: _Branch = []
    run = ""
    while index < len(source) and source[index] not in "|)":
        char = source[index]
        if char.isalpha():
            if _optional_at(source, index + 1):  # the letter may be absent: the run ends before it
                parts += [frozenset({run})] if run else []
                run = ""
                index = _skip_quantifier(source, index + 1)
            else:
                run += char
                index += 1
            continue
        parts += [frozenset({run})] if run else []
        run = ""
        items: _Branch = []
        if char == "\\":
            index += 2
        elif char == "[":
            close = source.find("]", index + 2)
            index = close + 1 if close != -1 else len(source)
        elif char == "(":
            items, index = _group(source, index)
        else:
            index += 1
        optional = _optional_at(source, index)
        index = _skip_quantifier(source, index)
        if not optional:
            parts += items
    parts += [frozenset({run})] if run else []
    return parts, index


def _skip_quantifier(source: str, index: int) -> int:
    if index < len(source) and source[index] in "?*+":
        index += 1
    elif index < len(source) and source[index] == "{" and "}" in source[index:]:
        index = source.index("}", index) + 1
    if index < len(source) and source[index] == "?":
        index += 1
    return index


@dataclass(frozen=True, eq=False)
class PrefixedPattern:
    """A term or lexicon pattern compiled (ignoring case), with what says where it can match: the letter runs one of
    which any text it matches holds (`pattern_anchors`), and the runs one of which a match starts with
    (`pattern_prefixes`), in any text and, with digits, in a text that `reads_as_ascii`. A pattern with a letter that
    folds oddly has no prefixes: it is tried everywhere.

    Most texts read as ASCII: the expression is compiled for them (`ascii_regex`) at once, and read with Unicode classes
    (`regex`) only when a text that does not is first searched."""

    source: str
    """The expression, compiled ignoring case."""
    ascii_regex: re.Pattern[str]
    """The expression for a text that `reads_as_ascii` (`ascii_twin` of `regex`)."""
    anchors: tuple[str, ...]
    prefixes: tuple[str, ...]
    ascii_prefixes: tuple[str, ...]

    @classmethod
    def compile(cls, pattern: str, before: str, after: str = "") -> PrefixedPattern:
        """`pattern` in its compiled form (`compiled_form`) between `before` and `after` (where a match may start
        and end); raises `re.error` for an invalid expression."""
        guarded = compiled_form(pattern)
        source = f"{before}(?:{guarded}){after}"
        ascii_regex = re.compile(source, re.IGNORECASE | (re.ASCII if _has_ascii_twin(source) else 0))
        if has_odd_letter(pattern):
            return cls(source, ascii_regex, pattern_anchors(pattern), (), ())
        prefixes = pattern_prefixes(guarded), pattern_prefixes(guarded, ascii=True)
        return cls(source, ascii_regex, pattern_anchors(pattern), *prefixes)

    @cached_property
    def regex(self) -> re.Pattern[str]:
        """The expression read with Unicode classes, for a text that does not read as ASCII: compiled when first
        needed and kept (`ascii_regex` itself when that is not read with ASCII classes)."""
        return self.ascii_regex if not self.ascii_regex.flags & re.ASCII else re.compile(self.source, re.IGNORECASE)

    def matches(self, text: str, start: int, end: int, lowered: str | None, ascii: bool) -> Iterator[tuple[int, int]]:
        """The spans of the matches in `text[start:end]`, as `finditer` finds them (`ascii`: the text `reads_as_ascii`,
        searched with the ASCII twin). Given `lowered` (the text lower-cased, each letter folding plainly), tried only
        where one of the prefixes starts, left to right, each after the last match."""
        regex, prefixes = (self.ascii_regex, self.ascii_prefixes) if ascii else (self.regex, self.prefixes)
        if lowered is None or not prefixes:
            yield from (match.span() for match in regex.finditer(text, start, end))
            return
        starts = set()
        for prefix in prefixes:
            place = lowered.find(prefix, start, end)
            while place != -1:
                starts.add(place)
                place = lowered.find(prefix, place + 1, end)
        after = start
        for place in sorted(starts):
            if place >= after and (match := regex.match(text, place, end)) is not None:
                yield match.span()
                after = match.end()


def may_match(anchors: tuple[str, ...], lowered: str) -> bool:
    """Whether a text (lower-cased) can match a pattern with these anchors."""
    return not anchors or any(map(lowered.__contains__, anchors))


@lru_cache(maxsize=1 << 14)
def normalise_term(term: str) -> str:
    """The lookup form of a term: lower case, runs of spaces and hyphens made one space."""
    return _SEPARATOR.sub(" ", term.strip().lower())


def _regex_fold_letter(letter: str) -> str:
    """One letter as a case-insensitive regular expression sees it: "ſ" as "s", "İ" as "i", "ς" as "σ"."""
    if letter == "İ":
        return "i"
    upper = letter.upper()
    folded = upper.lower() if len(upper) == 1 else letter.lower()
    return folded if len(folded) == 1 else letter


def regex_fold(text: str) -> str:
    """`text` lower-cased as a case-insensitive regular expression sees it: two spellings it matches alike ("Auguſt",
    "AUGUST") fold to one. The key to look up what such an expression found."""
    if folds_plainly(text):
        return text.lower()
    return "".join(map(_regex_fold_letter, text))


def is_case_sensitive(term: str) -> bool:
    """Short capitalised abbreviations ("PT", "OT", "CT") match only as written: "pt" in notes means patient."""
    return _CASE_SENSITIVE.fullmatch(term.strip()) is not None


@dataclass(frozen=True, slots=True)
class TermMatch(Generic[V]):
    """One term found in a text: offsets (end exclusive), the text as written and the entry it names."""

    start: int
    end: int
    text: str
    value: V


_Trie = dict[str, "_Trie"]


def trie_regex(terms: Iterable[str], after_first: str = "") -> str:
    """A regex matching exactly `terms` (already normalised), longest alternative first at each branch; `after_first`
    (a zero-width assertion) follows the first character of each."""
    trie: _Trie = {}
    for term in terms:
        node = trie
        for char in term:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: _Trie, after: str = "") -> str:
        end = "" in node
        branches = []
        for char in sorted(k for k in node if k):
            atom = _GAP if char == " " else re.escape(char)
            branches.append(atom + after + render(node[char]))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if end:
            return f"(?:{body})?"
        return body

    return render(trie, after_first)


_WORD_CHARACTER = re.compile(r"\w")
_AFTER_WORD_START = r"(?<![\w].)"
"""Read after a term's first character: the term starts a word (the character before it, if any, is not a word
character). Checked there rather than first, the search skips to the places where a term's first character is, which
is much quicker for terms that start with a capital."""


class WordStartPattern(NamedTuple):
    """An expression that matches only where no character of a class (`not_after`, e.g. "\\w/") comes before it, as
    `(?<![not_after])(?:body)` finds it, searched quicker: read as a character outside the class and then the body
    (`after_break`) or as the body at the text's start (`at_start`), the search skips to the places where such a
    character is instead of trying the look-behind at every place of the text. In both, the body is group 1. The body
    never matches empty text."""

    after_break: re.Pattern[str]
    at_start: re.Pattern[str]

    @classmethod
    def compile(cls, not_after: str, body: str, flags: int = 0) -> WordStartPattern:
        """The two expressions of `body` after no character of `[not_after]`."""
        return cls(re.compile(rf"[^{not_after}]({body})", flags), re.compile(rf"({body})", flags))

    def ascii_twin(self, ascii: bool) -> WordStartPattern:
        """Both expressions read with ASCII classes when `ascii` (`ascii_twin`)."""
        return WordStartPattern(ascii_twin(self.after_break, ascii), ascii_twin(self.at_start, ascii))

    def matches(self, text: str, start: int = 0, end: int | None = None) -> Iterator[re.Match[str]]:
        """The matches in `text[start:end]`, each its group 1, as `finditer` of the expression with its look-behind
        finds them there: each next one from the end of the last, the character before it perhaps the last one's own."""
        end = len(text) if end is None else end
        first = self.at_start.match(text, 0, end) if start == 0 else None
        if first is not None:
            yield first
        after = first.end() - 1 if first is not None else max(start - 1, 0)
        while (found := self.after_break.search(text, after, end)) is not None:
            yield found
            after = found.end(1) - 1

    def spans(self, text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
        """The spans of the matches in `text[start:end]` (`matches`)."""
        return [found.span(1) for found in self.matches(text, start, end)]


class WordStartTerms(NamedTuple):
    """Whole-word terms that ignore case (a `trie_regex`), for a lower-cased text (`regex_fold`): each term after the
    character before it (`after_break`: a non-word character, the term a group of its own) or at the text's start
    (`at_start`). Read so rather than after a look-behind (or a `\\b`) that no word character comes before it, the
    search skips to the places where a non-word character is, instead of trying the expression at every place of the
    text. The same matches, as long as every term starts with a word character: a term then never starts where the last
    one ended (a non-word character follows each)."""

    after_break: re.Pattern[str]
    at_start: re.Pattern[str]

    @classmethod
    def compile(cls, terms: str) -> WordStartTerms:
        """The two expressions of `terms` (a `trie_regex`)."""
        return cls(re.compile(rf"[^\w]({terms})(?![\w])"), re.compile(rf"(?:{terms})(?![\w])"))

    def ascii_twin(self, ascii: bool) -> WordStartTerms:
        """Both expressions read with ASCII classes when `ascii` (`ascii_twin`)."""
        return WordStartTerms(ascii_twin(self.after_break, ascii), ascii_twin(self.at_start, ascii))

    def search(self, lowered: str, after: int) -> tuple[int, int] | None:
        """The span of the leftmost term in `lowered` from `after` (0, or where a term or word ended), or None."""
        if after == 0 and (first := self.at_start.match(lowered)) is not None:
            return first.span()
        found = self.after_break.search(lowered, after)
        return None if found is None else found.span(1)

    def spans(self, lowered: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
        """The spans of every term in `lowered[start:end]`, as `finditer` of the terms between word boundaries finds
        them there (a term at `start` only when no word character comes before it)."""
        end = len(lowered) if end is None else end
        first = self.at_start.match(lowered, 0, end) if start == 0 else None
        spans = [] if first is None else [first.span()]
        after = first.end() if first is not None else max(start - 1, 0)
        spans += [found.span(1) for found in self.after_break.finditer(lowered, after, end)]
        return spans

    def occurs(self, lowered: str, start: int = 0, end: int | None = None) -> bool:
        """Whether a term is in `lowered[start:end]`, as a search of the terms between word boundaries finds it."""
        end = len(lowered) if end is None else end
        if start == 0 and self.at_start.match(lowered, 0, end) is not None:
            return True
        return self.after_break.search(lowered, max(start - 1, 0), end) is not None


class _MatcherPattern(NamedTuple, Generic[V]):
    """One pattern of a `TermMatcher`, compiled whole-word, and the entry it names."""

    pattern: PrefixedPattern
    value: V


class TermMatcher(Generic[V]):
    """Finds the terms of a lexicon in text, leftmost first and longest at each position, never inside a word.

    `terms` maps each literal term to its entry; a space in a term also matches hyphens and runs of whitespace.
    `patterns` maps regular expressions to entries for spellings a literal cannot express. Two terms with the same
    lookup form naming different entries are an error naming `source`.

    In a text whose letters fold plainly (`folds_plainly`), the terms that ignore case are matched in the lower-cased
    text by a case-sensitive expression (quicker than one ignoring case), and a pattern only where one of its prefixes
    starts. A pattern is tried only on a text that holds one of its anchors.
    """

    def __init__(self, terms: Mapping[str, V], patterns: Mapping[str, V] | None = None, source: str = "lexicon") -> None:
        self._lookup: dict[str, V] = {}
        self._folded: dict[str, V] | None = None
        insensitive: list[str] = []
        sensitive: list[str] = []
        for term, value in terms.items():
            key = normalise_term(term)
            if not key:
                raise OpenIMRError("empty term", source)
            if key in self._lookup and self._lookup[key] != value:
                raise OpenIMRError(f"term {term!r} names two different entries", source)
            self._lookup[key] = value
            if is_case_sensitive(term):
                sensitive.append(term.strip())
            else:
                insensitive.append(key)
        alternatives = []
        if insensitive:
            alternatives.append(trie_regex(sorted(set(insensitive))))
        if sensitive:
            alternatives.append("(?-i:" + trie_regex(sorted(set(sensitive))) + ")")
        self._patterns: list[_MatcherPattern[V]] = []
        for pattern, value in (patterns or {}).items():
            try:
                compiled = PrefixedPattern.compile(pattern, r"(?<![\w])", r"(?![\w])")
            except re.error as error:
                raise OpenIMRError(f"pattern {pattern!r} is not a valid regular expression ({error})", source) from None
            self._patterns.append(_MatcherPattern(compiled, value))
        self._pattern_anchors = AnchorIndex(pattern.pattern.anchors for pattern in self._patterns)
        body = "|".join(f"(?:{a})" for a in alternatives if a) or r"(?!x)x"
        self._regex = re.compile(rf"(?<![\w])(?:{body})(?![\w])", re.IGNORECASE)
        plain = bool(insensitive) and not any(has_odd_letter(term) or not _WORD_CHARACTER.match(term) for term in insensitive)
        lowered = WordStartTerms.compile(alternatives[0]) if plain else None
        exact = (
            re.compile(rf"(?:{trie_regex(sorted(set(sensitive)), _AFTER_WORD_START)})(?![\w])") if plain and sensitive else None
        )
        self._plain: dict[bool, tuple[WordStartTerms, re.Pattern[str] | None]] = (
            {ascii: (lowered.ascii_twin(ascii), None if exact is None else ascii_twin(exact, ascii)) for ascii in (False, True)}
            if lowered is not None
            else {}
        )
        """In a text whose letters fold plainly, the expressions of the terms ignoring case (for the lower-cased text)
        and of those that do not, read with Unicode classes and (key true) with ASCII classes (`ascii_twin`)."""

    def find(self, text: str) -> list[TermMatch[V]]:
        """All non-overlapping terms in `text`, in reading order."""
        plain = folds_plainly(text)
        lowered = text.lower()
        ascii = reads_as_ascii(text)
        spans = self._term_spans(text, lowered, ascii) if plain and self._plain else None
        if spans is None:
            spans = [m.span() for m in self._regex.finditer(text)]
        found = [TermMatch(start, end, text[start:end], self._entry(text[start:end])) for start, end in spans]
        if not self._patterns:
            return found
        for pattern, value in map(self._patterns.__getitem__, self._pattern_anchors.may_match(lowered)):
            places = pattern.matches(text, 0, len(text), lowered if plain else None, ascii)
            found.extend(TermMatch(start, end, text[start:end], value) for start, end in places)
        found.sort(key=lambda m: (m.start, m.start - m.end))
        kept: list[TermMatch[V]] = []
        for match in found:
            if not kept or match.start >= kept[-1].end:
                kept.append(match)
        return kept

    def _term_spans(self, text: str, lowered: str, ascii: bool) -> list[tuple[int, int]]:
        """The spans of the terms in a text whose letters fold plainly, as the joined expression finds them: the
        leftmost match of either kind next, a term ignoring case first when both start at one place."""
        terms, sensitive = self._plain[ascii]
        exact = sensitive.search(text) if sensitive is not None else None
        if exact is None:
            return terms.spans(lowered)
        assert sensitive is not None
        spans = []
        folded = terms.search(lowered, 0)
        while folded is not None or exact is not None:
            span = folded if exact is None or (folded is not None and folded[0] <= exact.start()) else exact.span()
            assert span is not None
            spans.append(span)
            after = span[1]
            if folded is not None and folded[0] < after:
                folded = terms.search(lowered, after)
            if exact is not None and exact.start() < after:
                exact = sensitive.search(text, after)
        return spans

    def _entry(self, found: str) -> V:
        """The entry of a term the expression found, spelt in `found` perhaps with letters that fold oddly."""
        entry = self._lookup.get(normalise_term(found))
        if entry is None:
            if self._folded is None:
                self._folded = {normalise_term(regex_fold(key)): value for key, value in self._lookup.items()}
            entry = self._folded[normalise_term(regex_fold(found))]
        return entry

    def lookup(self, term: str) -> V | None:
        """The entry a term names exactly, or None."""
        return self._lookup.get(normalise_term(term))
