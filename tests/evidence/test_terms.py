"""Fact extraction by term lists (findings, functional improvement, opioid monitoring): tables of synthetic record
snippets with the expected fact, status and span."""

from __future__ import annotations

import datetime as dt

import pytest

from openimr.evidence import Evidence, _candidates, extract_facts, fact_keys, gather_evidence
from openimr.model import Case, CaseDates, DisputedItem, Document, Fact, FactStatus


def _case(text: str, ur_decision: dt.date | None = None) -> Case:
    return Case(
        dates=CaseDates(ur_decision=ur_decision),
        documents=[Document(id="note", text=text)],
        disputed_items=[DisputedItem(request="anything")],
    )


def _facts(text: str, key: str) -> list[Fact]:
    return gather_evidence(_case(text)).mentions([key])


PRESENT, ABSENT, UNCERTAIN = FactStatus.PRESENT, FactStatus.ABSENT, FactStatus.UNCERTAIN


@pytest.mark.parametrize(
    ("text", "key", "status", "span"),
    [
        ("Examination revealed paravertebral muscle spasm.", "spasm", PRESENT, "spasm"),
        (
            "MRI: complex tear of the posterior horn of the medial meniscus.",
            "meniscus_tear",
            PRESENT,
            "tear of the posterior horn",
        ),
        (
            "Nerve conduction 3/2016: moderate median neuropathy at the wrist.",
            "edx_confirmed",
            PRESENT,
            "Nerve conduction 3/2016: moderate median neuropathy",
        ),
        (
            "Nerve studies dated 05/2016 showed severe ulnar neuropathy at the elbow.",
            "edx_confirmed",
            PRESENT,
            "Nerve studies dated 05/2016 showed severe ulnar neuropathy",
        ),
        # the ligament named after its tear, or said to be torn
        (
            "MRI: complete rupture of the anterior cruciate ligament with a bone bruise.",
            "ligament_tear",
            PRESENT,
            "rupture of the anterior cruciate",
        ),
        ("Imaging confirms a torn ACL.", "ligament_tear", PRESENT, "torn ACL"),
        ("On the MRI the ACL is completely torn.", "ligament_tear", PRESENT, "ACL is completely torn"),
        ("He has an ACL-deficient left knee.", "ligament_tear", PRESENT, "ACL-deficient"),
        ("MRI: no tear of the ACL.", "ligament_tear", ABSENT, "tear of the ACL"),
        (
            "There is laxity of the medial collateral ligament.",
            "knee_instability",
            PRESENT,
            "laxity of the medial collateral ligament",
        ),
        (
            "X-rays: medial compartment osteoarthritis.",
            "unicompartmental_osteoarthritis",
            PRESENT,
            "medial compartment osteoarthritis",
        ),
        ("Her pain is not controlled by NSAIDs.", "failed_conservative_care", PRESENT, "not controlled by"),
        ("Since the fusion she has new low back pain.", "progressive_symptoms", PRESENT, "new low back pain"),
        (
            "He tried to return to his usual job twice without success.",
            "rtw_ended",
            PRESENT,
            "tried to return to his usual job twice without success",
        ),
        ("Chronic soft tissue inflammation of the forearm.", "soft_tissue_inflammation", PRESENT, "soft tissue inflammation"),
        (
            "After the block his Norco was reduced from four to two tablets a day.",
            "functional_improvement",
            PRESENT,
            "his Norco was reduced from four to two tablets",
        ),
        # a daily amount cut written as a dosing frequency
        (
            "Since the block she decreased Norco 10/325 from qid to 2/day.",
            "functional_improvement",
            PRESENT,
            "decreased Norco 10/325 from qid to 2",
        ),
        (
            "His ibuprofen was reduced from three times a day to at bedtime.",
            "functional_improvement",
            PRESENT,
            "ibuprofen was reduced from three times a day to at bedtime",
        ),
        (
            "After the injection he cut his tramadol from TID to BID.",
            "functional_improvement",
            PRESENT,
            "cut his tramadol from TID to BID",
        ),
        (
            "There is electromyographic evidence of a left L5 radiculopathy.",
            "edx_confirmed",
            PRESENT,
            "electromyographic evidence of a left L5 radiculopathy",
        ),
        (
            "The block gave relief with decreased opioid use for two months.",
            "functional_improvement",
            PRESENT,
            "decreased opioid use",
        ),
        ("She has not reduced her medication intake.", "functional_improvement", ABSENT, "reduced her medication intake"),
        ("Therapy helped, allowing a return to full duty.", "functional_improvement", PRESENT, "allowing a return to full duty"),
        ("With the medication he is able to work full duty.", "functional_improvement", PRESENT, "able to work full duty"),
        (
            "Therapy increased her walking from 10 to 30 minutes.",
            "functional_improvement",
            PRESENT,
            "increased her walking from 10 to 30",
        ),
        ("X-rays show severe OA of the right knee.", "osteoarthritis", PRESENT, "OA"),
        # moderately severe pain: rated 7/10 or more, called severe, or disabling
        ("Flare of low back pain today, rated 8/10.", "severe_pain", PRESENT, "pain today, rated 8/10"),
        ("Severe neck pain with any movement.", "severe_pain", PRESENT, "Severe neck pain"),
        ("He can barely stand this morning.", "severe_pain", PRESENT, "can barely stand"),
        # joint-space narrowing written with a hyphen
        (
            "XR: severe left hip joint-space narrowing.",
            "advanced_osteoarthritis",
            PRESENT,
            "severe left hip joint-space narrowing",
        ),
        ("She walks less than one block before resting.", "mobility_limitation", PRESENT, "walks less than one block"),
        (
            "With the medication she is able to do light housework.",
            "functional_improvement",
            PRESENT,
            "able to do light housework",
        ),
        ("With meds he can walk 20 min.", "functional_improvement", PRESENT, "walk 20 min"),
        ("On gabapentin she now walks her dog daily.", "functional_improvement", PRESENT, "now walks her dog daily"),
        (
            "Plan: spine surgery consultation if the MRI shows a compressed root.",
            "surgery_planned",
            FactStatus.PLANNED,
            "spine surgery consultation",
        ),
        (
            "His job requires heavy lifting; the capacity evaluation places him at light duty.",
            "job_demands_unmet",
            PRESENT,
            "job requires heavy lifting; the capacity evaluation places him at light duty",
        ),
        (
            "The psychological evaluation cleared him for the trial.",
            "psych_clearance",
            PRESENT,
            "psychological evaluation cleared",
        ),
        ("Physical therapy gave only partial relief.", "failed_conservative_care", PRESENT, "only partial relief"),
        # a psychological evaluation known by its report's heading, which dates it; the same evaluation asked for again is
        # no new psychiatric symptom
        (
            "PSYCHOLOGICAL EVALUATION (03/11/2016), Dr. K., PhD",
            "psych_evaluation_done",
            PRESENT,
            "PSYCHOLOGICAL EVALUATION (03/11/2016",
        ),
        ("Psych eval - 5/2/2016: adjustment disorder.", "psych_evaluation_done", PRESENT, "Psych eval - 5/2/2016"),
        (
            "Psychological testing performed on 6/7/2016.",
            "psych_evaluation_done",
            PRESENT,
            "Psychological testing performed on 6/7/2016",
        ),
        # the daily morphine equivalents as a note states them, after a few linking words or before them
        (
            "She calculated his morphine equivalent dose at about 170 mg per day.",
            "high_opioid_dose",
            PRESENT,
            "morphine equivalent dose at about 170",
        ),
        ("MME is now approximately 150.", "high_opioid_dose", PRESENT, "MME is now approximately 150"),
        ("He is on 200 mg/day MED.", "high_opioid_dose", PRESENT, "200 mg/day MED"),
        (
            "She takes 130 mg per day of oral morphine equivalents.",
            "high_opioid_dose",
            PRESENT,
            "130 mg per day of oral morphine equivalents",
        ),
        ("Muscle spasm in not noted.", "spasm", ABSENT, "spasm"),
        ("He denies spasm in the neck.", "spasm", ABSENT, "spasm"),
        ("There is no evidence that the patient has spasm.", "spasm", ABSENT, "spasm"),
        ("There was no indication that he had prior spasm of the neck.", "spasm", ABSENT, "spasm"),
        ("No tenderness; the patient has spasm of the trapezius.", "spasm", PRESENT, "spasm"),
        ("She no longer has spasms.", "spasm", ABSENT, "spasms"),
        ("There was decreased sensation in the L5 dermatome.", "neuro_deficit", PRESENT, "decreased sensation"),
        ("Sensation was decreased over the lateral calf.", "neuro_deficit", PRESENT, "Sensation was decreased"),
        (
            "The neurological examination of the lower extremities is normal.",
            "neuro_deficit",
            ABSENT,
            "neurological examination of the lower extremities is normal",
        ),
        ("She is neurologically intact.", "neuro_deficit", ABSENT, "neurologically intact"),
        ("Strength was 4/5 in the left ankle dorsiflexors.", "neuro_deficit", PRESENT, "Strength was 4/5"),
        ("Reflexes were diminished at the left ankle.", "neuro_deficit", PRESENT, "Reflexes were diminished"),
        ("There is no decreased sensation in either arm.", "neuro_deficit", ABSENT, "decreased sensation"),
        ("Straight leg raise was positive on the right.", "radicular_sign", PRESENT, "Straight leg raise was positive"),
        ("Positive Spurling's test on the left.", "radicular_sign", PRESENT, "Positive Spurling's"),
        ("She reports numbness and tingling in the fingers.", "paresthesia", PRESENT, "numbness"),
        (
            "Being treated for hand numbness, rule out carpal tunnel syndrome.",
            "entrapment_neuropathy",
            UNCERTAIN,
            "carpal tunnel syndrome",
        ),
        ("Positive Tinel's sign at the wrist.", "entrapment_sign", PRESENT, "Positive Tinel's"),
        ("Tinel sign is still positive over the carpal tunnel.", "entrapment_sign", PRESENT, "Tinel sign is still positive"),
        ("Phalen's test remains positive on the left.", "entrapment_sign", PRESENT, "Phalen's test remains positive"),
        ("X-rays showed no compression fractures.", "red_flag", ABSENT, "compression fractures"),
        ("He sustained a fracture of the distal radius.", "fracture", PRESENT, "fracture"),
        ("CT showed an L1 compression fracture.", "red_flag", PRESENT, "L1 compression fracture"),
        ("Fracture of the L4 vertebra with delayed healing.", "red_flag", PRESENT, "Fracture of the L4"),
        ("Positive McMurray's test with medial joint line tenderness.", "knee_mechanical", PRESENT, "Positive McMurray's"),
        ("Reports difficulty sleeping because of pain.", "insomnia", PRESENT, "difficulty sleeping"),
        # sleep measured, not named: a sleep-onset latency beyond half an hour, a short night in hours written "h"
        ("Takes ~2 h to fall asleep since the surgery.", "insomnia", PRESENT, "Takes ~2 h to fall asleep"),
        ("Needs over an hour to get to sleep.", "insomnia", PRESENT, "Needs over an hour to get to sleep"),
        ("Sleep latency of 45 min.", "insomnia", PRESENT, "Sleep latency of 45 min"),
        ("She sleeps 3-4 h a night.", "insomnia", PRESENT, "sleeps 3-4 h"),
        ("Sleep: 3-4 h/night since the fall.", "insomnia", PRESENT, "3-4 h/night"),
        ("Sleep: ~4 h sleep/night.", "insomnia", PRESENT, "4 h sleep/night"),
        ("Falling asleep takes long (>60 min latency).", "insomnia", PRESENT, "60 min latency"),
        # the night cut short: waking early, not getting back to sleep
        ("Early morning awakening most days.", "insomnia", PRESENT, "Early morning awakening"),
        ("She wakes at 4 AM and lies awake.", "insomnia", PRESENT, "wakes at 4 AM"),
        ("He is unable to get back to sleep after the pain wakes him.", "insomnia", PRESENT, "unable to get back to sleep"),
        ("He has a history of peptic ulcer disease.", "gi_risk", PRESENT, "peptic ulcer"),
        ("No gastrointestinal complaints were reported.", "gi_symptoms", ABSENT, "gastrointestinal complaints"),
        ("MRI showed a disc extrusion at L4-5.", "imaging_nerve_lesion", PRESENT, "disc extrusion"),
        ("She reports persistent shoulder pain.", "persistent_symptoms", PRESENT, "persistent shoulder pain"),
        # an examination's shorthand: strength and reflex grades, lag signs, dermatomal sensory loss, measured motion
        ("Shoulder exam: ER weak 4-/5, forward flexion 160.", "shoulder_weakness", PRESENT, "ER weak 4-/5"),
        ("R shoulder: ABD 3+/5 with pain.", "shoulder_weakness", PRESENT, "ABD 3+/5"),
        (
            "External rotation lag sign was positive on the right.",
            "shoulder_weakness",
            PRESENT,
            "External rotation lag sign was positive",
        ),
        ("There is a positive ER lag at 20 degrees.", "shoulder_weakness", PRESENT, "positive ER lag"),
        ("Active elevation limited to 95 degrees.", "shoulder_motion_loss", PRESENT, "elevation limited to 95 degrees"),
        # measured motion charted in a progress table's columns, first visit and now; not two sides in one row
        ("Knee flexion AROM    70 deg        105 deg", "motion_gain", PRESENT, "flexion AROM    70 deg        105 deg"),
        (
            "Measure   Eval   Now\nShoulder abduction   90 degrees   150 degrees",
            "motion_gain",
            PRESENT,
            "abduction   90 degrees   150 degrees",
        ),
        ("L ankle jerk 0, R 2+.", "neuro_deficit", PRESENT, "ankle jerk 0"),
        ("Reflexes: 1+ left Achilles reflex.", "neuro_deficit", PRESENT, "1+ left Achilles reflex"),
        ("dec sens to LT over the L dorsal foot.", "neuro_deficit", PRESENT, "dec sens"),
        ("S1 distribution diminished to pinprick.", "neuro_deficit", PRESENT, "S1 distribution diminished"),
        ("Weak 4/5 great toe extension on the left.", "neuro_deficit", PRESENT, "Weak 4/5"),
        # pain said to travel into a limb, whatever the verb; a pain still scored or said no better after care; an
        # electrodiagnostic finding after a dash with a compound grade; earlier injections with the joint after the word
        ("Neck pain shooting into the left hand.", "radiating pain", PRESENT, "shooting into the left hand"),
        ("Low back pain going down the right leg.", "radiating pain", PRESENT, "going down the right leg"),
        ("Constant pain down the left arm.", "radiating pain", PRESENT, "pain down the left arm"),
        ("R arm pain to the middle finger.", "radiating pain", PRESENT, "arm pain to the middle finger"),
        ("Back pain without pain down the legs.", "radiating pain", ABSENT, "pain down the legs"),
        ("Still 7/10 leg pain.", "persistent_symptoms", PRESENT, "Still 7/10 leg pain"),
        ("She still rates the right arm pain 6/10.", "persistent_symptoms", PRESENT, "still rates the right arm pain"),
        ("The arm pain is unchanged at 6/10.", "persistent_symptoms", PRESENT, "pain is unchanged at 6/10"),
        (
            "Electrodiagnostic study 5/2016 - acute-on-chronic right C7 radiculopathy.",
            "edx_confirmed",
            PRESENT,
            "Electrodiagnostic study 5/2016 - acute-on-chronic right C7 radiculopathy",
        ),
        ("Injections into the right knee in March and June.", "joint injection", PRESENT, "Injections into the right knee"),
        ("Injections R knee: 2/2016, 5/2016.", "joint injection", PRESENT, "Injections R knee"),
        # relief stated by the date or the dated event it lasted until
        ("Good relief from the block until 8/2016.", "pain_relief", PRESENT, "relief from the block until 8"),
        ("Relief from the block until a fall in August.", "pain_relief", PRESENT, "Relief from the block until a fall in August"),
        ("Relief from the block until recently.", "failed_conservative_care", PRESENT, "Relief from the block until recently"),
        # what a home exercise kit holds, as the record lists it
        ("The kit contains resistance bands.", "exercise_kit_contents", PRESENT, "kit contains resistance bands"),
        ("Home exercise kit: putty, theraband.", "exercise_kit_contents", PRESENT, "kit: putty"),
        ("Stability ball, tubing (home kit).", "exercise_kit_contents", PRESENT, "Stability ball, tubing (home kit)"),
        # a red flag for a tumour: a cancer named by its kind, weight loss the worker did not intend
        ("Past history of renal cell carcinoma in 2011.", "red_flag", PRESENT, "carcinoma"),
        ("She has no history of lymphoma.", "red_flag", ABSENT, "lymphoma"),
        ("Unintentional 15 lb weight loss since May.", "red_flag", PRESENT, "Unintentional 15 lb weight loss"),
        ("Weight loss of 20 pounds without trying.", "red_flag", PRESENT, "Weight loss of 20 pounds without trying"),
        ("He lost 12 lbs over 3 months without trying.", "red_flag", PRESENT, "lost 12 lbs over 3 months without trying"),
        # a root's pain said to persist, new pain whose sites a slash joins, care the worker is no better after, a
        # surgical opinion sought
        ("Persistent R S1 radiculopathy.", "persistent_symptoms", PRESENT, "Persistent R S1 radiculopathy"),
        ("New R buttock and thigh/calf pain.", "progressive_symptoms", PRESENT, "New R buttock and thigh/calf pain"),
        ("No better after 6 PT visits.", "failed_conservative_care", PRESENT, "No better after"),
        ("Refer for a surgical opinion.", "surgery_planned", PRESENT, "surgical opinion"),
        # homebound: stairs of an upper-floor home the worker cannot do, going out that needs two people and effort
        ("Cannot do stairs (2nd floor apt).", "homebound", PRESENT, "Cannot do stairs (2nd floor"),
        (
            "Leaving home requires 2 people + considerable effort.",
            "homebound",
            PRESENT,
            "Leaving home requires 2 people + considerable effort",
        ),
        ("Going out requires two persons.", "homebound", PRESENT, "Going out requires two persons"),
        # a knee a prefabricated brace cannot serve: limb contour, skin, severe osteoarthritis, a heavy worker
        ("Varus deformity of the right knee.", "custom_brace_condition", PRESENT, "Varus deformity"),
        ("Standing films: bone-on-bone medial compartment.", "custom_brace_condition", PRESENT, "bone-on-bone"),
        ("Kellgren-Lawrence grade III changes.", "custom_brace_condition", PRESENT, "Kellgren-Lawrence grade III"),
        ("Thin skin from chronic steroid use.", "custom_brace_condition", PRESENT, "Thin skin"),
        ("Morbidly obese, BMI 44.", "custom_brace_condition", PRESENT, "Morbidly obese"),
        # a large rotator cuff tear named before its thickness, or a tear running from one tendon into the next
        ("Large full-thickness cuff tear.", "massive_cuff_tear", PRESENT, "Large full-thickness cuff tear"),
        (
            "Tear of the supraspinatus extending into the infraspinatus.",
            "massive_cuff_tear",
            PRESENT,
            "Tear of the supraspinatus extending into the infraspinatus",
        ),
        # major depression as charts abbreviate it
        ("Dx: MDD, recurrent, moderate.", "depression_diagnosis", PRESENT, "MDD"),
        ("Assessment: dysthymia since the injury.", "depression_diagnosis", PRESENT, "dysthymia"),
        ("No history of MDD.", "depression_diagnosis", ABSENT, "MDD"),
        # a list of care closed by a result that names no treatment; progress that has stopped (not the tibial plateau)
        ("PT x8, naproxen, HEP. No durable relief.", "failed_conservative_care", PRESENT, "No durable relief"),
        ("Chiro, ibuprofen without real improvement.", "failed_conservative_care", PRESENT, "without real improvement"),
        ("6 weeks of PT with no additional gains.", "therapy_plateau", PRESENT, "no additional gains"),
        ("Progress in therapy has plateaued.", "therapy_plateau", PRESENT, "plateaued"),
        # a medication being started or its dose adjusted, which the next visits monitor
        ("Sertraline increased 50 -> 100 mg in March.", "medication_titration", PRESENT, "increased 50 -> 100"),
        ("Her pregabalin dose is still being adjusted.", "medication_titration", PRESENT, "dose is still being adjusted"),
        ("Duloxetine uptitrated to 60 mg.", "medication_titration", PRESENT, "uptitrated"),
        ("No dose changes were made; regimen stable.", "medication_titration", ABSENT, "dose changes"),
    ],
)
def test_findings(text: str, key: str, status: FactStatus, span: str) -> None:
    facts = _facts(text, key)
    assert facts, f"no {key} fact"
    assert facts[0].status == status
    assert facts[0].spans[0].text == span
    assert text[facts[0].spans[0].start : facts[0].spans[0].end] == span
    assert facts[0].spans[0].document_id == "note"


def test_no_relief_said_of_a_treatment_is_not_the_close_of_a_list_and_a_tibial_plateau_is_anatomy() -> None:
    assert not _facts("No relief is expected from more therapy.", "failed_conservative_care")
    assert not _facts("Fracture of the lateral tibial plateau in 2015.", "therapy_plateau")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("DTRs 1+ and symmetric throughout.", "neuro_deficit"),
        ("Strength 5/5 throughout, reflexes 2+ and equal.", "neuro_deficit"),
        ("Knee extensor lag of 10 degrees.", "shoulder_weakness"),
        ("Hip abduction 30 degrees.", "shoulder_motion_loss"),
        ("Falls asleep in 15 minutes and sleeps 7 h.", "insomnia"),
        ("Sleep latency of 20 min.", "insomnia"),
        ("Falls asleep within 20 min latency.", "insomnia"),
        ("Wakes at 7 AM rested.", "insomnia"),
        # two sides measured in one row of a table: no change over time
        ("Hip flexion   R 100 deg   L 80 deg", "motion_gain"),
    ],
)
def test_normal_shorthand_is_no_deficit(text: str, key: str) -> None:
    assert not [f for f in _facts(text, key) if f.status == PRESENT]


@pytest.mark.parametrize(
    "text",
    ["Chronic neck pain, rated 5/10 today.", "Pain persists 6/10 on bad days.", "Knee pain went from 8/10 -> 3/10."],
)
def test_moderate_pain_is_not_severe(text: str) -> None:
    assert _facts(text, "severe_pain") == []


@pytest.mark.parametrize(
    "text",
    ["Large partial-thickness cuff tear.", "Partial-thickness tear of the supraspinatus extending into the infraspinatus."],
)
def test_a_partial_tear_is_no_large_cuff_tear(text: str) -> None:
    assert not _facts(text, "massive_cuff_tear")


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("The medications improved his function and activities of daily living.", PRESENT),
        ("There is documented functional improvement with tramadol, with a reduction in work restrictions.", PRESENT),
        ("No documented functional improvement with tramadol.", ABSENT),
        ("There is no documentation of objective functional improvement.", ABSENT),
        ("The patient has returned to full duty.", PRESENT),
    ],
)
def test_functional_improvement(text: str, status: FactStatus) -> None:
    facts = _facts(text, "functional_improvement")
    assert facts and facts[0].status == status


@pytest.mark.parametrize(
    "text",
    [
        "He reports difficulty sitting more than 20 minutes.",
        "She is unable to stand more than 10 minutes.",
        "Sitting limited to 15 minutes.",
        # the amount of an activity that brings the pain on
        "Sitting for 30 minutes aggravates her back.",
        "Walking longer than 10 minutes increases the leg pain.",
        "Driving an hour makes his neck worse.",
        "Her pain is worse after standing 15 minutes.",
        # a prosthesis the worker can wear only so long
        "He can only wear the prosthesis 2 hours.",
        "She is unable to wear her prosthesis more than 1 hour.",
    ],
)
def test_a_limit_of_activity_is_no_improvement(text: str) -> None:
    assert not _facts(text, "functional_improvement")


@pytest.mark.parametrize(
    "text",
    [
        # an amputee's prosthesis worn a measured time a day
        "Now able to wear the prosthesis 8 hr/day.",
        "She tolerates her below-knee prosthesis 10 hours a day.",
        # an activity of daily living done farther or longer than before (8 CCR 9792.20), however the note words it
        "Since the therapy visits she is walking farther.",
        "He walks further than he did before the adjustments.",
        "She is able to walk longer without stopping.",
        "He can sit for longer periods at his desk now.",
        "She now tolerates standing longer at the sink.",
        "Able to drive twice as far as in June.",
        "He can carry heavier grocery bags.",
        # an activity or the usual activities taken up again, told by what the worker is able to do
        "She has been able to return to walking her dog each morning.",
        "He can resume gardening on weekends.",
        "She is able to go back to her usual activities.",
        # the tolerance, distance or endurance of an activity said to have grown
        "Her sitting tolerance has increased.",
        "Walking distance doubled over the course.",
        "He reports greater walking endurance.",
        "Standing time is longer than at the first visit.",
        # an activity measured, the pain it does not bring on told beside it
        "She walks 30 minutes without increased pain.",
        "He can sit 45 minutes with no increase in his symptoms.",
        "With the medication she walks 30 minutes and sits for an hour, increasing her activity.",
    ],
)
def test_an_activity_gained_or_measured_is_improvement(text: str) -> None:
    facts = _facts(text, "functional_improvement")
    assert facts and facts[0].status == PRESENT, facts


@pytest.mark.parametrize(
    "text",
    [
        # a threshold of pain or a limit, however the comparative is written
        "He walks no farther than a block.",
        "She has difficulty walking longer distances.",
        "He cannot sit any longer than 20 minutes.",
        "She can no longer walk far.",
        "Sitting longer aggravates his back.",
        # an activity the worker cannot or only hopes to take up again
        "She is not able to return to walking.",
        "The goal is to be able to resume gardening.",
    ],
)
def test_a_comparative_that_states_a_limit_is_no_improvement(text: str) -> None:
    assert not [f for f in _facts(text, "functional_improvement") if f.status == PRESENT]


def test_negated_improvement_does_not_negate_the_drug() -> None:
    text = "No documented functional improvement with tramadol."
    evidence = gather_evidence(_case(text))
    assert evidence.status(["functional_improvement"]) == ABSENT
    assert evidence.status(["tramadol"]) == PRESENT


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("A urine drug screen on 11/2/2016 was consistent.", PRESENT),
        ("The CURES report was reviewed.", PRESENT),
        ("A signed opioid agreement is on file.", PRESENT),
        ("There is no documentation of a urine drug screen.", ABSENT),
        ("No aberrant drug-taking behaviour was noted.", PRESENT),
        ("There was no discussion of side effects or aberrant behaviour.", ABSENT),
        ("Aberrant behaviour was not addressed at the visit.", ABSENT),
    ],
)
def test_opioid_monitoring(text: str, status: FactStatus) -> None:
    facts = _facts(text, "opioid_monitoring")
    assert facts and facts[0].status == status


@pytest.mark.parametrize(
    "text",
    [
        # a drug test reported with a negative or clean result was done: only what it found is negative
        "The urine drug screen of 2/3/2016 was negative.",
        "Negative UDS at the last visit.",
        "Tox screen came back clean, as expected.",
        "UDS: negative for non-prescribed substances.",
        "Point-of-care drug test returned negative for illicit drugs.",
    ],
)
def test_a_negative_drug_test_is_a_test_done(text: str) -> None:
    evidence = gather_evidence(_case(text))
    assert evidence.status(["urine drug testing"]) == PRESENT


@pytest.mark.parametrize(
    "text",
    ["No urine drug screen is on file.", "A drug screen has not been performed.", "There has been no toxicology screen."],
)
def test_a_drug_test_not_done_is_negated(text: str) -> None:
    assert gather_evidence(_case(text)).status(["urine drug testing"]) == ABSENT


def test_a_negative_result_still_negates_a_finding() -> None:
    evidence = gather_evidence(_case("Straight leg raise test was negative. Spasm: negative."))
    assert evidence.status(["spasm"]) == ABSENT


def test_status_prefers_present_over_absent() -> None:
    evidence = Evidence(_case("x"), [])
    assert evidence.status(["spasm"]) is None
    evidence = gather_evidence(_case("No spasm on 11/1. On 12/1 there was spasm of the trapezius."))
    assert evidence.status(["spasm"]) == PRESENT


def test_text_whose_lower_case_changes_length_is_still_read() -> None:
    text = "Seen by Dr. İnan. MUSCLE SPASM noted."
    facts = _facts(text, "spasm")
    assert facts and facts[0].status == PRESENT
    assert text[facts[0].spans[0].start : facts[0].spans[0].end] == "SPASM"


def test_text_with_a_letter_that_folds_oddly_is_still_read() -> None:
    # "ſ" (long s) matches "s" case-insensitively but lower-cases to itself: the term's required word "straight" is not
    # in the lower-cased text, yet the pattern matches it.
    facts = _facts("Exam: ſtraight leg raise was positive on the left.", "radicular_sign")
    assert [f.spans[0].text for f in facts] == ["ſtraight leg raise was positive"]


def test_extract_facts_resolves_every_candidate() -> None:
    facts = extract_facts(_case("Spasm noted. No numbness. Takes naproxen."))
    assert {(f.kind, f.name, f.status) for f in facts} >= {
        ("finding", "muscle spasm", PRESENT),
        ("finding", "paresthesia", ABSENT),
        ("medication", "naproxen", PRESENT),
    }


@pytest.mark.parametrize(
    ("text", "body_parts"),
    [
        ("Shoulder impingement; non-displaced fracture of the thumb.", ["hand"]),
        ("Shoulder pain after the fall; there is a fracture.", ["shoulder"]),
        ("A femoral neck fracture is suspected.", ["hip"]),
        ("A radial head fracture is suspected, but the wrist is normal.", ["elbow"]),
    ],
)
def test_a_finding_is_placed_in_its_clause_else_its_sentence(text: str, body_parts: list[str]) -> None:
    (fracture,) = _facts(text, "fracture")
    assert fracture.body_parts == body_parts


def test_a_finding_that_names_its_spine_part_is_not_placed_at_another() -> None:
    (pain,) = _facts("Persistent neck pain into the arm, and mild mid-back stiffness at night.", "persistent_symptoms")
    assert "cervical spine" in pain.body_parts and "thoracic spine" not in pain.body_parts
    (numb,) = _facts("Numbness of the hands with neck and mid-back pain.", "paresthesia")
    assert {"cervical spine", "thoracic spine"} <= set(numb.body_parts)


def test_evidence_finds_each_family_when_first_asked_as_if_all_were_found_at_once() -> None:
    case = _case(
        "Chronic low back pain with muscle spasm and decreased sensation in the L5 dermatome; no radiculopathy. "
        "She takes Norco and naproxen, which improved her function by 30%. Physical therapy 12 sessions failed. "
        "MRI showed a disc herniation. CURES was reviewed. She is on modified duty.",
        dt.date(2016, 1, 1),
    )
    keys = sorted(fact_keys())
    lazy, eager = gather_evidence(case), Evidence(case, _candidates(case))
    naproxen = [f for f in eager.of_kind("medication") if f.name == "naproxen"]
    assert naproxen and lazy.of_kind("medication", lambda name: name == "naproxen") == naproxen
    assert lazy.of_kind("medication") == eager.of_kind("medication")
    assert [lazy.mentions([key]) for key in keys] == [eager.mentions([key]) for key in keys]
    assert lazy.mentions(keys) == eager.mentions(keys)
    assert len(lazy.mentions(keys)) >= 8


@pytest.mark.parametrize(
    ("text", "key", "part"),
    [
        # the ulnar nerve's territory in the hand is a sign about the elbow (cubital tunnel)
        ("Numbness in the ring and little fingers of the left hand.", "paresthesia", "elbow"),
        ("She reports tingling of the 4th and 5th digits at night.", "paresthesia", "elbow"),
        ("Intrinsic weakness of the right hand.", "neuro_deficit", "elbow"),
        ("Froment's sign is positive on the left.", "entrapment_sign", "elbow"),
        ("Decreased sensation along the ulnar border of the hand.", "neuro_deficit", "elbow"),
        # a dermatome is a sign about the spine part of its root
        ("Decreased sensation in the L5 dermatome.", "neuro_deficit", "lumbar spine"),
    ],
)
def test_a_nerve_territory_places_its_finding(text: str, key: str, part: str) -> None:
    facts = _facts(text, key)
    assert facts and part in facts[0].body_parts


def test_the_median_territory_is_not_the_elbow() -> None:
    (fact,) = _facts("Numbness of the thumb, index and middle fingers.", "paresthesia")
    assert "elbow" not in fact.body_parts


@pytest.mark.parametrize(
    "text",
    [
        "Left EHL 4-/5 (was 5/5 in June).",
        "Dorsiflexion 3/5, down from 4/5 at the last visit.",
        "Right ankle plantar flexion 4/5, previously 4+/5.",
        "Quadriceps graded 4 out of 5, documented as 5 out of 5 in March.",
        "EHL 5/5 -> 4-/5 since the fall.",
        "Strength of the left EHL fell from 5/5 to 4/5.",
        # the side written after the grade, before the earlier one
        "Ankle dorsiflexion 3/5 right (was 4/5 in May).",
        "EHL 4-/5 on the left, previously 5/5.",
    ],
)
def test_a_strength_grade_lower_than_before_is_a_progressive_deficit(text: str) -> None:
    assert [f.name for f in _facts(text, "red_flag")] == ["progressive neurological deficit"]


@pytest.mark.parametrize(
    "text",
    [
        "EHL strength 4/5, unchanged from 4/5 at the last visit.",
        "Left ankle dorsiflexion 4/5 (previously 4/5).",
        "Dorsiflexion 4-/5, compared with 4-/5 in March.",
        "EHL 4/5 -> 4/5 over two months.",
        "Quadriceps 4/5 (was 3/5): better with therapy.",
        "Hip flexion 4+/5, previously 4/5.",
        "Strength 4/5 in the left EHL, as before.",
    ],
)
def test_a_strength_grade_the_same_as_or_better_than_before_is_not_a_progressive_deficit(text: str) -> None:
    assert not _facts(text, "red_flag")


@pytest.mark.parametrize(
    ("text", "status"),
    [
        # ODG Pain, UDT: a drug the worker is not prescribed, found by the screen, is an unexpected result
        ("Point-of-care screen today positive for oxycodone (not prescribed).", PRESENT),
        ("The office urine screen was positive for alprazolam, which she has no prescription for.", PRESENT),
        ("Non-prescribed morphine was detected on the immunoassay.", PRESENT),
        ("The cup test was unexpectedly positive for benzodiazepines.", PRESENT),
        ("UDS positive for hydrocodone, not on his medication list.", PRESENT),
        ("The immunoassay showed alprazolam; she has no prescription for it.", PRESENT),
        # the drug found, said to be not prescribed in a statement of its own beside the result
        ("Office cup today positive for opiates. Oxycodone NOT prescribed.", PRESENT),
        ("Screen positive for benzodiazepines. Alprazolam is not one of her medications.", PRESENT),
        ("POC UDS + amphetamine. CURES: no active prescription for Adderall.", PRESENT),
        ("Immunoassay positive for opiates; the Percocet was never prescribed by this office.", PRESENT),
        ("UDS 10/2: positive for oxycodone. Oxycodone is not a prescribed medication for him.", PRESENT),
        # a drug not found that is not prescribed: an expected result; a drug not prescribed at this visit: no result
        ("UDS positive for hydrocodone, negative for oxycodone (not prescribed).", None),
        ("Oxycodone is not prescribed today; tramadol is continued.", None),
        # the prescribed drug found, nothing else: an expected result
        ("UDS positive for prescribed hydrocodone, no non-prescribed drugs detected.", None),
        ("UDS positive for hydrocodone as prescribed; negative for non-prescribed substances.", None),
        ("Urine drug screen positive for tramadol, consistent with her prescriptions.", None),
        # a positive sign of the examination is no drug test
        ("Spurling test positive on the right; he is not prescribed any medication.", None),
    ],
)
def test_a_drug_found_that_is_not_prescribed_is_an_unexpected_result(text: str, status: FactStatus | None) -> None:
    assert gather_evidence(_case(text)).status(["unexpected_drug_test"]) == status


@pytest.mark.parametrize(
    ("text", "status"),
    [
        # ODG Antiemetics: the nausea of chronic opioid use, however the note ties it to the drugs
        ("He has nausea from his pain medications.", PRESENT),
        ("Vomiting secondary to the oxycodone most mornings.", PRESENT),
        ("She reports opioid-induced nausea.", PRESENT),
        ("The Norco makes him nauseated.", PRESENT),
        ("No nausea with his medications.", ABSENT),
        # the nausea of an operation, or from the drugs given for it, is post-operative nausea
        ("She has post-operative nausea.", None),
        ("He has nausea from the post-op Norco.", None),
        ("Nausea from the Percocet after the surgery.", None),
    ],
)
def test_nausea_from_the_drugs_taken(text: str, status: FactStatus | None) -> None:
    assert gather_evidence(_case(text)).status(["medication_nausea"]) == status


# the risk factors of CPMTG NSAIDs, GI symptoms & cardiovascular risk pp. 68-69, as notes name them
@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("He had melena last year.", "melena"),
        ("She takes Eliquis for atrial fibrillation.", "Eliquis"),
        ("He takes ASA 81 mg daily.", "ASA"),
        ("History of PUD.", "PUD"),
        ("Upper GI bleed in 2013.", "Upper GI bleed"),
    ],
)
def test_a_gastrointestinal_risk_factor_is_read(text: str, span: str) -> None:
    facts = _facts(text, "gi_risk")
    assert facts and facts[0].status == PRESENT and facts[0].spans[0].text == span


def test_an_anaesthesia_class_is_not_aspirin() -> None:
    assert not _facts("Pre-anesthesia: ASA 2.", "gi_risk")


# an oral NSAID stopped for the harm or the side effects it caused, however the sentence joins the two (ODG Voltaren
# Gel: topical diclofenac when oral NSAIDs are contraindicated or not tolerated); not one stopped for another reason
@pytest.mark.parametrize(
    ("text", "unsuitable"),
    [
        ("Oral NSAIDs, which were discontinued because of epigastric pain, are avoided.", True),
        ("Naproxen had to be stopped due to side effects.", True),
        ("Ibuprofen was discontinued secondary to gastritis.", True),
        ("Oral NSAIDs cause him dyspepsia.", True),
        ("Naproxen was stopped after he developed black tarry stools.", True),
        ("Naproxen was stopped when the prescription ran out.", False),
    ],
)
def test_an_oral_nsaid_stopped_for_its_harm_is_unsuitable(text: str, unsuitable: bool) -> None:
    assert bool([f for f in _facts(text, "oral_nsaid_unsuitable") if f.status == PRESENT]) is unsuitable


# a gain in function (8 CCR 9792.20) as notes tell it: back at the job, whatever the note calls it, at the hours or duty
# it names; a whole shift got through; sleep measured longer, the words giving the direction; a hyphenated word between
@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("She is able to return to delivering parcels on modified hours.", PRESENT),
        ("He went back to the loading dock at light duty.", PRESENT),
        ("He is now able to sit through a full work shift.", PRESENT),
        ("She can stand through her 8-hour shift.", PRESENT),
        ("He sleeps 6 hours a night, up from 3.", PRESENT),
        ("Her sleep improved from 4 to 7 hours.", PRESENT),
        ("She is able to continue full-time work.", PRESENT),
        ("He is not able to sit through a full shift.", ABSENT),
    ],
)
def test_a_gain_in_work_or_sleep_is_functional_improvement(text: str, status: FactStatus) -> None:
    facts = _facts(text, "functional_improvement")
    assert facts and facts[0].status == status


@pytest.mark.parametrize(
    "text",
    [
        "He went back to the warehouse on modified duty but was sent home after two days.",
        "He sleeps 3 hours versus 7 before the injury.",
    ],
)
def test_a_failed_return_or_an_undirected_comparison_is_no_improvement(text: str) -> None:
    assert not _facts(text, "functional_improvement")


# spasticity as the examination measures or names it, a spinal cord injury as notes name it (CPMTG Muscle relaxants,
# antispasticity drugs pp. 64-66); tone of the paraspinal muscles is spasm, and an Ashworth grade of 0 is none
@pytest.mark.parametrize(
    ("text", "key", "span"),
    [
        ("Modified Ashworth 1+ at both knees.", "spasticity", "Modified Ashworth 1+"),
        ("MAS 2 in the right elbow flexors.", "spasticity", "MAS 2"),
        ("Spastic gait with 4 beats of clonus.", "spasticity", "Spastic"),
        ("Increased tone in both lower extremities.", "spasticity", "Increased tone in both lower extremities"),
        ("T12 incomplete SCI in 2012.", "spasticity_condition", "SCI"),
        ("Cord injury at C5, ASIA B.", "spasticity_condition", "Cord injury"),
        ("Central cord syndrome after the fall.", "spasticity_condition", "Central cord syndrome"),
    ],
)
def test_spasticity_and_cord_injury_are_read(text: str, key: str, span: str) -> None:
    facts = _facts(text, key)
    assert facts and facts[0].status == PRESENT and facts[0].spans[0].text == span


@pytest.mark.parametrize(
    "text",
    ["Hypertonicity and increased tone of the lumbar paraspinals.", "Modified Ashworth 0 throughout."],
)
def test_paraspinal_tone_or_a_zero_grade_is_not_spasticity(text: str) -> None:
    assert not [f for f in _facts(text, "spasticity") if f.status == PRESENT]


# relief and function as notes also write them: a drop stated with its amount, a score brought down to another, the
# treatment allowing or keeping the worker at work, a chore done now with its kind named
@pytest.mark.parametrize(
    ("text", "key", "span"),
    [
        ("Since gabapentin her pain dropped 40%.", "pain_relief", "pain dropped 40%"),
        ("Arm pain 8/10 down to 4/10 with it.", "pain_relief", "8/10 down to 4/10"),
        ("Neurontin reduces his leg pain, allowing him to work his route.", "functional_improvement", "allowing him to work"),
        ("Celecoxib keeps him working.", "functional_improvement", "keeps him working"),
        ("She now does her own grocery shopping.", "functional_improvement", "now does her own grocery shopping"),
    ],
)
def test_relief_and_function_in_other_words(text: str, key: str, span: str) -> None:
    facts = _facts(text, key)
    assert facts and facts[0].status == PRESENT and facts[0].spans[0].text == span


# localized peripheral neuropathic pain named by the lesion or its quality (CPMTG Lidoderm pp. 56-57)
@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Painful neuroma at the amputation stump.", "neuroma"),
        ("Intercostal neuritis after the rib fractures.", "neuritis"),
        ("Meralgia paresthetica of the right thigh.", "Meralgia paresthetica"),
        ("Dysesthesias over the scar.", "Dysesthesias"),
        ("Superficial radial nerve injury at the wrist.", "nerve injury"),
        ("Ilioinguinal nerve entrapment after the hernia repair.", "nerve entrapment"),
    ],
)
def test_a_peripheral_nerve_lesion_is_neuropathic_pain(text: str, span: str) -> None:
    facts = _facts(text, "neuropathic_pain")
    assert facts and facts[0].status == PRESENT and facts[0].spans[0].text == span


@pytest.mark.parametrize(
    "text",
    [
        "XR L knee and tibia neg for fracture.",
        "Pelvis XR today: no definite fracture line.",
        "Wrist films negative x2.",
        "XR ankle 3 views - no fx.",
        "Radiographs were without acute findings.",
        "Two sets of radiographs have not shown a fracture.",
        "The radiographs haven't shown a fracture.",
        "Plain films showed only mild degenerative change, no fracture.",
        "The x-rays were unrevealing.",
    ],
)
def test_plain_films_that_find_nothing_are_normal_radiographs(text: str) -> None:
    assert [f.status for f in _facts(text, "normal_radiographs")] == [PRESENT]


@pytest.mark.parametrize(
    "text",
    [
        "X-rays were not normal.",
        "Radiographs weren't negative.",
        "X-rays showed a fracture of the radius, no other fracture.",
        "X-rays showed a displaced fracture but were otherwise normal.",
        "X-rays positive for a fracture.",
    ],
)
def test_plain_films_that_find_something_are_not_normal_radiographs(text: str) -> None:
    assert not [f for f in _facts(text, "normal_radiographs") if f.status == PRESENT]


@pytest.mark.parametrize(
    ("text", "key", "status"),
    [
        ("Can't weight bear on the R leg.", "fracture_sign", PRESENT),
        ("She is unable to weight-bear on the left.", "fracture_sign", PRESENT),
        ("Pain w/ axial load of the hip.", "fracture_sign", PRESENT),
        ("Concern for occult femoral neck fx.", "fracture", UNCERTAIN),
        ("Weight 250 pounds, body mass index 44.", "obesity", PRESENT),
        ("BMI: 41.", "obesity", PRESENT),
    ],
)
def test_signs_of_an_occult_fracture_and_obesity(text: str, key: str, status: FactStatus) -> None:
    assert [f.status for f in _facts(text, key)] == [status]


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Returned full duty after the course.", PRESENT),
        ("Cont regular work.", PRESENT),
        ("She resumed usual duties in May.", PRESENT),
        ("He is back at work.", PRESENT),
        ("He has not returned to regular duty.", ABSENT),
    ],
)
def test_a_work_status_by_its_level_is_working(text: str, status: FactStatus) -> None:
    assert [f.status for f in _facts(text, "working")] == [status]


def test_a_return_to_work_written_without_its_to_is_functional_improvement() -> None:
    facts = _facts("Completed 8 PT visits -> resolved, returned full duty.", "functional_improvement")
    assert [(f.name, f.treatments) for f in facts] == [("returned to work", ["physical therapy"])]


@pytest.mark.parametrize(
    "text",
    [
        "A land-based course in April was stopped after three visits because squats swelled her knees.",
        "Land therapy sessions were discontinued as too painful.",
        # the worker had to stop it, as notes tell it
        "Tried land-based PT 3 visits, had to stop - knee swelling after each session.",
        "Physical therapy on land needed to quit because of knee pain with squats.",
    ],
)
def test_a_land_based_course_stopped_is_land_therapy_not_tolerated(text: str) -> None:
    assert [f.status for f in _facts(text, "land_therapy_not_tolerated")] == [PRESENT]


@pytest.mark.parametrize(
    "text",
    ["With the injection he returned to modified work.", "Returned full duty in May.", "He returned regular work."],
)
def test_a_return_to_work_with_or_without_its_to_is_functional_improvement(text: str) -> None:
    assert [f.name for f in _facts(text, "functional_improvement")] == ["returned to work"]


@pytest.mark.parametrize(
    "text",
    [
        "The therapy and psychology evaluations recorded his baseline (walks 5 minutes, lifts 10 lb).",
        "Baseline levels were established at the intake.",
    ],
)
def test_a_baseline_an_evaluation_recorded_is_baseline_functional_testing(text: str) -> None:
    assert {f.status for f in _facts(text, "baseline_functional_testing")} == {PRESENT}


@pytest.mark.parametrize(
    ("text", "status"),
    [
        # ODG Antiemetics: nausea that begins with an operation is the operation's, the operation named first or last
        ("Since the operation she has been nauseated from the oxycodone.", PRESENT),
        ("After his lumbar fusion he began vomiting with each dose of hydrocodone.", PRESENT),
        ("Following the right knee replacement, ongoing nausea.", PRESENT),
        ("He has had nausea and vomiting since the shoulder surgery.", PRESENT),
        ("She reports post-surgical nausea.", PRESENT),
        ("Nausea post-op, treated with ondansetron.", PRESENT),
        # negated, or nausea from before the operation, is not
        ("Since the surgery he has had no nausea.", None),
        ("No nausea since the operation.", ABSENT),
        ("Nausea from his Norco since before the surgery.", None),
        ("He has nausea from his pain medications.", None),
    ],
)
def test_nausea_dated_from_an_operation(text: str, status: FactStatus | None) -> None:
    assert gather_evidence(_case(text)).status(["postoperative_nausea"]) == status


@pytest.mark.parametrize(
    "text",
    [
        "Nerve conduction study c/w mild bilateral CTS.",
        "EMG/NCS 2/2016: slowed sensory conduction -> moderate right CTS.",
        "NCS last month: median DSL 3.9 ms, DML 4.8 ms, amplitudes preserved.",
        "Conduction testing found the median onset latency 3.6 ms and the DML 5.3 msec on the left.",
    ],
)
def test_a_study_concluding_in_shorthand_or_a_latency_by_its_abbreviation_confirms_the_syndrome(text: str) -> None:
    assert PRESENT in [f.status for f in _facts(text, "edx_confirmed")]


@pytest.mark.parametrize(
    "text",
    [
        "NCS: median DML 3.8 ms, ulnar DML 4.9 ms.",
        "Nerve conduction study normal; CTS is not confirmed.",
        "Median F-wave latency 26 ms.",
    ],
)
def test_normal_median_latencies_do_not_confirm_the_syndrome(text: str) -> None:
    assert PRESENT not in [f.status for f in _facts(text, "edx_confirmed")]


def test_carpal_tunnel_syndrome_by_its_abbreviation_is_the_diagnosis() -> None:
    assert [f.status for f in _facts("Bilateral CTS, worse on the left.", "entrapment_neuropathy")] == [PRESENT]


@pytest.mark.parametrize(
    "text",
    [
        "Negative predictors and the plan for each: opioid use - taper during the program.",
        "Negative predictors reviewed - long disability addressed with a vocational component.",
        "Off work 28 months: vocational counseling in the program.",
        "Opioids - weaning built into the program.",
        "Smoking: cessation counseling arranged.",
        "Hydrocodone taper incorporated into program.",
        "Tramadol taper with the program physician.",
        "Narcotic weaning with her physician has begun.",
    ],
)
def test_a_negative_predictor_written_with_the_program_plan_for_it_is_addressed(text: str) -> None:
    """CPMTG pp. 30-34: the predictors the guideline names (opioid use, the duration of disability, smoking ...) each
    written with what the program does about it."""
    assert [f for f in _facts(text, "negative_predictors_addressed") if f.status == PRESENT]


@pytest.mark.parametrize(
    "text",
    [
        "Negative predictors not addressed: ongoing opioid use.",
        "Off work 28 months; opioid use continues.",
        "A previous opioid taper did not succeed.",
        "Failed opioid taper in 2014.",
        "Opioid taper failed last year.",
    ],
)
def test_a_negative_predictor_without_a_plan_is_not_addressed(text: str) -> None:
    assert not [f for f in _facts(text, "negative_predictors_addressed") if f.status == PRESENT]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("She declines epidural steroid injections.", True),
        ("He is not interested in any needles.", True),
        ("A medial branch block was offered and refused.", True),
        ("She prefers to avoid interventional procedures.", True),
        ("He agreed to proceed with the epidural injection.", False),
        ("Injections gave her two months of relief.", False),
    ],
)
def test_an_injection_the_worker_declines(text: str, found: bool) -> None:
    """ACOEM Ch. 7 p. 127: a referral for an injection the worker will not have cannot change the management."""
    assert bool([f for f in _facts(text, "injection_declined") if f.status == PRESENT]) is found


@pytest.mark.parametrize(
    "text",
    [
        "A home exercise kit is requested.",
        "He was issued a theraband and a ball by the therapist; a kit is requested for home.",
    ],
)
def test_a_kit_named_without_its_contents_lists_none(text: str) -> None:
    assert not _facts(text, "exercise_kit_contents")


@pytest.mark.parametrize(
    "text",
    [
        "Mood unchanged. Requesting a new psychological evaluation.",
        "Plan: a new psychiatric consultation with another group.",
    ],
)
def test_the_evaluation_asked_for_again_is_no_new_psychiatric_symptom(text: str) -> None:
    assert _facts(text, "psychiatric_change") == []


def test_new_psychiatric_symptoms_are_still_read() -> None:
    assert [f.status for f in _facts("She reports new depressive symptoms.", "psychiatric_change")] == [PRESENT]


@pytest.mark.parametrize(
    ("text", "span"),
    [
        # a deficit called progressive with its side and root between, or a weakness said to be worse
        ("Assessment: progressive left L5 motor deficit.", "progressive left L5 motor deficit"),
        ("Progressive right C6 weakness despite therapy.", "Progressive right C6 weakness"),
        ("His foot weakness is worse since the last visit.", "weakness is worse"),
        ("The ankle weakness is getting worse.", "weakness is getting worse"),
    ],
)
def test_a_deficit_said_to_progress_is_a_red_flag(text: str, span: str) -> None:
    assert [(f.name, f.spans[0].text) for f in _facts(text, "red_flag")] == [("progressive neurological deficit", span)]


def test_weakness_worse_than_another_complaint_is_no_progression() -> None:
    assert not _facts("Leg weakness worse than the back pain, stable for a year.", "red_flag")


@pytest.mark.parametrize(
    ("text", "span"),
    [
        # ACOEM Ch. 12 Table 12-1: the signs of cauda equina syndrome as an examination records them
        ("New urinary retention since Monday.", "urinary retention"),
        ("He has had difficulty starting his urine stream for two days.", "difficulty starting his urine stream"),
        ("She is unable to void.", "unable to void"),
        ("Loss of bowel and bladder control was reported.", "Loss of bowel and bladder control"),
        ("Decreased pinprick sensation in the perianal region.", "Decreased pinprick sensation in the perianal"),
        ("There is perineal numbness.", "perineal numbness"),
        ("Rectal tone was described as decreased.", "Rectal tone was described as decreased"),
        ("Lax anal sphincter tone on examination.", "Lax anal sphincter tone"),
        ("Post-void residual 450 mL.", "Post-void residual 450 mL"),
        ("Bladder scan: elevated post-void residual.", "elevated post-void residual"),
    ],
)
def test_signs_of_cauda_equina_syndrome_are_a_red_flag(text: str, span: str) -> None:
    assert [(f.name, f.status, f.spans[0].text) for f in _facts(text, "red_flag")] == [("cauda equina", PRESENT, span)]


@pytest.mark.parametrize(
    "text",
    [
        "Post-void residual 40 mL.",
        "Rectal tone is normal.",
        "He was tested for a urinary tract infection.",
    ],
)
def test_a_normal_bladder_or_sphincter_is_no_sign_of_cauda_equina(text: str) -> None:
    assert not [f for f in _facts(text, "red_flag") if f.status is PRESENT]


def test_denied_signs_of_cauda_equina_are_negated() -> None:
    facts = _facts("Denies urinary retention or perineal numbness.", "red_flag")
    assert [(f.name, f.status) for f in facts] == [("cauda equina", ABSENT), ("cauda equina", ABSENT)]


@pytest.mark.parametrize(
    ("text", "span"),
    [
        # an operation the worker will not have, in the ways notes write it
        ("He does not want surgery.", "does not want surgery"),
        ('He says he "will never have surgery".', "will never have surgery"),
        ("Surgery was offered and declined.", "Surgery was offered and declined"),
        ("Non-operative care; surgery optional, pt declined.", "surgery optional, pt declined"),
        ("She refused a fusion.", "refused a fusion"),
        ("Arthroscopy, which she declined.", "Arthroscopy, which she declined"),
    ],
)
def test_an_operation_the_worker_declines(text: str, span: str) -> None:
    assert [(f.name, f.spans[0].text) for f in _facts(text, "surgery_declined")] == [("surgery declined", span)]


@pytest.mark.parametrize(
    "text",
    [
        "He refused physical therapy after surgery.",
        "Surgery declined by the surgeon because of his diabetes.",
        "She declines injections.",
    ],
)
def test_care_around_an_operation_or_a_surgeon_declining_is_no_refusal_of_surgery(text: str) -> None:
    assert not [f for f in _facts(text, "surgery_declined") if f.status is PRESENT]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Plan:\n- Taper: oxycodone 10 mg three a day this month, two a day next month.", True),
        ("Plan:\n1. Weaning: tramadol one a day less every two weeks.", True),
        ("We will lower her hydrocodone from four tablets a day to three.", True),
        ("Decrease Percocet to twice a day this month.", True),
        ("Dispense #60, reduced from #90 last month.", True),
        ("Continue 10% monthly dose reductions toward discontinuation.", True),
        # the order opening a line or a sentence of the plan
        ("Pain unchanged on Norco. Wean Norco.", True),
        ("A/P: chronic neck pain. Taper oxycodone to two a day.", True),
        ("The goal is to taper Norco after the injection.", False),
        ("Pain 6/10. Taper failed in 2015.", False),
        ("Her pain dropped from 8/10 to 4/10 with the medication.", False),
        ("Swelling decreased to 2 cm.", False),
        ("Therapy visits were reduced to twice a week.", False),
        ("Gradual reduction in pain over the past month.", False),
    ],
)
def test_a_taper_written_as_the_dose_it_lowers(text: str, found: bool) -> None:
    """CPMTG p. 79 and DWC Opioids 2016: opioids are weaned, not stopped abruptly; the prescriber's plan writes a
    taper's step as a lower dose or quantity, or heads a line of the plan "Taper:"; a pain score that fell is no dose."""
    assert bool([f for f in _facts(text, "opioid taper plan") if f.status != ABSENT]) is found


@pytest.mark.parametrize(
    ("text", "drug", "stopped"),
    [
        ("Naproxen tabs discontinued 8/2016 for heartburn.", "naproxen", True),
        ("Ibuprofen 800 mg stopped due to stomach upset.", "ibuprofen", True),
        ("Meloxicam d/c'd in March; acetaminophen only since.", "meloxicam", True),
        ("Celebrex was D/C'ed at the last visit.", "celebrex", True),
        ("Naproxen continued since 2015; the pain stopped waking her after therapy.", "naproxen", False),
        ("Ibuprofen helps; she stopped therapy in May.", "ibuprofen", False),
    ],
)
def test_a_drug_stopped_in_a_note_shorthand(text: str, drug: str, stopped: bool) -> None:
    """A drug the record says was stopped, written without the auxiliary (the verb followed by when or why) or with the
    abbreviation "d/c'd": not in current use (a PPI's indication ends with the NSAID it protects against, CPMTG p. 68-69)."""
    spans = [f.spans[0].text.lower() for f in _facts(text, "medication stopped") if f.status == PRESENT]
    assert any(drug in span for span in spans) is stopped


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Wakes 2-3x a night with hip pain.", True),
        ("Sleeps 4.5 h/night.", True),
        ("Sleep onset around 75 min latency.", True),
        ("Keeps a fixed bedtime and wake time.", True),
        ("Avoids screens before bed; caffeine limited since May.", True),
        ("He dozes off while watching television.", True),
        ("She is tired all day.", True),
        ("~3 h sleep/night since the fall.", True),
        ("About 4 hours of total sleep.", True),
        ("Sleep-hygiene instruction given in March.", True),
        ("Avoiding caffeine and screen time for two weeks.", True),
        ("Tired and irritable at work the next day.", True),
        ("Right median distal latency 4.6 ms.", False),
        ("Therapy 2 h a week.", False),
        ("She is tired of the pain.", False),
    ],
)
def test_insomnia_characterized_in_a_note_shorthand(text: str, found: bool) -> None:
    """ODG Insomnia treatment: before a hypnotic, the sleep disturbance is evaluated (onset, maintenance, hours, sleep
    hygiene, next-day function); notes write its components in shorthand, or as the hygiene measures tried."""
    assert bool([f for f in _facts(text, "sleep_assessment") if f.status == PRESENT]) is found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Tramadol 50 mg 3/day this month, then 2/day, then 1/day, then stop.", True),
        ("Oxycodone two tablets a day for two weeks, then one a day for two weeks, then off.", True),
        ("Lower the hydrocodone by one tablet a day every two weeks.", True),
        ("Cut the morphine dose by 10% each month.", True),
        ("Percocet 10/325 #60 (taper).", True),
        ("Norco 10/325 #90 - wean", True),
        ("We agree to taper the tramadol.", True),
        ("Prednisone one a day for five days, then stop.", False),
        ("Her pain was reduced by 50% for a week.", False),
        ("Norco #120 - refill.", False),
        ("Ibuprofen 3 times daily, then twice daily as needed.", False),
    ],
)
def test_a_taper_written_as_a_schedule_a_rate_or_the_supply_it_marks(text: str, found: bool) -> None:
    """CPMTG p. 79 and p. 124, DWC Opioids 2016: the plan writes a wean as a schedule of two or more falling daily doses
    that ends in stopping, as an amount taken off every interval, or marks the supply as the taper's; one course then
    stopped, or a pain score reduced, is no taper."""
    assert bool([f for f in _facts(text, "opioid taper plan") if f.status != ABSENT]) is found


@pytest.mark.parametrize(
    "text",
    [
        "Therapy helped early; no further change over the last 5 sessions.",
        "Strength rose, then no measurable gains in the final three visits.",
        "She finished 12 OT sessions, the last three of which brought no further progress.",
        "PT gains have levelled off since March.",
    ],
)
def test_gains_stopped_over_the_last_visits_is_a_plateau(text: str) -> None:
    # "no further progress" alone is a plateau too (the failed-care reading): two readings may both find one sentence
    assert {f.status for f in _facts(text, "therapy_plateau")} == {PRESENT}


@pytest.mark.parametrize(
    "text",
    ["She is still making gains in the last two sessions.", "He has had no physical therapy in the last 6 weeks."],
)
def test_continuing_gains_or_no_therapy_is_no_plateau(text: str) -> None:
    assert not [f for f in _facts(text, "therapy_plateau") if f.status is PRESENT]


@pytest.mark.parametrize(
    "text",
    ["Capacity testing done; current PDL light.", "Tested physical demand level: sedentary.", "PDL demonstrated: medium."],
)
def test_a_present_demand_level_is_a_tested_capacity(text: str) -> None:
    assert [f.status for f in _facts(text, "capacity_tested")] == [PRESENT]


def test_a_job_level_written_with_an_equals_sign_is_a_job_demand() -> None:
    assert [f.status for f in _facts("Occupation = heavy (roofer).", "job_demand_stated")] == [PRESENT]


@pytest.mark.parametrize(
    "text",
    [
        "The psychologist described him as motivated.",
        "The team found her highly motivated for change.",
        "He stated he is not seeking to remain on disability.",
        "She signed a statement acknowledging the program's goals.",
    ],
)
def test_motivation_as_an_evaluator_or_the_worker_states_it(text: str) -> None:
    assert PRESENT in [f.status for f in _facts(text, "motivated_to_change")]


def test_an_evaluator_finding_the_worker_unmotivated_is_no_motivation() -> None:
    assert not [f for f in _facts("The psychologist found him poorly motivated.", "motivated_to_change") if f.status is PRESENT]
