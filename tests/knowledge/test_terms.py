"""The term matcher: whole words, longest first, flexible separators, regex patterns, clear errors."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openimr.errors import OpenIMRError
from openimr.knowledge.terms import (
    _FOLDS_ODDLY,
    RunIndex,
    TermMatcher,
    WordStartPattern,
    ascii_twin,
    for_text,
    holds,
    meeting,
    pattern_anchors,
    pattern_prefixes,
    pattern_requirements,
    reads_as_ascii,
    regex_fold,
    selective,
    widen_spaces,
    with_variants,
)


def test_longest_term_at_a_position_wins_and_words_are_whole() -> None:
    matcher = TermMatcher({"back": "B", "back brace": "BB", "brace": "R"})
    found = matcher.find("a back brace, a brace, backbone, back")
    assert [(m.text, m.value) for m in found] == [("back brace", "BB"), ("brace", "R"), ("back", "B")]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        # a term at the text's start, and terms right after a comma, a space or a hyphen ending the one before
        ("back,back PT-back brace", [("back", 0), ("back", 5), ("PT", 10), ("back brace", 13)]),
        ("backback back/PT", [("back", 9), ("PT", 14)]),
        ("PT back", [("PT", 0), ("back", 3)]),
    ],
)
def test_terms_are_found_at_the_start_and_right_after_one_another(text: str, found: list[tuple[str, int]]) -> None:
    matcher = TermMatcher({"back": "B", "back brace": "BB", "PT": "P"})
    assert [(m.text, m.start) for m in matcher.find(text)] == found


def test_spaces_in_terms_match_hyphens_and_runs_of_whitespace() -> None:
    matcher = TermMatcher({"x ray": "XR"})
    assert [m.text for m in matcher.find("X-ray and x  ray and xray")] == ["X-ray", "x  ray"]


def test_offsets_point_at_the_text() -> None:
    text = "Plan: MRI of the knee."
    match = TermMatcher({"MRI": 1}).find(text)[0]
    assert text[match.start : match.end] == "MRI"


def test_patterns_merge_with_terms_without_overlap() -> None:
    matcher = TermMatcher({"hip": "H"}, {r"pelv\w*": "P"})
    assert [(m.text, m.value) for m in matcher.find("hip and pelvic pain, pelv")] == [
        ("hip", "H"),
        ("pelvic", "P"),
        ("pelv", "P"),
    ]


def test_conflicting_terms_are_an_error() -> None:
    with pytest.raises(OpenIMRError, match="two different entries"):
        TermMatcher({"Soma": "a", "soma": "b"}, source="drugs.yaml")


def test_broken_pattern_is_an_error_naming_the_source() -> None:
    with pytest.raises(OpenIMRError, match=r"^drugs\.yaml: pattern"):
        TermMatcher({}, {"(unclosed": 1}, source="drugs.yaml")


def test_lookup_by_exact_term() -> None:
    matcher = TermMatcher({"low back": 1})
    assert matcher.lookup("Low-Back") == 1
    assert matcher.lookup("back") is None


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("the lumbar spine compression fracture", "lumbar spine compression fracture"),
        ("films of the lumbar spine showed no fracture", None),
        ("lumbar films are negative for fracture", None),
        ("lumbar films revealed an old fracture", "lumbar films revealed an old fracture"),
    ],
)
def test_word_gaps_in_patterns_never_skip_a_negation(text: str, matched: str | None) -> None:
    matcher = TermMatcher({}, {r"lumbar\s+(?:\w+\s+){0,4}?fractures?": "spinal fracture"})
    assert [m.text for m in matcher.find(text)] == ([matched] if matched else [])


@pytest.mark.parametrize(
    ("pattern", "anchors", "requirements"),
    [
        (r"\bnausea\b", ("nausea",), ((("nausea",),),)),
        (
            r"\bstraight\s+leg\s+rais\w*\s+(?:was |is )?positive\b",
            ("straight",),
            ((("straight",), ("positive",), ("rais",), ("leg",)),),
        ),
        (
            r"\b(?:chronic|ongoing)\s+(?:\w+\s+){0,3}?(?:pain|ache)",
            ("chronic", "ongoing"),
            ((("chronic", "ongoing"), ("ache", "pain")),),
        ),
        (r"\bfoo (?:bar baz)\b|\bqux", ("foo", "qux"), ((("foo",), ("bar",), ("baz",)), (("qux",),))),
        (r"reports?(?=\s)", ("report",), ((("report",),),)),
        (r"\d+ ?%|\bdose", (), ()),
    ],
)
def test_pattern_anchors_and_requirements(
    pattern: str, anchors: tuple[str, ...], requirements: tuple[tuple[tuple[str, ...], ...], ...]
) -> None:
    assert pattern_anchors(pattern) == anchors
    assert pattern_requirements(pattern) == requirements


def test_selective_requirements_keep_the_best_group_and_the_long_runs() -> None:
    assert selective(pattern_requirements(r"\bno (?:\w+ )?of (?:the )?spine")) == ((("spine",),),)
    assert selective(pattern_requirements(r"\bof\b")) == ((("of",),),)


def test_run_index_finds_runs_and_those_they_contain_and_meeting_combines_them() -> None:
    index = RunIndex(["rais", "raise", "leg", "straight", "pain"])
    assert index.held("straight leg raise") == {"straight", "leg", "rais", "raise"}
    assert index.held("raise the leg") == {"leg", "rais", "raise"}
    assert RunIndex(["s/p", "no", "not"]).held("he is s/p fusion; nothing else") == {"s/p", "no", "not"}
    assert RunIndex([]).held("straight leg raise") == frozenset()
    # each place holds the runs that lie wholly inside it; a run across two places ("spa|in") is in neither
    assert index.held_by_place("straight leg. raise; spain", [0, 14, 21, 24, 26]) == {
        "straight": 0b0001,
        "leg": 0b0001,
        "rais": 0b0010,
        "raise": 0b0010,
    }
    held = {"straight": 0b01, "leg": 0b11, "rais": 0b10}
    assert meeting(pattern_requirements(r"\bstraight leg rais\w*"), held) == 0
    assert meeting(pattern_requirements(r"\bleg rais\w*|\bstraight"), held) == 0b11
    assert holds(pattern_requirements(r"\bstraight leg rais\w*"), {"straight", "leg", "rais"})
    assert not holds(pattern_requirements(r"\bstraight leg rais\w*"), {"straight", "rais"})


@pytest.mark.parametrize(
    ("pattern", "prefixes"),
    [
        (r"\bnausea\b", ("nausea",)),
        (r"(?<!no )\bspasms?", ("spasm",)),
        (r"\b(?:persistent|chronic)\s+pain|\bUCL", ("ucl", "chronic", "persistent")),
        (r"\b(?-i:PT)\b", ("pt",)),
        (r"\b(?:foo|bar)?baz", ()),
        (r"\b[Ss]pasm", ()),
        (r"(?P=x)abc", ()),
        (r"\bS?LR", ()),
    ],
)
def test_pattern_prefixes(pattern: str, prefixes: tuple[str, ...]) -> None:
    assert pattern_prefixes(pattern) == prefixes


@pytest.mark.parametrize(
    ("pattern", "prefixes"),
    [
        (r"\b[0-4](?:\+|-)?/5", ("0", "1", "2", "3", "4")),
        (r"\b(?:4|four) +A\W?s\b", ("4", "four")),
        (r"\b(?:[4-9]|[1-9]\d)\s*weeks|\b(?:\d{1,2}|six)\s*months", (*"0123456789", "six")),
        (r"\b[1-35]x", ("1", "2", "3", "5")),
        (r"\b[0-4]?x", ()),
        (r"\d*abc", ()),
        (r"\b[-+]\d", ()),
        (r"\bnausea\b", ("nausea",)),
    ],
)
def test_pattern_prefixes_in_ascii_text(pattern: str, prefixes: tuple[str, ...]) -> None:
    """In a text that reads as ASCII, a branch may also start with a digit, a class of digits or `\\d`; without
    `ascii`, such a pattern has no prefixes (`\\d` also matches digits beyond ASCII)."""
    assert pattern_prefixes(pattern, ascii=True) == prefixes
    if any(prefix[0].isdigit() for prefix in prefixes):
        assert pattern_prefixes(pattern) == ()
    if prefixes:  # every match starts with one of them
        regex = re.compile(pattern, re.IGNORECASE | re.ASCII)
        for text in ("0/5 and 4+/5", "four As, 4 As", "6 weeks, 12 months, six months", "2x 5x", "x 9x", "+3"):
            assert all(text.lower().startswith(prefixes, m.start()) for m in regex.finditer(text))


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        (r"\bwithout (?:relief|benefit)", "six visits w/o benefit", True),
        (r"\bwithout (?:relief|benefit)", "six visits without relief", True),
        (r"history\s+of (?:diabetes)", "h/o diabetes", True),
        (r"history of (?:diabetes)", "History of diabetes", True),
        (r"(?<!history of )\bDVT\b", "history of DVT", False),
        (r"\bnotwithout\b", "not w/o", False),
        (r"\bdiagnosis is unclear\b", "the diagnosis was unclear", True),
        (r"\bhas not (?:been )?effective\b", "the program had not been effective", True),
        (r"\bwalks with a cane\b", "she walked with a cane", True),
        (r"\bthis is\b", "this was", True),
        (r"\b[is]x\b", "wasx", False),
        (r"\brelief for (?:six|6) weeks\b", "relief for 6 wks", True),
        (r"\binsomnia for months\b", "insomnia for mos", True),
        (r"\bsymptoms? (?:persist|continue)", "sx persist", True),
        (r"\bthe diagnosis is unclear\b", "the dx was unclear", True),
        (r"\bdifferential diagnos\w+", "differential dx", True),
        (r"\bhome exercise (?:program )?(?:has )?failed\b", "HEP has failed", True),
        (r"\bhome exercise (?:program )?(?:has )?failed\b", "hep has failed", False),
        (r"\blimited range of motion\b", "limited ROM", True),
        (r"\bdespite physical\s+therapy\b", "despite PT", True),
        (r"\bdespite physical\s+therapy\b", "despite pt", False),
        (r"\bdespite (?:\w+\s+)?therapy\b", "despite physiotherapy", True),
        (r"\bof the (?:left\s+|right\s+)?knee\b", "of the L knee", True),
        (r"\bof the (?:left\s+|right\s+)?knee\b", "of the l knee", False),
        (r"\bof the (?:left\s+|right\s+)?knee\b", "of the rt. knee", True),
        (r"\b(?:bilateral\s+)knees\b", "b/l knees", True),
        (r"\bpositive (?:\w+\s+)?McMurray", "+ McMurray", True),
        (r"\bpositive (?:\w+\s+)?McMurray", "(+) McMurray test", True),
        (r"\bMcMurray (?:test )?(?:is )?positive\b", "McMurray test is (+) on the left", True),
        (r"\bMcMurray (?:test )?(?:is )?positive\b", "McMurray test +.", True),
        (r"\bMcMurray (?:test )?(?:is )?positive\b", "McMurray test +/- today", False),
        (r"\bpositive (?:reflexes|McMurray)", "2+ reflexes", False),
        (r"\bpersists despite (?:therapy|care)\b", "persisted in spite of therapy", True),
        (r"\btender\w* (?:over )?the (?:greater )?trochanter\b", "pain on palpation over the greater trochanter", True),
        (r"\bable to (?:do|perform) (?:her )?chores\b", "she can do her chores", True),
        (r"\bable to (?:do|perform) (?:her )?chores\b", "she cannot do her chores", False),
        (r"\bunable to walk\b", "he cannot walk", True),
        (r"\bfailed (?:physical therapy|injections)\b", "did not improve with physical therapy", True),
        (r"\bimproved function\b", "improved functional status", True),
        (r"\bshoulder surgery\b", "shoulder operation", True),
        (r"\b\d{1,3}\s?% (?:relief|improvement)", "70 percent relief", True),
        (r"\b\d{1,3}\s?% (?:relief|improvement)", "70% relief", True),
        (r"\b[0-4](?:\+|-)?/5\s+strength", "3 out of 5 strength", True),
        (r"\b[0-4](?:\+|-)?/5\s+strength", "3 out of 50 strength", False),
        (r"\bpain (?:of )?[7-9]/10\b", "pain of 8 out of 10", True),
        (r"\bhas not been effective\b", "it hasn't been effective", True),
        (r"\b(?:did|does)\s+not\s+help\w*", "it didn't help", True),
        (r"\bnot\s+(?:yet\s+)?had\b", "she hasn't yet had", True),
        (r"\b(?:not|never)\s+helped\b", "it didn't helped", True),
        (r"\b(?:not|never)\s+helped\b", "it didnt helped", False),
        (r"\bnot\s+tried\b", "he knot tried", False),
        (r"\bosteoarthritis of the knee\b", "OA of the knee", True),
        (r"\bosteoarthritis of the knee\b", "oa of the knee", False),
        (r"\b(?:x-?rays?|films)\s+(?:were\s+)?negative\b", "XR neg", True),
        (r"\b(?:x-?rays?|films)\s+(?:were\s+)?negative\b", "XRs were neg.", True),
        (r"\b(?:x-?rays?|films)\s+(?:were\s+)?negative\b", "xr neg", False),
        (r"\bnegative for fracture\b", "neg for fracture", True),
        (r"\bnegative for fracture\b", "negligible fracture", False),
        (r"\bnaproxen (?:was )?discontinued\b", "naproxen d/c'd", True),
        (r"\bnaproxen (?:was )?discontinued\b", "Naproxen was D/C'ed", True),
        (r"\bnaproxen (?:was )?discontinued\b", "naproxen dc'd", True),
        (r"\bnaproxen (?:was )?discontinued\b", "naproxen d/c", False),
    ],
)
def test_patterns_also_match_clinical_shorthand_and_the_past_tense(pattern: str, text: str, matches: bool) -> None:
    widened = with_variants(pattern)
    assert (re.search(widened, text, re.IGNORECASE) is not None) is matches


def test_a_look_behind_and_a_character_class_keep_their_words() -> None:
    """A look-behind must keep its width, and a character class holds letters, not words: both are left as written."""
    assert with_variants("(?<!history of )DVT") == "(?<!history of )DVT"
    assert with_variants("[is]") == "[is]"
    assert with_variants("walks?") == "walks?"


def _plain_twins() -> list[tuple[str, str]]:
    """Each letter that folds oddly with a plain lower-case letter a case-insensitive expression matches it to."""
    lower = [chr(c) for c in range(0x61, 0x500) if chr(c).isalpha() and chr(c) == chr(c).lower()]
    plain = sorted(lower, key=lambda c: c in _FOLDS_ODDLY)
    twins = []
    for odd in _FOLDS_ODDLY + "İK":
        twin = next((c for c in plain if c != odd and re.fullmatch(re.escape(c), odd, re.I)), None)
        if twin is not None:
            twins.append((odd, twin))
    return twins


_TWINS = _plain_twins()


def test_most_letters_that_fold_oddly_have_a_plain_twin() -> None:
    assert len(_TWINS) >= 40


@pytest.mark.parametrize(("odd", "plain"), _TWINS)
def test_a_term_spelt_with_a_letter_that_folds_oddly_names_its_entry(odd: str, plain: str) -> None:
    """A case-insensitive expression matches "ſ" as "s" and "İ" as "i": the entry is still found, never a KeyError."""
    matcher = TermMatcher({f"w{plain}rd x": "T", "other": "O"})
    written = f"see W{odd}RD-X and other"
    assert [(m.text, m.value) for m in matcher.find(written)] == [(f"W{odd}RD-X", "T"), ("other", "O")]
    assert regex_fold(f"W{odd}RD") == regex_fold(f"w{plain}rd")


@pytest.mark.parametrize(
    ("pattern", "widened"),
    [
        (r"\bweight[- ]bearing", r"\bweight[- ]+bearing"),
        (r"joint disease", r"joint +disease"),
        (r"\bnon\sweight", r"\bnon\s+weight"),
        (r"x[\s-]?ray", r"x[\s-]?ray"),
        (r"(?<!near )full", r"(?<!near )full"),
        (r"[^ ]x", r"[^ ]x"),
        (r"(?:\w+\s+){0,3}?tear", r"(?:\w+\s+){0,3}?tear"),
    ],
)
def test_a_space_written_once_matches_a_run_of_spaces(pattern: str, widened: str) -> None:
    """Typed notes and PDF text space words twice; a look-behind keeps its width, a quantified space stays."""
    assert widen_spaces(pattern) == widened


@pytest.mark.parametrize(
    "pattern",
    [
        r"\b(?:is|was|walked)\s+(?:with|w/)\b",
        r"(?<![\w])(?:pt|physical[\s\-]+therapy)(?![\w])",
        r"[^\W\d_]+",
        r"\b(?:will|(?-i:may))\b",
    ],
)
def test_ascii_twin_matches_as_the_expression_does(pattern: str) -> None:
    regex = re.compile(pattern, re.IGNORECASE)
    twin = ascii_twin(regex)
    assert twin is not regex and twin.flags & re.ASCII
    for text in ("She WAS walked w/ PT; May 2016 she may walk", "Physical-therapy_x is\tdone, ok 12abc"):
        assert reads_as_ascii(text)
        assert [m.span() for m in twin.finditer(text)] == [m.span() for m in regex.finditer(text)]


def test_ascii_twin_only_where_it_matches_alike() -> None:
    regex = re.compile(r"is\s+done", re.IGNORECASE)
    assert not reads_as_ascii("is\x1cdone")  # a space to Unicode, not to ASCII
    assert not reads_as_ascii("ſtill")
    assert for_text(regex, "is\x1cdone").search("is\x1cdone") is not None
    assert for_text(regex, "it is done") is ascii_twin(regex)
    folding = re.compile("ſ", re.IGNORECASE)  # matches "s" only when read with Unicode
    assert ascii_twin(folding) is folding
    named = re.compile(r"\u017ftill", re.IGNORECASE)  # the same letter, named by an escape
    assert ascii_twin(named) is named and named.search("still") is not None
    assert ascii_twin(regex, ascii=False) is regex


_WORD_START_BODIES = (
    r"(?:(?:there\s+)?(?:is|was)\s+)?no(?![\w/])",  # an optional word first
    r"(?:\[\s*\]\s*)?no\s*\[x\](?![\w/])",  # a form's box: a match that ends with a character outside the class
    r"-?\s*denies(?![\w/])",  # a match that may start with a space
    r"n/a|\bs/p",
)


@pytest.mark.parametrize("body", _WORD_START_BODIES)
@pytest.mark.parametrize(
    "text",
    [
        "no pain. there is no swelling; was no-go / no",
        "[ ] no [x][ ] no [x]no [x] uno [x]",
        " - denies -denies,denies/denies xdenies",
        "n/a s/p n/an/a/s/p (n/a)",
        "",
    ],
)
def test_a_word_start_pattern_finds_what_its_look_behind_finds(body: str, text: str) -> None:
    expected = re.compile(rf"(?<![\w/])(?:{body})")
    searched = WordStartPattern.compile(r"\w/", body)
    for start, end in ((0, len(text)), (1, len(text)), (3, max(len(text) - 2, 0))):
        assert searched.spans(text, start, end) == [m.span() for m in expected.finditer(text, start, end)]
    assert searched.ascii_twin(True).spans(text) == [m.span() for m in expected.finditer(text)]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_WORD_START_BODIES), st.text(alphabet="nosa/-[]x ;.\n", max_size=40), st.integers(0, 5))
def test_a_word_start_pattern_finds_what_its_look_behind_finds_anywhere(body: str, text: str, start: int) -> None:
    expected = re.compile(rf"(?<![\w/])(?:{body})")
    assert WordStartPattern.compile(r"\w/", body).spans(text, start) == [m.span() for m in expected.finditer(text, start)]
