"""One or two rows per guideline topic not covered in test_engine: (request, synthetic record, decision, topic).
The last test checks that every packaged topic has a row in one of the two tables."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.review.test_engine import CASES

from openimr.model import Case, CaseDates, Decision, DisputedItem, Document, Patient
from openimr.review import review_case
from openimr.review.topics import topics

UP, OVER = Decision.UPHELD, Decision.OVERTURNED
RECENT, OLD = dt.date(2016, 10, 1), dt.date(2014, 1, 15)

ROWS = [
    ("Acetaminophen 500mg #60", "Low back strain.", RECENT, OVER, "acetaminophen"),
    ("Acetaminophen 500mg #60", "Low back strain; history of cirrhosis.", RECENT, UP, "acetaminophen"),
    ("Gabapentin 300mg #90", "Burning radicular pain down the left leg.", RECENT, OVER, "anticonvulsants"),
    ("Gabapentin 300mg #90", "Axial low back pain.", RECENT, UP, "anticonvulsants"),
    ("Nortriptyline 25mg #30", "Neuropathic pain of the foot.", RECENT, OVER, "antidepressants"),
    ("Ondansetron 4mg #30", "Nausea from his pain medication.", RECENT, UP, "antiemetics"),
    ("Ondansetron 4mg #30", "Nausea and vomiting due to chemotherapy.", RECENT, OVER, "antiemetics"),
    ("Fioricet #60", "Headaches.", RECENT, UP, "barbiturate_analgesics"),
    ("Zolpidem 10mg #10", "Insomnia since the injury.", RECENT, OVER, "hypnotics"),
    ("Zolpidem 10mg #30", "He has taken Ambien since 1/2/2015.", OLD, UP, "hypnotics"),
    ("Diazepam 5mg #10", "Muscle spasm of the neck.", RECENT, UP, "benzodiazepines"),
    ("Biofeedback 6 sessions", "Chronic neck pain.", OLD, UP, "biofeedback"),
    ("Three phase bone scan of the left foot", "Foot pain; rule out complex regional pain syndrome.", RECENT, UP, "bone_scan"),
    ("Three phase bone scan of the left foot", "Complex regional pain syndrome of the left foot.", RECENT, OVER, "bone_scan"),
    ("Theramine #90", "Chronic pain.", OLD, UP, "compounded_oral_kits"),
    ("Computerized range of motion testing", "Neck pain.", RECENT, UP, "computerized_testing"),
    ("Wheelchair rental for 1 month", "Non-weight bearing after ankle surgery.", RECENT, OVER, "durable_medical_equipment"),
    ("Hygiene wipes", "Non-weight bearing after ankle surgery.", RECENT, UP, "durable_medical_equipment"),
    (
        "EMG of the bilateral lower extremities",
        "Low back pain radiating to the left leg; failed physical therapy.",
        RECENT,
        OVER,
        "electrodiagnostic_lower",
    ),
    ("EMG of the bilateral lower extremities", "Axial low back pain.", RECENT, UP, "electrodiagnostic_lower"),
    (
        "Right L5 transforaminal epidural steroid injection",
        "Decreased sensation in the L5 dermatome; MRI shows a disc extrusion at L4-5; failed physical therapy and NSAIDs.",
        RECENT,
        OVER,
        "epidural_steroid_injections",
    ),
    ("Right L5 transforaminal epidural steroid injection", "Axial low back pain.", RECENT, UP, "epidural_steroid_injections"),
    ("Viagra 50mg #10", "Erectile dysfunction since coronary stenting.", RECENT, UP, "erectile_dysfunction_drugs"),
    ("Viagra 50mg #10", "Erectile dysfunction secondary to his spinal cord injury.", RECENT, OVER, "erectile_dysfunction_drugs"),
    (
        "Bilateral L4-5 medial branch blocks (facet)",
        "Axial low back pain; failed physical therapy.",
        RECENT,
        OVER,
        "facet_injections",
    ),
    ("Bilateral L4-5 facet injections", "Positive straight leg raise on the left.", RECENT, UP, "facet_injections"),
    (
        "Open reduction internal fixation of the right ankle",
        "Displaced fracture of the right ankle.",
        RECENT,
        OVER,
        "fracture_surgery",
    ),
    (
        "Functional restoration program, 10 days",
        "Chronic back pain; failed conservative treatment; not a surgical candidate.",
        OLD,
        OVER,
        "functional_restoration",
    ),
    ("Functional restoration program, 10 days", "Back strain three weeks ago.", RECENT, UP, "functional_restoration"),
    ("Gym membership for 6 months", "Knee pain.", RECENT, UP, "gym_membership"),
    ("Hot/cold therapy wrap", "Back strain.", RECENT, UP, "heat_cold_devices"),
    ("MRI of the right wrist", "Fracture of the scaphoid suspected.", RECENT, OVER, "imaging_hand_wrist"),
    ("MRI of the right wrist", "Wrist sprain.", RECENT, UP, "imaging_hand_wrist"),
    ("CT scan of the head", "Head injury with loss of consciousness.", RECENT, OVER, "imaging_head"),
    ("CT scan of the head", "Scalp contusion; alert and oriented.", RECENT, UP, "imaging_head"),
    ("MRI of the right hip", "Hip pain.", RECENT, UP, "imaging_hip_pelvis"),
    ("MRI of the left ankle", "Ankle sprain.", RECENT, UP, "imaging_other"),
    (
        "Acute inpatient rehabilitation for 10 days",
        "After fixation of a hip fracture she is not able to transfer.",
        RECENT,
        OVER,
        "inpatient_rehabilitation",
    ),
    (
        "Synvisc injection to the left knee",
        "Osteoarthritis of the knee with persistent pain despite physical therapy.",
        OLD,
        OVER,
        "joint_injections",
    ),
    ("CBC and liver function tests", "He takes naproxen daily.", OLD, OVER, "laboratory_tests"),
    ("CBC and liver function tests", "Neck strain.", RECENT, UP, "laboratory_tests"),
    ("Back support", "Lumbar strain.", RECENT, UP, "lumbar_supports"),
    ("Back support", "L1 compression fracture.", RECENT, OVER, "lumbar_supports"),
    ("Medrol dose pack", "Acute radicular pain down the right leg.", RECENT, OVER, "oral_corticosteroids"),
    ("Custom orthotics", "Plantar fasciitis.", RECENT, OVER, "orthoses_and_supports"),
    ("Traction 6 sessions for the neck", "Neck pain.", RECENT, UP, "passive_modalities"),
    ("Post-operative physical therapy 12 sessions", "Knee pain.", RECENT, UP, "postsurgical_physical_medicine"),
    ("Partial hospitalization program", "Depression with suicidal ideation.", RECENT, OVER, "psychiatric_day_treatment"),
    ("Psychotherapy 4 sessions", "Depression and anxiety after the injury.", RECENT, OVER, "psychological_treatment"),
    ("Psychotherapy 12 sessions", "Depression and anxiety after the injury.", RECENT, UP, "psychological_treatment"),
    ("X-rays of the cervical spine", "Neck strain; no red flags.", RECENT, UP, "radiographs_cervical_thoracic_spine"),
    ("X-rays of the right hip", "Fall onto the hip; suspected fracture.", RECENT, OVER, "radiographs_hip_pelvis"),
    ("X-rays of the right elbow", "Elbow pain.", RECENT, UP, "radiographs_other"),
    ("X-rays of the left shoulder", "Shoulder strain.", RECENT, UP, "radiographs_shoulder"),
    ("Shockwave therapy for the low back", "Low back pain.", RECENT, UP, "shockwave_therapy"),
    (
        "Right shoulder arthroscopy with rotator cuff repair",
        "Full thickness tear on MRI; failed physical therapy and an injection.",
        OLD,
        OVER,
        "shoulder_surgery",
    ),
    ("Sleep study", "Suspected sleep apnea with loud snoring.", RECENT, OVER, "sleep_study"),
    (
        "Spinal cord stimulator trial",
        "Failed back surgery syndrome; psychological clearance obtained; failed conservative care.",
        OLD,
        OVER,
        "spinal_cord_stimulator",
    ),
    ("Preoperative medical clearance", "Knee pain.", RECENT, UP, "surgery_associated_services"),
    ("TENS unit", "Chronic neuropathic pain; medications tried and failed.", OLD, OVER, "tens"),
    ("TENS unit", "Acute low back strain.", RECENT, UP, "tens"),
    ("Voltaren gel 1% 100g", "Osteoarthritis of the knee.", RECENT, OVER, "topical_nsaids"),
    ("Voltaren gel 1% 100g", "Low back pain.", RECENT, UP, "topical_nsaids"),
    ("Trigger point injections", "Chronic myofascial pain with trigger points.", OLD, OVER, "trigger_point_injections"),
    ("Urine drug screen", "He takes Norco; high risk for aberrant behavior.", OLD, OVER, "urine_drug_testing"),
    ("Urine drug screen", "He takes ibuprofen only.", OLD, UP, "urine_drug_testing"),
    ("Follow-up visit in 4 weeks", "He takes Norco and reports persistent back pain.", RECENT, OVER, "office_visits"),
    ("Follow-up visit in 4 weeks", "Symptoms resolved; released to full duty.", RECENT, UP, "office_visits"),
    ("Sit-stand workstation", "Low back pain worse with prolonged sitting.", RECENT, OVER, "workstation_modification"),
]


@pytest.mark.parametrize(("label", "record", "injury", "decision", "topic"), ROWS)
def test_topic_rows(label: str, record: str, injury: dt.date, decision: Decision, topic: str) -> None:
    case = Case(
        dates=CaseDates(injury=injury, ur_decision=dt.date(2016, 11, 20)),
        patient=Patient(age=45),
        documents=[Document(id="summary", type="clinical_summary", text=record)],
        disputed_items=[DisputedItem(request=label)],
    )
    item = review_case(case).items[0]
    assert item.topic == topic
    assert item.decision == decision, item.rationale


def test_every_topic_has_a_table_row() -> None:
    covered = {row[4] for row in ROWS} | {"cyclobenzaprine", "muscle_relaxants", "carisoprodol", "opioids", "nsaids"}
    covered |= _engine_table_topics()
    assert {t.id for t in topics()} <= covered, sorted({t.id for t in topics()} - covered)


def _engine_table_topics() -> set[str]:
    found = set()
    for label, record, _, _ in CASES:
        case = Case(documents=[Document(id="s", text=record)], disputed_items=[DisputedItem(request=label)])
        topic = review_case(case).items[0].topic
        if topic:
            found.add(topic)
    return found
