"""review_case per topic: tables of (request, synthetic record, expected decision, criteria that fail)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openimr.knowledge import knowledge_version
from openimr.model import Case, CaseDates, CriterionStatus, Decision, DisputedItem, Document, Patient
from openimr.review import review_case
from openimr.review.engine import NO_TOPIC, RECORD_SILENT, UNKNOWN_ERA

UP, OVER = Decision.UPHELD, Decision.OVERTURNED


def _case(
    text: str, *requests: str, injury: dt.date = dt.date(2016, 10, 1), ur: dt.date | None = dt.date(2016, 11, 20), age: int = 45
) -> Case:
    return Case(
        dates=CaseDates(injury=injury, ur_decision=ur),
        patient=Patient(age=age),
        documents=[Document(id="summary", type="clinical_summary", text=text)],
        disputed_items=[DisputedItem(request=r) for r in requests],
    )


CASES = [
    # muscle relaxants: spasm, short course, one at a time
    ("Cyclobenzaprine 7.5mg #20", "Exam shows lumbar paraspinal muscle spasm after a lifting injury.", OVER, set()),
    ("Cyclobenzaprine 7.5mg #20", "Exam shows lumbar tenderness. Muscle spasm in not noted.", UP, {"spasm"}),
    ("Cyclobenzaprine", "Exam shows lumbar muscle spasm.", UP, {"quantity"}),
    ("Tizanidine 4mg #30", "Muscle spasm noted. He also takes cyclobenzaprine daily.", UP, {"no_duplicate"}),
    ("Soma 350mg #30", "Muscle spasm noted.", UP, {"not_recommended"}),
    # opioids: function and monitoring
    (
        "Norco 10/325mg #60",
        "Norco improved his function and activities of daily living. A urine drug screen was consistent.",
        OVER,
        set(),
    ),
    (
        "Norco 10/325mg #60",
        "He takes Norco. There is no documentation of functional improvement.",
        UP,
        {"functional_improvement", "monitoring"},
    ),
    # NSAIDs and PPIs
    ("Naproxen 550mg #60", "Neck strain after a fall one month ago; naproxen was a first-time prescription.", OVER, set()),
    ("Naproxen 550mg #60", "Current medications include meloxicam.", UP, {"no_duplicate"}),
    ("Omeprazole 20mg #30", "He takes ibuprofen and reports dyspepsia.", OVER, set()),
    ("Omeprazole 20mg #30", "He takes ibuprofen. No gastrointestinal complaints.", UP, {"gi_risk"}),
    # topicals
    ("Gabapentin 10%, Cyclobenzaprine 6% in cream base", "Neuropathic pain; gabapentin tried orally.", UP, {"ingredients"}),
    ("Lidoderm 5% patch #30", "Neuropathic pain of the foot after a trial of gabapentin.", OVER, set()),
    ("Lidoderm 5% patch #30", "Axial low back pain.", UP, {"neuropathic", "first_line_failed"}),
    # imaging
    ("MRI of the lumbar spine", "Decreased sensation in the L5 dermatome. Treatment has included physical therapy.", OVER, set()),
    (
        "MRI of the lumbar spine",
        "Low back pain. Neurological examination is normal. No red flags.",
        UP,
        {"nerve_compromise_or_red_flag", "conservative_care"},
    ),
    ("MRI of the cervical spine", "Decreased sensation in the C6 dermatome. No treatment yet.", UP, {"conservative_care"}),
    ("MRI of the right shoulder", "Treatment included physical therapy. He has persistent shoulder pain.", OVER, set()),
    ("MRI of the right knee", "Positive McMurray's test. Treatment has included physical therapy.", OVER, set()),
    ("X-rays of the lumbar spine", "Low back strain two weeks ago. No red flags.", UP, {"red_flag"}),
    # electrodiagnostics
    ("EMG/NCV of the bilateral upper extremities", "Numbness in both hands; positive Tinel's sign at the wrists.", OVER, set()),
    ("EMG/NCV of the bilateral upper extremities", "Neck pain without radiation.", UP, {"suspected_neuropathy", "paresthesia"}),
    # physical medicine
    (
        "Physical therapy 2 times a week for 3 weeks for the low back",
        "New lumbar strain; treated with medications so far.",
        OVER,
        set(),
    ),
    (
        "Physical therapy 2 times a week for 6 weeks for the low back",
        "New lumbar strain; treated with medications so far.",
        UP,
        {"visits"},
    ),
    ("Physical therapy 2 times a week for 3 weeks", "New lumbar strain.", UP, {"body_part"}),
    (
        "Physical therapy 2 times a week for 3 weeks for the neck",
        "He completed 8 sessions of physical therapy without functional improvement.",
        UP,
        {"visits", "prior_effective"},
    ),
    ("Chiropractic 6 visits for the knee", "Knee sprain.", UP, {"body_part_recommended"}),
    ("Acupuncture 6 sessions for the low back", "Low back pain; medications not tolerated.", OVER, set()),
    ("Acupuncture 12 sessions for the low back", "Low back pain.", UP, {"visits"}),
    # surgery
    ("Carpal tunnel release, left", "Distal radius fracture with numbness of the radial digits.", OVER, set()),
    ("Carpal tunnel release, left", "Wrist pain without numbness.", UP, {"median_nerve_symptoms", "confirmed_or_acute"}),
    (
        "L5-S1 microdiscectomy",
        "MRI shows a disc extrusion at L5-S1 with weakness of the EHL, 4/5 strength; no improvement with physical therapy.",
        OVER,
        set(),
    ),
    ("L5-S1 microdiscectomy", "Axial low back pain; MRI unremarkable.", UP, {"lesion_on_imaging", "neurological_findings"}),
    ("Right knee arthroscopy with partial meniscectomy", "Locking of the knee; failed physical therapy.", OVER, set()),
    ("Massage therapy 6 sessions for the neck", "Neck strain; home exercise program in place.", OVER, set()),
    ("Massage therapy 12 sessions for the neck", "Neck strain; home exercise program in place.", UP, {"visits"}),
    ("Genetic opioid risk testing", "Chronic pain on opioids.", UP, {"not_recommended"}),
    ("Colace 100mg #60", "He takes Norco daily.", OVER, set()),
    ("Colace 100mg #60", "Current medications include ibuprofen.", UP, {"on_opioids"}),
    # programs, visits, care settings
    ("Referral to a spine surgeon", "MRI shows a disc extrusion at L5-S1 with a positive straight leg raise.", OVER, set()),
    ("Referral to a spine surgeon", "Low back strain without neurological deficits or red flags.", UP, {"complexity"}),
    ("Functional capacity evaluation", "He is not at maximal medical improvement.", UP, {"indication"}),
    ("Platelet-rich plasma injection to the right knee", "Knee pain.", UP, {"not_recommended"}),
    ("Home aide 8 hours a day to assist with bathing and dressing", "Not homebound.", UP, {"homebound", "medical_care"}),
]


@pytest.mark.parametrize(("label", "record", "decision", "failing"), CASES)
def test_decisions_per_topic(label: str, record: str, decision: Decision, failing: set[str]) -> None:
    item = review_case(_case(record, label)).items[0]
    assert item.decision == decision, item.rationale
    assert {c.id for c in item.criteria if c.status != CriterionStatus.MET} >= failing
    verdict = "is medically necessary." if decision == OVER else "is not medically necessary."
    assert item.rationale.endswith(f"Therefore, the request for {label} {verdict}")


def test_evidence_spans_point_into_the_record() -> None:
    text = "Exam shows lumbar paraspinal muscle spasm."
    item = review_case(_case(text, "Cyclobenzaprine 7.5mg #20")).items[0]
    spasm = next(c for c in item.criteria if c.id == "spasm")
    span = spasm.evidence[0]
    assert span.document_id == "summary"
    assert text[span.start : span.end] == span.text == "spasm"


def test_surgery_dependent_services_follow_the_surgery() -> None:
    record = "Shoulder pain for two months. No imaging."
    determination = review_case(
        _case(record, "Associated surgical service: Cryotherapy unit", "Right shoulder arthroscopy with rotator cuff repair")
    )
    assert [i.decision for i in determination.items] == [UP, UP]
    assert determination.items[0].criteria[0].status == CriterionStatus.NOT_MET


def test_criteria_the_record_is_silent_on_are_flagged() -> None:
    item = review_case(_case("Lumbar tenderness.", "Cyclobenzaprine 7.5mg #20")).items[0]
    assert item.decision == UP
    assert f"{RECORD_SILENT}: spasm" in item.flags


def test_uncovered_item_is_decided_flagged_and_counted() -> None:
    determination = review_case(_case("Neck pain.", "An unheard-of gadget"))
    item = determination.items[0]
    assert item.decision == UP
    assert NO_TOPIC in item.flags
    assert item.topic is None


@pytest.mark.parametrize(
    ("ur", "expected"),
    [
        (dt.date(2015, 3, 2), "MTUS Chronic Pain Medical Treatment Guidelines Muscle relaxants (for pain) Page(s): 63-66"),
        (dt.date(2016, 11, 20), "MTUS Chronic Pain Medical Treatment 2016, Section(s): Muscle relaxants (for pain)"),
        (dt.date(2018, 3, 1), "MTUS ACOEM Chronic Pain Guideline 2017, Section(s): Muscle relaxants (for pain)"),
    ],
)
def test_citation_follows_the_era_of_the_ur_decision(ur: dt.date, expected: str) -> None:
    item = review_case(_case("Spasm.", "Baclofen 10mg #30", ur=ur)).items[0]
    assert item.maximus_guideline == f"Decision based on {expected}."
    assert item.citations[0].mtus


def test_unknown_ur_date_is_flagged_and_versions_are_set() -> None:
    determination = review_case(_case("Spasm.", "Baclofen 10mg #30", ur=None))
    assert UNKNOWN_ERA in determination.items[0].flags
    assert determination.engine_version and determination.knowledge_version == knowledge_version()


@settings(max_examples=60, deadline=None)
@given(record=st.text(max_size=400), label=st.text(min_size=1, max_size=80))
def test_any_record_and_request_get_a_decision(record: str, label: str) -> None:
    determination = review_case(_case(record, label))
    item = determination.items[0]
    assert item.decision in (UP, OVER)
    assert item.rationale.endswith("medically necessary.")
    for criterion in item.criteria:
        for span in criterion.evidence:
            assert record[span.start : span.end] == span.text
