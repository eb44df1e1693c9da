"""What a sentence reports: the review's decision, the request, or the worker's care."""

import re

import pytest

from openimr.evidence.terms import document_sentences
from openimr.evidence.text import clause_bounds
from openimr.evidence.wording import CARE_GOES_ON, DECISION_BREAK, UNDER_WAY, SentenceRole, sentence_role


def test_a_request_said_to_be_modified_is_the_review() -> None:
    assert sentence_role("Physical therapy x12 was modified to 6 visits.") is SentenceRole.REVIEW


def test_a_work_status_said_to_be_modified_is_clinical() -> None:
    assert sentence_role("He returned to full duty on 3/2 (he was modified duty before).") is SentenceRole.CLINICAL
    assert sentence_role("She was modified 4-hour days until the return to full duty.") is SentenceRole.CLINICAL


def test_a_treatment_said_to_be_certified_and_then_given_is_clinical() -> None:
    assert sentence_role("Six sessions of CBT were certified and began on 2/3/2019.") is SentenceRole.CLINICAL
    assert sentence_role("The knee injection was authorized in May and performed on 6/2.") is SentenceRole.CLINICAL
    assert sentence_role("Acupuncture x6 was approved and has been completed.") is SentenceRole.CLINICAL
    assert sentence_role("Six CBT visits were authorized and she has attended three.") is SentenceRole.CLINICAL
    # the course named by its size between the authorization and its being given
    assert sentence_role("PT was approved as a twelve-visit post-op course and was finished.") is SentenceRole.CLINICAL
    assert sentence_role("Acupuncture was authorized as a 6-session trial and then completed.") is SentenceRole.CLINICAL


def test_a_treatment_only_certified_or_a_request_decided_is_the_review() -> None:
    assert sentence_role("Six sessions of CBT were certified on 2/3/2019.") is SentenceRole.REVIEW
    assert sentence_role("Acupuncture x6 was certified but has not started.") is SentenceRole.REVIEW
    assert sentence_role("The request for six CBT sessions was certified and began in May.") is SentenceRole.REVIEW


def test_an_aside_that_the_care_told_of_was_authorized_leaves_the_clause_clinical() -> None:
    clinical = [
        "She has completed 6 sessions of physical therapy, which were authorized, with less pain on lifting.",
        "He attends acupuncture, which has been authorized by UR, and reports walking farther",
        "The MRI that was approved last month showed a full-thickness supraspinatus tear.",
        "Physical therapy, which was authorized on 5/2/2016, improved her lifting tolerance.",
    ]
    for sentence in clinical:
        assert sentence_role(sentence) is SentenceRole.CLINICAL, sentence


def test_an_authorization_with_nothing_else_told_is_the_review() -> None:
    assert sentence_role("Acupuncture x6, which was authorized by UR.") is SentenceRole.REVIEW
    assert sentence_role("The request for PT, which was approved, is for 8 visits.") is SentenceRole.REVIEW
    assert sentence_role("Physical therapy was certified by UR on 5/2/2016.") is SentenceRole.REVIEW


@pytest.mark.parametrize(
    "clause",
    ["continue the home exercises", "resume aquatic therapy", "maintain the stretching program", "maintenance dose of it"],
)
def test_care_that_goes_on_is_named_by_its_verb(clause: str) -> None:
    assert re.match(rf"(?:{CARE_GOES_ON})\b", clause, re.IGNORECASE)


@pytest.mark.parametrize(
    ("clause", "under_way"),
    [
        ("she is currently in therapy", True),
        ("remains on naproxen", True),
        ("still attends acupuncture", True),
        ("ongoing chiropractic care", True),
        ("start acupuncture six sessions", False),
        ("a trial of TENS", False),
    ],
)
def test_care_under_way_is_told_from_care_only_planned(clause: str, under_way: bool) -> None:
    assert bool(re.search(rf"\b(?:{UNDER_WAY})\b", clause, re.IGNORECASE)) is under_way


def test_a_treatment_said_not_to_be_certified_is_the_review() -> None:
    assert sentence_role("The Soma was not certified.") is SentenceRole.REVIEW
    assert sentence_role("Acupuncture has not been approved.") is SentenceRole.REVIEW


def _decision_clause(sentence: str, item: str) -> str:
    start = sentence.index(item)
    left, right = clause_bounds(sentence, start, start + len(item), DECISION_BREAK)
    return sentence[left:right].strip()


@pytest.mark.parametrize(
    ("sentence", "item", "clause"),
    [
        # the part before "and" states a decision of its own, the part after another: two decisions
        ("The lumbar MRI was non-certified and aquatic therapy was certified.", "aquatic", "aquatic therapy was certified."),
        ("The lumbar MRI was non-certified and aquatic therapy was certified.", "MRI", "The lumbar MRI was non-certified"),
        ("UR approved the TENS unit on 4/2/2017 and a home health aide was denied.", "aide", "a home health aide was denied."),
        (
            "Per the prior review gabapentin was authorized in part and omeprazole was not approved.",
            "gabapentin",
            "Per the prior review gabapentin was authorized in part",
        ),
        (
            "The knee brace was denied as not indicated and 6 chiropractic visits were modified to 4.",
            "chiropractic",
            "6 chiropractic visits were modified to 4.",
        ),
    ],
)
def test_a_second_decision_joined_by_and_is_a_clause_of_its_own(sentence: str, item: str, clause: str) -> None:
    assert _decision_clause(sentence, item) == clause


@pytest.mark.parametrize(
    ("sentence", "item"),
    [
        # "and" joins the items of one decision: nothing before it decides
        ("The lumbar MRI and the aquatic therapy were non-certified.", "aquatic"),
        ("Gabapentin and omeprazole have been denied by utilization review.", "omeprazole"),
        ("The request for certification of the TENS unit and the home health aide was denied.", "aide"),
        # the part after "and" decides nothing of its own: the care was given after the decision
        ("Eight acupuncture visits were authorized and she has attended five.", "attended"),
        ("The epidural injection was approved and was done on 3/2/2016.", "done"),
    ],
)
def test_and_without_a_decision_on_both_sides_stays_inside_one_clause(sentence: str, item: str) -> None:
    assert _decision_clause(sentence, item) == sentence


@pytest.mark.parametrize(
    "sentence",
    [
        "Utilization review denied the massage, stating that the injury is old and that massage is passive care.",
        "The reviewer non-certified it, noting that her pain was chronic and that therapy would not help.",
    ],
)
def test_a_second_that_clause_of_the_review_is_the_review(sentence: str) -> None:
    """ "... and that X" is the second of what the review's verb reports, not the worker's care."""
    sentences = document_sentences(sentence)
    assert sentences.role(sentence.rindex("that") + 5) is SentenceRole.REVIEW


def test_a_that_clause_after_clinical_text_stays_clinical() -> None:
    sentence = "She reports that her pain is worse and that walking is limited."
    assert document_sentences(sentence).role(sentence.rindex("walking")) is SentenceRole.CLINICAL
