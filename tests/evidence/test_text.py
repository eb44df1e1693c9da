"""Sentence splitting and section headers on synthetic clinical text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openimr.evidence.text import (
    clause_starts,
    find_sections,
    has_finite_verb,
    join_hyphenated_words,
    join_line_breaks,
    list_lead_in,
    plain_characters,
    sentence_at,
    split_sentences,
)


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Dr. Smith saw him. He is better.", ["Dr. Smith saw him.", "He is better."]),
        ("Norco 7.5 mg p.o. q.d. was refilled. Pain is 6/10.", ["Norco 7.5 mg p.o. q.d. was refilled.", "Pain is 6/10."]),
        ("Seen on 12/15/2011. Next visit in 4 weeks.", ["Seen on 12/15/2011.", "Next visit in 4 weeks."]),
        ("Take 1 tab b.i.d. as needed. No spasm!", ["Take 1 tab b.i.d. as needed.", "No spasm!"]),
        ("Is it worse? Yes.", ["Is it worse?", "Yes."]),
        ("Diabetic? No. Lumbar pain.", ["Diabetic?", "No.", "Lumbar pain."]),
        ("Form No. 5 was signed. Done.", ["Form No. 5 was signed.", "Done."]),
        ("MRI on Apr. 10, 2016 showed a tear. Sept. 3 was next.", ["MRI on Apr. 10, 2016 showed a tear.", "Sept. 3 was next."]),
        ("Seen in Oct. The knee is better.", ["Seen in Oct.", "The knee is better."]),
        ("Referred by J. Doe for PT.", ["Referred by J. Doe for PT."]),
        ("Radiculopathy vs. neuropathy. Plan EMG.", ["Radiculopathy vs. neuropathy.", "Plan EMG."]),
        ("The straight leg raise\nwas positive.", ["The straight leg raise\nwas positive."]),
        ("Findings:\n- tenderness\n- spasm", ["Findings:", "- tenderness", "- spasm"]),
        ("First part\n\nSecond part", ["First part", "Second part"]),
        ("He takes 10 mg. Then he sleeps.", ["He takes 10 mg.", "Then he sleeps."]),
        ("Ratio was 2.5 overall. Fine.", ["Ratio was 2.5 overall.", "Fine."]),
        # an order goes on after a dosing abbreviation with more of its dosing, whatever its case
        ("Norco 10/325 mg 1 p.o. Q6H PRN, since 2014. Pain 6/10.", ["Norco 10/325 mg 1 p.o. Q6H PRN, since 2014.", "Pain 6/10."]),
        ("Tramadol 50 mg b.i.d. PRN was stopped. Fine.", ["Tramadol 50 mg b.i.d. PRN was stopped.", "Fine."]),
        ("Take 1 tab q.6h. PRN pain; tab. 2 at night.", ["Take 1 tab q.6h. PRN pain; tab. 2 at night."]),
        ("Gabapentin 300 mg t.i.d. Patient is better.", ["Gabapentin 300 mg t.i.d.", "Patient is better."]),
        # titles before a name, references and prescription fields before a number
        ("Seen by Drs. Ortiz and Lee, who advised surgery.", ["Seen by Drs. Ortiz and Lee, who advised surgery."]),
        ("Per ACOEM Ch. 12 pp. 300-301, MRI is indicated. Ok.", ["Per ACOEM Ch. 12 pp. 300-301, MRI is indicated.", "Ok."]),
        ("Sig. 1 tab at night. Disp. #30 tabs. Done.", ["Sig. 1 tab at night.", "Disp. #30 tabs.", "Done."]),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    found = split_sentences(text)
    assert [s.text for s in found] == sentences
    assert all(text[s.start : s.end] == s.text for s in found)


def test_sentence_at_finds_the_containing_sentence() -> None:
    text = "No spasm. Tenderness at L4-5 was noted. Plan PT."
    start = text.index("L4-5")
    assert sentence_at(text, start, start + 4).text == "Tenderness at L4-5 was noted."


def test_sections_run_from_header_to_next_header() -> None:
    text = "HISTORY OF PRESENT ILLNESS:\nLow back pain.\nPhysical Examination:\nSpasm noted.\nPlan:\nPT 2x4.\n"
    sections = find_sections(text)
    assert [s.category for s in sections] == ["history", "physical_exam", "plan"]
    exam = sections[1]
    assert text[exam.start : exam.end].strip() == "Spasm noted."
    assert exam.title == "Physical Examination"


def test_line_breaks_inside_a_sentence_become_spaces_and_offsets_stay() -> None:
    text = "Drug screen positive for\ncocaine. Plan:\n- Norco\n\nEXAM\nSpasm noted with\r\nguarding.\nAssessment: sprain"
    joined = join_line_breaks(text)
    assert len(joined) == len(text)
    assert "positive for cocaine." in joined
    assert "Spasm noted with  guarding." in joined
    assert "Plan:\n- Norco\n\nEXAM\n" in joined
    assert joined.endswith(".\nAssessment: sprain")
    flat = [s.text.replace("\r", " ").replace("\n", " ") for s in split_sentences(text)]
    assert [s.text for s in split_sentences(joined)] == flat


def test_a_header_with_a_letter_that_folds_oddly_opens_its_section() -> None:
    sections = find_sections("PHYSİCAL EXAMİNATİON:\nSpasm noted.\n")
    assert [s.category for s in sections] == ["physical_exam"]


def test_the_letters_of_a_soap_note_open_sections_only_with_a_colon() -> None:
    text = "S: Knee pain.\nO: Effusion.\nA - fib on the monitor\nP: Brace."
    sections = find_sections(join_line_breaks(text))
    assert [(s.category, s.title) for s in sections] == [("history", "S"), ("physical_exam", "O"), ("plan", "P")]
    assert text[sections[-1].start : sections[-1].end].strip() == "Brace."


def test_header_words_inside_a_line_open_no_section() -> None:
    assert find_sections("The plan: continue. His exam: normal.") == []


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .?!\n:-1D")), max_size=60))
def test_sentences_are_ordered_trimmed_slices(text: str) -> None:
    sentences = split_sentences(text)
    previous_end = 0
    for sentence in sentences:
        assert text[sentence.start : sentence.end] == sentence.text == sentence.text.strip()
        assert sentence.start >= previous_end
        previous_end = sentence.end
    assert "".join(s.text for s in sentences).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")


@pytest.mark.parametrize(
    ("sentence", "clauses"),
    [
        (
            "She is doing home exercises and the massage is requested as an adjunct.",
            ["She is doing home exercises and", " the massage is requested as an adjunct."],
        ),
        ("An MRI and an EMG were requested.", ["An MRI and an EMG were requested."]),
        (
            "He had therapy; acupuncture and massage are requested.",
            ["He had therapy;", " acupuncture and massage are requested."],
        ),
        (
            "He is walking daily and swims, while the pain is worse at night.",
            ["He is walking daily and swims, while", " the pain is worse at night."],
        ),
    ],
)
def test_clauses_with_a_verb_of_their_own_are_apart(sentence: str, clauses: list[str]) -> None:
    starts = clause_starts(sentence)
    assert [sentence[a:b] for a, b in zip(starts, [*starts[1:], len(sentence)], strict=True)] == clauses


@pytest.mark.parametrize(
    ("sentence", "clauses"),
    [
        # a coordinator and a verb right at a semicolon, at the text's start and end, and in capitals
        ("HE WAS SEEN;AND IS BETTER and WAS", ["HE WAS SEEN;", "AND IS BETTER and", " WAS"]),
        ("And is better and was", ["And is better and", " was"]),
        # letters a case-insensitive expression reads as plain ones ("\u017f", a long s, is "s")
        ("She \u017fTATES pain and it is worse.", ["She \u017fTATES pain and", " it is worse."]),
        # inside a word, neither counts ("Brandis", "island")
        ("Brandis island wasp and Andrews handed it over.", ["Brandis island wasp and Andrews handed it over."]),
    ],
)
def test_clause_words_are_whole_words_whatever_their_case(sentence: str, clauses: list[str]) -> None:
    starts = clause_starts(sentence)
    assert [sentence[a:b] for a, b in zip(starts, [*starts[1:], len(sentence)], strict=True)] == clauses


@pytest.mark.parametrize(
    ("text", "start", "end", "found"),
    [
        ("Pain; is worse", 0, None, True),
        ("Pain; is worse", 6, None, True),
        ("Pain; is worse", 7, None, False),  # "s": the rest of a word
        ("This is", 0, 6, False),  # "i" only: a verb must end where the range ends or before
        ("This is", 0, 7, True),
        ("Thesis island", 0, None, False),
        ("WAS", 0, None, True),
    ],
)
def test_a_finite_verb_is_a_whole_word_within_the_range(text: str, start: int, end: int | None, found: bool) -> None:
    assert has_finite_verb(text, start, end) is found


def test_odd_spaces_and_hyphens_are_read_as_plain_ones_at_the_same_offsets() -> None:
    text = "Right\u00a0knee\tpain; x\u2011rays at C4\u2013C7; it didn\u2019t help."
    plain = plain_characters(text)
    assert plain == "Right knee pain; x-rays at C4-C7; it didn't help."
    assert len(plain) == len(text)


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("lumbar radicu-\nlopathy on the left", "lumbar   radiculopathy on the left"),
        ("physi-\r\n  cal therapy", "     physical therapy"),
        ("a follow-\nup visit and an x-\nray", "a  follow-up visit and an  x-ray"),
        ("at L4-\nL5 and 5-\n6/10 pain", "at L4-\nL5 and 5-\n6/10 pain"),
        ("Plan:\n- PT\n- HEP", "Plan:\n- PT\n- HEP"),
    ],
)
def test_a_word_hyphenated_at_a_line_end_is_joined_at_the_same_offsets(text: str, read: str) -> None:
    """Text from PDFs and scans hyphenates words at line ends; a compound keeps its hyphen, a level or a range of
    numbers is left alone, and what follows the word keeps its offset."""
    joined = join_hyphenated_words(text)
    assert joined == read
    assert len(joined) == len(text)


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        # a line ending with a date and no full stop, before a line opening with a capital, is a line of its own
        ("Date of service: 3/4/2016\nShe is better.", ["Date of service: 3/4/2016", "She is better."]),
        ("Seen March 4, 2016\nPatient had a fusion.", ["Seen March 4, 2016", "Patient had a fusion."]),
        # spaces and tabs after the date, before the line break
        ("DOS 3/4/16  \nShe is better.", ["DOS 3/4/16", "She is better."]),
        ("Seen 3/4/2016 \t\nPatient had a fusion.", ["Seen 3/4/2016", "Patient had a fusion."]),
        # a line in capitals at the text's start, indented or not, is a sentence of its own
        ("WORK STATUS\nModified duty.", ["WORK STATUS", "Modified duty."]),
        ("  WORK STATUS\nModified duty.", ["WORK STATUS", "Modified duty."]),
        # a date inside a sentence broken across lines stays in it
        ("MRI on 3/4/2016\nshowed a tear.", ["MRI on 3/4/2016 showed a tear."]),
    ],
)
def test_a_line_ending_with_a_date_ends_its_sentence(text: str, sentences: list[str]) -> None:
    assert [s.text for s in split_sentences(join_line_breaks(text))] == sentences


LISTED = (
    "Pre-operative visit.\nPost-operative medications (sent for authorization):\n- Percocet 5/325 #30\n"
    "2. ondansetron 4 mg #8\n"
)


@pytest.mark.parametrize(
    ("text", "word", "lead_in"),
    [
        # every item of a list is headed by the line that introduces it
        (LISTED, "Percocet", "Post-operative medications (sent for authorization):"),
        (LISTED, "ondansetron", "Post-operative medications (sent for authorization):"),
        # a line that is no item, or items under a line that introduces nothing, have none
        (LISTED, "Pre-operative", ""),
        ("He is doing well.\n- Norco 5/325 #30\n", "Norco", ""),
        ("Medications:\nNorco 5/325 #30\n", "Norco", ""),
    ],
)
def test_a_list_item_is_headed_by_its_lead_in(text: str, word: str, lead_in: str) -> None:
    assert list_lead_in(text, text.index(word)) == lead_in
