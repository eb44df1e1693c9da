"""What a sentence reports: the review's decision, the request, or the worker's care."""

from openimr.evidence.wording import SentenceRole, sentence_role


def test_a_request_said_to_be_modified_is_the_review() -> None:
    assert sentence_role("Physical therapy x12 was modified to 6 visits.") is SentenceRole.REVIEW


def test_a_work_status_said_to_be_modified_is_clinical() -> None:
    assert sentence_role("He returned to full duty on 3/2 (he was modified duty before).") is SentenceRole.CLINICAL
    assert sentence_role("She was modified 4-hour days until the return to full duty.") is SentenceRole.CLINICAL
