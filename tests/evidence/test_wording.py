"""What a sentence reports: the review's decision, the request, or the worker's care."""

from openimr.evidence.wording import SentenceRole, sentence_role


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


def test_a_treatment_only_certified_or_a_request_decided_is_the_review() -> None:
    assert sentence_role("Six sessions of CBT were certified on 2/3/2019.") is SentenceRole.REVIEW
    assert sentence_role("Acupuncture x6 was certified but has not started.") is SentenceRole.REVIEW
    assert sentence_role("The request for six CBT sessions was certified and began in May.") is SentenceRole.REVIEW
