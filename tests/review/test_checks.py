"""The checks topics name, one table per check: (record snippet, parameters, expected status), and their parameter
models refusing what they do not know."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from openimr.errors import OpenIMRError
from openimr.evidence import gather_evidence
from openimr.model import Case, CaseDates, CriterionStatus, DisputedItem, Document, Patient
from openimr.requests import parse_disputed_item
from openimr.review.checks import CHECKS, CheckContext, Outcome
from openimr.review.checks.record import relief_percents
from openimr.review.structure import Primary, primary_of

MET, NOT_MET, INSUFFICIENT = CriterionStatus.MET, CriterionStatus.NOT_MET, CriterionStatus.INSUFFICIENT
INJURY, UR = dt.date(2016, 9, 1), dt.date(2016, 11, 10)


def _context(text: str, request: str, age: int | None = None, injury: dt.date = INJURY, *others: str) -> CheckContext:
    items = [DisputedItem(request=request), *(DisputedItem(request=r) for r in others)]
    case = Case(
        dates=CaseDates(injury=injury, ur_decision=UR),
        patient=Patient(age=age),
        documents=[Document(id="note", text=text)],
        disputed_items=items,
    )
    evidence = gather_evidence(case)
    treatments = [parse_disputed_item(i) for i in items]
    primary = primary_of(0, treatments, [treatments[0].postoperative, *(False for _ in others)], evidence)
    return CheckContext(case, treatments[0], evidence, primary=primary)


def _outcome(check: str, params: dict[str, Any], text: str, request: str = "Cyclobenzaprine 7.5mg #20", **kwargs: Any) -> Outcome:
    found = CHECKS[check]
    return found(_context(text, request, **kwargs), found.validate(params, "test"))


def _run(check: str, params: dict[str, Any], text: str, **kwargs: Any) -> tuple[CriterionStatus, bool]:
    outcome = _outcome(check, params, text, **kwargs)
    return outcome.status, outcome.silent


SILENT = (INSUFFICIENT, True)


@pytest.mark.parametrize(
    ("text", "params", "expected"),
    [
        ("Exam shows lumbar muscle spasm.", {"any": ["spasm"]}, (MET, False)),
        ("No spasm was noted on examination.", {"any": ["spasm"]}, (NOT_MET, False)),
        ("Tenderness over the lumbar spine.", {"any": ["spasm"]}, SILENT),
        ("Rule out carpal tunnel syndrome.", {"any": ["entrapment_neuropathy"]}, (INSUFFICIENT, False)),
        ("Rule out carpal tunnel syndrome.", {"any": ["entrapment_neuropathy"], "accept_uncertain": True}, (MET, False)),
        ("He would consider surgery.", {"any": ["surgery_planned"]}, (MET, False)),
        # the neurotomy a diagnostic facet block leads to is not an operation
        ("Radiofrequency neurotomy will be considered after the blocks.", {"any": ["surgery_planned"]}, SILENT),
        ("Tramadol caused nausea and was stopped.", {"any": ["treatment_not_tolerated"]}, (MET, False)),
        ("Oral NSAIDs are contraindicated with warfarin.", {"any": ["treatment_not_tolerated"]}, (MET, False)),
        ("She would like to take fewer pills.", {"any": ["treatment_not_tolerated"]}, SILENT),
        ("A urine drug screen will be obtained.", {"any": ["opioid_monitoring"]}, SILENT),
        ("A urine drug screen will be obtained.", {"any": ["opioid_monitoring"], "accept_planned": True}, (MET, False)),
        ("Family history of osteoarthritis.", {"any": ["osteoarthritis"]}, SILENT),
        ("Osteoarthritis of the lumbar spine.", {"any": ["osteoarthritis"], "same_region": True}, SILENT),
        ("Osteoarthritis of the knee.", {"any": ["osteoarthritis"], "same_region": True}, (MET, False)),
        ("Degenerative joint disease of the left hip.", {"any": ["osteoarthritis"], "body_parts": ["knee", "hand"]}, SILENT),
        ("Left thumb DJD.", {"any": ["osteoarthritis"], "body_parts": ["knee", "hand"]}, (MET, False)),
        ("Arthritis, worse with stairs.", {"any": ["osteoarthritis"], "body_parts": ["knee", "hand"]}, (MET, False)),
        # a fact of `unless` undoes the finding: the consultation found the worker no candidate
        (
            "A surgical consultation was obtained.",
            {"any": ["surgery_planned"], "unless": ["not_surgical_candidate"]},
            (MET, False),
        ),
        (
            "A surgical consultation found he is not a surgical candidate.",
            {"any": ["surgery_planned"], "unless": ["not_surgical_candidate"]},
            (NOT_MET, False),
        ),
    ],
)
def test_documented(text: str, params: dict[str, Any], expected: tuple[CriterionStatus, bool]) -> None:
    assert _run("documented", params, text, request="MRI of the right knee") == expected


_CUSTOM_BRACE = {"any": ["custom_brace_condition"], "when_request": [r"\bcustom\w*", r"(?<!pre-)\bfabricat\w+"]}


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        # the criterion applies to the request its wording names (a custom-fabricated brace), not to another
        ("Mild medial joint space narrowing; neutral alignment.", "Custom unloader knee brace", SILENT),
        ("Mild medial joint space narrowing; neutral alignment.", "Prefabricated unloader knee brace", (MET, False)),
        ("Mild medial joint space narrowing; neutral alignment.", "Unloader knee brace", (MET, False)),
        ("Kellgren-Lawrence grade 4 medial osteoarthritis.", "Custom-fabricated knee brace", (MET, False)),
        ("Genu varum with medial compartment arthritis.", "Knee brace, custom molded", (MET, False)),
    ],
)
def test_documented_when_the_request_names_the_condition(text: str, label: str, expected: tuple[CriterionStatus, bool]) -> None:
    assert _run("documented_when", _CUSTOM_BRACE, text, request=label) == expected


@pytest.mark.parametrize(
    ("others", "expected"),
    [
        (("Cognitive behavioral therapy x4",), (MET, False)),
        (("Naproxen 550mg #60",), SILENT),
        ((), SILENT),
    ],
)
def test_documented_or_requested_in_the_same_case(others: tuple[str, ...], expected: tuple[CriterionStatus, bool]) -> None:
    params = {"any": ["psychotherapy"], "or_requested": ["psychological treatment"]}
    context = _context("Chronic neck pain with muscle tension.", "Biofeedback x4", None, INJURY, *others)
    outcome = CHECKS["documented"](context, CHECKS["documented"].validate(params, "test"))
    assert (outcome.status, outcome.silent) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("There is progressive weakness of the left ankle dorsiflexors.", (MET, False)),
        ("Progressive numbness of the right hand.", SILENT),
        ("There is a fracture of the left fifth metatarsal of the foot.", SILENT),
    ],
)
def test_a_sign_of_the_nerves_in_a_limb_is_a_sign_about_the_spine_supplying_it(
    text: str, expected: tuple[CriterionStatus, bool]
) -> None:
    """Ankle weakness is a red flag for a lumbar MRI (L4-S1 supply the leg); a hand's is not, nor a foot fracture."""
    params = {"any": ["red_flag", "fracture"], "same_region": True}
    assert _run("documented", params, text, request="MRI of the lumbar spine") == expected


def test_the_ur_decisions_reasons_are_not_evidence() -> None:
    text = "Utilization review non-certified the request, noting muscle spasm was not documented."
    assert _run("documented", {"any": ["spasm"]}, text) == SILENT


@pytest.mark.parametrize(("age", "expected"), [(70, (MET, False)), (40, (NOT_MET, False)), (None, SILENT)])
def test_age(age: int | None, expected: tuple[CriterionStatus, bool]) -> None:
    assert _run("age", {"min": 65}, "Neck pain.", age=age) == expected


@pytest.mark.parametrize(
    ("text", "params", "injury", "expected"),
    [
        ("She failed conservative treatment.", {}, INJURY, (MET, False)),
        ("Pain persists despite physical therapy.", {}, INJURY, (MET, False)),
        ("She has had physical therapy.", {}, INJURY, (INSUFFICIENT, False)),
        ("Physical therapy and an injection (2 weeks' relief).", {}, INJURY, (MET, False)),
        ("Physical therapy helped for 2-3 weeks of relief, then the pain returned.", {}, INJURY, (MET, False)),
        ("Neck pain.", {}, INJURY, SILENT),
        # what the worker can do is a measure, not an improvement; relief that wore off, or pain that came back, is
        # care that failed; care that improved the symptoms has not failed
        ("After physical therapy the pain persists; she walks 20 minutes and sits 15.", {}, INJURY, (MET, False)),
        ("She had physical therapy; pain persists, limiting walking to 10 minutes and sitting to 15.", {}, INJURY, (MET, False)),
        ("Physical therapy helped for about a week. The pain persists.", {}, INJURY, (MET, False)),
        ("Physical therapy improved her symptoms; the pain is now recurring.", {}, INJURY, (MET, False)),
        ("Physical therapy improved her symptoms and she can now walk 30 minutes.", {}, INJURY, (NOT_MET, False)),
        ("She failed conservative treatment.", {"min_weeks": 12}, UR - dt.timedelta(weeks=5), (NOT_MET, False)),
        ("She failed conservative treatment.", {"min_weeks": 12}, UR - dt.timedelta(weeks=20), (MET, False)),
        ("She took pregabalin for months; the CRPS of the foot remains.", {"symptoms": ["crps"]}, INJURY, SILENT),
        (
            "She took pregabalin for months; the CRPS of the foot remains.",
            {"symptoms": ["crps"], "medications": True},
            INJURY,
            (MET, False),
        ),
    ],
)
def test_conservative_care_failed(
    text: str, params: dict[str, Any], injury: dt.date, expected: tuple[CriterionStatus, bool]
) -> None:
    assert _run("conservative_care_failed", params, text, injury=injury) == expected


KNEE_INJECTION = "Right knee corticosteroid injection"


@pytest.mark.parametrize(
    ("text", "requested", "expected"),
    [
        ("She had physical therapy. Her knee pain keeps increasing.", KNEE_INJECTION, (MET, False)),
        ("She had physical therapy. The low back pain persists.", KNEE_INJECTION, (INSUFFICIENT, False)),
        ("She had physical therapy. She still has pain in the knee.", KNEE_INJECTION, (MET, False)),
        ("Despite physical therapy she has pain down the leg.", "Lumbar epidural steroid injection", (MET, False)),
    ],
)
def test_care_fails_where_the_request_is(text: str, requested: str, expected: tuple[CriterionStatus, bool]) -> None:
    """Symptoms that persist or worsen count for the region the request treats (a limb for the spine part that
    supplies it), not for another."""
    assert _run("conservative_care_failed", {}, text, request=requested) == expected


@pytest.mark.parametrize(
    ("text", "label", "injury", "allowed", "expected"),
    [
        ("Back strain.", "Physical therapy 6 sessions for the lumbar spine", UR - dt.timedelta(weeks=2), ["acute"], MET),
        ("Back strain.", "Physical therapy 6 sessions for the lumbar spine", UR - dt.timedelta(weeks=8), ["acute"], NOT_MET),
        ("Back strain.", "Physical therapy 6 sessions for the lumbar spine", INJURY, ["subacute"], MET),
        ("Back strain.", "Physical therapy 6 sessions for the lumbar spine", UR - dt.timedelta(weeks=40), ["chronic"], MET),
        (
            "He underwent a right knee arthroscopy on 10/1/2016.",
            "Physical therapy 6 sessions for the right knee",
            dt.date(2015, 1, 1),
            ["postoperative"],
            MET,
        ),
        (
            "He underwent a right knee arthroscopy on 10/1/2015.",
            "Physical therapy 6 sessions for the right knee",
            dt.date(2015, 1, 1),
            ["postoperative"],
            NOT_MET,
        ),
    ],
)
def test_phase(text: str, label: str, injury: dt.date, allowed: list[str], expected: CriterionStatus) -> None:
    assert _run("phase", {"allowed": allowed}, text, request=label, injury=injury)[0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("An MRI of the right knee on 3/2/2016 showed a meniscus tear.", (MET, False)),
        (
            "An MRI of the right knee on 3/2/2016 showed a meniscus tear. The knee now gives way after a new fall.",
            (NOT_MET, False),
        ),
        ("An MRI of the lumbar spine on 3/2/2016 was normal.", (NOT_MET, False)),
        ("An MRI of the right knee is planned.", (NOT_MET, False)),
    ],
)
def test_repeat_without_change(text: str, expected: tuple[CriterionStatus, bool]) -> None:
    params = {"procedures": ["MRI"], "change": ["new_injury", "progressive_symptoms"]}
    assert _run("repeat_without_change", params, text, request="MRI of the right knee") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The epidural steroid injection gave 60% relief for eight weeks.", (MET, False)),
        ("The epidural steroid injection gave 30% relief.", (NOT_MET, False)),
        ("The epidural steroid injection provided some pain relief.", (INSUFFICIENT, False)),
        ("Back pain.", SILENT),
    ],
)
def test_relief_at_least(text: str, expected: tuple[CriterionStatus, bool]) -> None:
    params = {"percent": 50, "family": ["epidural steroid injection"]}
    assert _run("relief_at_least", params, text, request="Lumbar epidural steroid injection at L4-5") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The epidural steroid injection gave 60% relief for three months.", (MET, False)),
        ("After the epidural injection her pain went from 8/10 to 3/10, lasting 10 weeks.", (MET, False)),
        ("The epidural steroid injection gave 70% relief for two weeks.", (NOT_MET, False)),
        ("Back pain for two years; the epidural steroid injection gave 60% relief.", (INSUFFICIENT, False)),
        # relief written by its two ends: the block's date or month and a later one, or "recently" (the UR decision's
        # date when the note has none)
        ("The epidural steroid injection in April gave 60% relief until July.", (MET, False)),
        ("After the epidural steroid injection of 3/2016 she had good relief until recently.", (MET, False)),
        ("The epidural steroid injection on 9/1/2016 gave 70% relief until 9/20/2016.", (NOT_MET, False)),
        ("The epidural steroid injection in September gave 70% relief until two weeks ago.", (NOT_MET, False)),
        ("Back pain.", SILENT),
    ],
)
def test_relief_lasted(text: str, expected: tuple[CriterionStatus, bool]) -> None:
    """How long the relief lasted is read after the relief statement, not from a duration of the complaint before it."""
    params = {"weeks": 6, "family": ["epidural steroid injection"]}
    assert _run("relief_lasted", params, text, request="Lumbar epidural steroid injection at L4-5") == expected


@pytest.mark.parametrize(
    ("label", "needs", "status"),
    [
        ("Cyclobenzaprine", ["quantity"], NOT_MET),
        ("Cyclobenzaprine 7.5mg #60", ["quantity"], MET),
        ("Ketoprofen 20% in cream base 240g", ["quantity"], MET),
        ("Deprizine (unknown quantity)", ["quantity"], NOT_MET),
        ("Eight physical therapy sessions", ["body_part"], NOT_MET),
        ("Eight physical therapy sessions for the neck", ["body_part"], MET),
        ("Acupuncture treatments (unspecified quantity)", ["sessions"], NOT_MET),
        ("Lumbar epidural steroid injection", ["levels"], NOT_MET),
        ("Lumbar epidural steroid injection at L4-5", ["levels"], MET),
    ],
)
def test_request_specified(label: str, needs: list[str], status: CriterionStatus) -> None:
    assert _run("request_specified", {"needs": needs}, "Neck pain.", request=label)[0] == status


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Neck pain with trapezius spasm; she does home exercises.", MET),
        ("Low back pain; the lumbar paraspinals are tender.", MET),
        ("Neck and low back pain; he does home exercises.", NOT_MET),
        ("Right shoulder pain and left knee pain.", NOT_MET),
        ("Chronic pain; she does home exercises.", NOT_MET),
        # the region the record diagnoses, though the note names other parts its exercises work
        ("Cervical strain. Therapy works on shoulder blade stabilization.", MET),
        ("Lumbar sprain; his home program includes hip stretches.", MET),
        ("Cervical strain and lumbar strain.", NOT_MET),
    ],
)
def test_a_request_naming_no_body_part_is_for_the_one_region_the_record_names(text: str, status: CriterionStatus) -> None:
    params = {"needs": ["body_part"], "record_body_part": True}
    assert _run("request_specified", params, text, request="Massage therapy 4 sessions")[0] == status


@pytest.mark.parametrize(
    ("label", "params", "status"),
    [
        ("Gabapentin 10%, Cyclobenzaprine 6% in cream base", {"generics": ["gabapentin"]}, MET),
        ("Capsaicin 0.025% cream", {"generics": ["gabapentin"]}, NOT_MET),
        ("Soma 350mg #30", {"generics": ["carisoprodol"]}, MET),
        ("Norco 10/325mg #60 for weaning", {"patterns": [r"\bwean\w*"]}, MET),
        ("Lumbar disc arthroplasty", {"procedures": ["disc arthroplasty"]}, MET),
    ],
)
def test_request_names(label: str, params: dict[str, Any], status: CriterionStatus) -> None:
    assert _run("request_names", params, "Neck pain.", request=label)[0] == status


_SERIES_UNLESS_TITRATED = {"patterns": [r"\bmonthly\s+x\s*[2-4]\b"], "unless": ["medication_titration"], "accept_planned": True}


@pytest.mark.parametrize(
    ("text", "label", "status"),
    [
        # the wording bars the request unless the record documents what lifts the bar (a dose being titrated)
        ("Neck pain; she takes tramadol as before.", "Follow-up visits monthly x 3", MET),
        ("Neck pain. Duloxetine was increased from 30 to 60 mg.", "Follow-up visits monthly x 3", NOT_MET),
        ("Neck pain. Plan: titrate gabapentin over the next months.", "Follow-up visits monthly x 3", NOT_MET),
        ("Neck pain. No titration of her medications is needed.", "Follow-up visits monthly x 3", MET),
        ("Neck pain. Duloxetine was increased from 30 to 60 mg.", "Follow-up visit in 4 weeks", NOT_MET),
    ],
)
def test_request_names_unless_the_record_lifts_it(text: str, label: str, status: CriterionStatus) -> None:
    assert _run("request_names_unless", _SERIES_UNLESS_TITRATED, text, request=label)[0] == status


@pytest.mark.parametrize(
    ("label", "params", "expected"),
    [
        ("Cold therapy unit, 7 day rental", {"measure": "days", "max": 7}, (MET, False)),
        ("Cold therapy unit, 30 day rental", {"measure": "days", "max": 7}, (NOT_MET, False)),
        ("Cold therapy unit", {"measure": "days", "max": 7}, SILENT),
        ("Lumbar epidural steroid injection at L3-4, L4-5 and L5-S1", {"measure": "levels", "max": 2}, (NOT_MET, False)),
        (
            "Acupuncture 12 sessions was the original request. Acupuncture 6 sessions was authorized by the Claims "
            "Administrator. The remaining IMR eligible portion of the original request, Acupuncture 6 sessions is",
            {"measure": "sessions", "max": 6},
            (NOT_MET, False),
        ),
    ],
)
def test_amount_within(label: str, params: dict[str, Any], expected: tuple[CriterionStatus, bool]) -> None:
    assert _run("amount_within", params, "Knee pain.", request=label) == expected


@pytest.mark.parametrize(
    ("text", "label", "expected", "status"),
    [
        ("He has had 8 sessions of acupuncture.", "Acupuncture 6 sessions for the neck", "continuation", MET),
        ("He has never had acupuncture.", "Acupuncture 6 sessions for the neck", "initial", MET),
        ("Neck pain.", "Additional acupuncture 6 sessions for the neck", "continuation", MET),
        ("Neck pain.", "Acupuncture 6 sessions for the neck", "initial", INSUFFICIENT),
        ("Neck pain.", "Initial trial of acupuncture, 6 sessions for the neck", "initial", MET),
        ("He takes naproxen daily.", "Naproxen 550mg #60", "continuation", MET),
        ("Neck pain.", "Naproxen 550mg #60", "initial", MET),
        ("Naprosyn was a first-time prescription at this visit.", "Naproxen 550mg #60", "initial", MET),
        # a drug started at the visit is a new prescription, even where the note lists it among current medications
        ("Medications: naproxen 550 mg twice a day. Naproxen is started at this visit.", "Naproxen 550mg #60", "initial", MET),
        ("Naproxen 550 mg was begun today. Medications: naproxen, omeprazole.", "Naproxen 550mg #60", "continuation", NOT_MET),
        ("He will start physical therapy and continues naproxen 550 mg twice a day.", "Naproxen 550mg #60", "continuation", MET),
        # a prescription written at the visit refills a drug the record shows in use, and starts one it does not
        ("He has taken naproxen since 2014. Naproxen 550 mg #60 prescribed today.", "Naproxen 550mg #60", "continuation", MET),
        ("Knee pain. Naproxen 550 mg #60 prescribed today.", "Naproxen 550mg #60", "initial", MET),
        ("She applies a cream of ketoprofen 10%, gabapentin 6% and lidocaine 2%.", "Gabapentin 300mg #90", "initial", MET),
        ("He uses topical gabapentin on the foot.", "Gabapentin 300mg #90", "initial", MET),
        ("He takes gabapentin 300 mg three times a day.", "Gabapentin 300mg #90", "continuation", MET),
        ("She applies a gabapentin 6% cream.", "Gabapentin 6% cream 120 g", "continuation", MET),
        # a course the record gives only to another body region: this region's is a first course
        ("He had 24 visits of PT for the low back in 2013.", "Physical therapy 8 visits for the neck", "initial", MET),
        ("Lumbar PT x 12 in 2013; neck PT x 6 this spring.", "Physical therapy 8 visits for the neck", "continuation", MET),
        ("He had 24 visits of PT for the low back.", "Physical therapy 8 visits for the lumbar spine", "continuation", MET),
    ],
)
def test_line(text: str, label: str, expected: str, status: CriterionStatus) -> None:
    assert _run("line", {"expected": expected}, text, request=label)[0] == status


_POSTOP_PT = "Post-operative physical therapy 2 times a week for 3 weeks for the right knee"
SILENT = (INSUFFICIENT, True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # therapy the record places before the operation is the care that led to it, not a postoperative course
        ("After six visits of physical therapy failed, he underwent a right knee meniscectomy on 10/1/2016.", SILENT),
        ("Physical therapy before surgery did not help. Right knee meniscectomy on 10/1/2016.", SILENT),
        ("He attended physical therapy in 5/2016. Right knee meniscectomy on 10/1/2016.", SILENT),
        # told after it, or after the operation in the sentence, it is one
        ("Right knee meniscectomy on 10/1/2016; he has had six visits of physical therapy since.", (MET, False)),
        ("Six visits of physical therapy since his right knee meniscectomy on 10/1/2016.", (MET, False)),
        ("Physical therapy after surgery, 6 visits. Right knee meniscectomy on 10/1/2016.", (MET, False)),
    ],
)
def test_line_after_surgery_leaves_out_therapy_before_it(text: str, expected: tuple[CriterionStatus, bool]) -> None:
    params = {"expected": "continuation", "family": ["physical therapy"], "after_surgery": True}
    assert _run("line", params, text, request=_POSTOP_PT) == expected


@pytest.mark.parametrize(
    ("text", "label", "params", "status"),
    [
        ("Neck pain.", "Physical therapy 2 times a week for 3 weeks for the neck", {"max": 6}, MET),
        ("Neck pain.", "Physical therapy 2 times a week for 6 weeks for the neck", {"max": 6}, NOT_MET),
        (
            "He completed 4 sessions of physical therapy.",
            "Physical therapy 6 sessions for the neck",
            {"max": 10, "count_prior": True},
            MET,
        ),
        (
            "He completed 8 sessions of physical therapy.",
            "Physical therapy 6 sessions for the neck",
            {"max": 10, "count_prior": True},
            NOT_MET,
        ),
        (
            "He has had physical therapy.",
            "Physical therapy 6 sessions for the neck",
            {"max": 10, "count_prior": True},
            INSUFFICIENT,
        ),
        ("Neck pain.", "Physical therapy for the neck", {"max": 6}, INSUFFICIENT),
    ],
)
def test_visits_within(text: str, label: str, params: dict[str, Any], status: CriterionStatus) -> None:
    assert _run("visits_within", params, text, request=label)[0] == status


@pytest.mark.parametrize(
    ("text", "label", "status"),
    [
        ("His function improved with tramadol; he walks farther.", "Tramadol 50mg #60", MET),
        ("His function improved with physical therapy.", "Tramadol 50mg #60", INSUFFICIENT),
        ("The medications improved his activities of daily living.", "Tramadol 50mg #60", MET),
        ("No documentation of objective functional improvement with tramadol.", "Tramadol 50mg #60", NOT_MET),
        ("Neck pain.", "Tramadol 50mg #60", INSUFFICIENT),
        ("Physical therapy improved his ability to work.", "Physical therapy 6 sessions for the neck", MET),
        # a note that ties its relief to the drug alone reports its other results from it
        (
            "Leg pain 8/10 before gabapentin -> 4/10 now.\nSleeps through the night.\nReturned to modified duty in May.",
            "Gabapentin 300mg #90",
            MET,
        ),
        (
            "Leg pain 8/10 before gabapentin -> 4/10 now.\nWith physical therapy he walks farther.\nReturned to modified duty.",
            "Gabapentin 300mg #90",
            INSUFFICIENT,
        ),
    ],
)
def test_functional_improvement_from_the_requested_treatment(text: str, label: str, status: CriterionStatus) -> None:
    assert _run("functional_improvement", {}, text, request=label)[0] == status


COURSES = {
    "default": {"visits": 12, "weeks": 12, "period_months": 6},
    "courses": [
        {"terms": ["carpal tunnel"], "procedures": ["carpal tunnel release"], "visits": 8, "weeks": 5, "period_months": 3},
        {"terms": ["rotator cuff"], "procedures": ["rotator cuff repair"], "visits": 24, "weeks": 14, "period_months": 6},
    ],
}


@pytest.mark.parametrize(
    ("text", "label", "part", "status"),
    [
        (
            "He underwent a carpal tunnel release on 10/1/2016.",
            "Post-op physical therapy 4 sessions for the wrist",
            "initial",
            MET,
        ),
        (
            "He underwent a carpal tunnel release on 10/1/2016.",
            "Post-op physical therapy 8 sessions for the wrist",
            "initial",
            NOT_MET,
        ),
        ("Rotator cuff repair on 10/1/2016.", "Post-op physical therapy 12 sessions for the shoulder", "initial", MET),
        (
            "He underwent a carpal tunnel release on 5/1/2016.",
            "Post-op physical therapy 4 sessions for the wrist",
            "period",
            NOT_MET,
        ),
        (
            "He underwent a carpal tunnel release on 10/1/2016.",
            "Post-op physical therapy 4 sessions for the wrist",
            "period",
            MET,
        ),
    ],
)
def test_postsurgical_visits(text: str, label: str, part: str, status: CriterionStatus) -> None:
    assert _run("postsurgical_visits", {**COURSES, "part": part}, text, request=label)[0] == status


@pytest.mark.parametrize(
    ("text", "injury", "status"),
    [
        ("Spasm noted on examination.", INJURY, MET),
        ("She has taken cyclobenzaprine since 1/5/2016.", INJURY, NOT_MET),
        ("Current medications: cyclobenzaprine.", INJURY, NOT_MET),
        ("Current medications: cyclobenzaprine.", UR - dt.timedelta(days=10), MET),
    ],
)
def test_duration_of_use(text: str, injury: dt.date, status: CriterionStatus) -> None:
    assert _run("duration_of_use", {"max_weeks": 3}, text, injury=injury)[0] == status


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Current medications: meloxicam.", NOT_MET),
        ("Current medications: naproxen.", MET),
        ("None.", MET),
        # a drug the record says was stopped is not in current use
        ("Meloxicam helped for a year. Since stopping meloxicam her knee pain is worse.", MET),
        ("Meloxicam was discontinued after a gastric bleed.", MET),
        # the drug named with its strength and directions before the verb
        ("Meloxicam 15 mg once daily was stopped last month for heartburn.", MET),
        ("Meloxicam 15 mg once daily helps; she takes it with food.", NOT_MET),
    ],
)
def test_no_duplicate_class(text: str, status: CriterionStatus) -> None:
    assert _run("no_duplicate_class", {"group": "nsaid"}, text, request="Naproxen 550mg #60")[0] == status


# CPMTG NSAIDs pp. 68-69: aspirin taken for the heart is a GI risk factor beside the NSAID, not a second NSAID; aspirin
# at an analgesic strength is one
@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("He takes aspirin 81 mg daily after a coronary stent.", MET),
        ("She takes a baby aspirin every morning.", MET),
        ("Medications: ASA 325mg once a day, lisinopril.", MET),
        ("He takes aspirin 650 mg every four hours for the knee pain.", NOT_MET),
        ("Medications: ASA 975mg three times daily.", NOT_MET),
    ],
)
def test_no_duplicate_class_counts_aspirin_only_above_its_antiplatelet_strength(text: str, status: CriterionStatus) -> None:
    params = {"group": "nsaid", "counted_above_mg": {"aspirin": 325}}
    assert _run("no_duplicate_class", params, text, request="Naproxen 550mg #60")[0] == status


def test_no_duplicate_class_across_the_requests_of_a_case() -> None:
    found = CHECKS["no_duplicate_class"]
    context = _context("Neck pain.", "Naproxen 550mg #60", None, INJURY, "Meloxicam 15mg #30")
    assert found(context, found.validate({"group": "nsaid"}, "test")).status == NOT_MET


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Oxycodone 30mg one tablet every 4 hours #180", (NOT_MET, False)),
        ("Norco 10/325mg one tablet twice a day #60", (MET, False)),
        ("Norco", SILENT),
    ],
)
def test_dose_within(label: str, expected: tuple[CriterionStatus, bool]) -> None:
    assert _run("dose_within", {"max_mme": 120}, "Back pain.", request=label) == expected


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Tramadol 50mg one tablet twice a day #20", (MET, False)),
        ("Tramadol 50mg one tablet twice a day #120", (NOT_MET, False)),
        ("Tramadol 50mg #120", SILENT),
        ("Norco 5/325mg #20, 5 day supply", (MET, False)),
    ],
)
def test_supply_within(label: str, expected: tuple[CriterionStatus, bool]) -> None:
    assert _run("supply_within", {"max_days": 14}, "Back pain.", request=label) == expected


@pytest.mark.parametrize(
    ("text", "label", "status"),
    [
        ("Utilization review certified the L4-5 lumbar fusion.", "Assistant surgeon", MET),
        ("Utilization review certified the right carpal tunnel release.", "Assistant surgeon", NOT_MET),
        ("Back pain.", "Assistant surgeon", INSUFFICIENT),
    ],
)
def test_primary_is(text: str, label: str, status: CriterionStatus) -> None:
    assert _run("primary_is", {"procedures": ["spinal fusion"]}, text, request=label)[0] == status


@pytest.mark.parametrize(
    ("text", "label", "status"),
    [
        ("Utilization review certified the L4-5 lumbar fusion.", "Associated surgical service: 3 day inpatient stay", MET),
        ("Utilization review certified the L4-5 lumbar fusion.", "Associated surgical service: 5 day inpatient stay", NOT_MET),
        ("Back pain.", "Associated surgical service: 3 day inpatient stay", INSUFFICIENT),
    ],
)
def test_stay_within(text: str, label: str, status: CriterionStatus) -> None:
    params = {"stays": [{"procedures": ["spinal fusion"], "days": 3}]}
    assert _run("stay_within", params, text, request=label)[0] == status


def test_primary_is_the_case_surgery_of_the_same_body_part() -> None:
    items = [
        "Right knee arthroscopy with meniscectomy",
        "Left shoulder rotator cuff repair",
        "Post-op physical therapy for the shoulder",
    ]
    case = Case(documents=[Document(id="n", text="Pain.")], disputed_items=[DisputedItem(request=r) for r in items])
    treatments = [parse_disputed_item(i) for i in case.disputed_items]
    assert primary_of(2, treatments, [False, False, True], gather_evidence(case)) == Primary(item=1)


@pytest.mark.parametrize(
    ("text", "surgery"),
    [
        ("The L4-5 laminectomy and fusion was certified; the surgery is scheduled.", "spinal fusion"),
        ("Right shoulder arthroscopy with rotator cuff repair was authorized by UR.", "rotator cuff repair"),
    ],
)
def test_primary_from_the_record_is_its_definitive_procedure(text: str, surgery: str) -> None:
    """A certification that names a procedure and then "the surgery" accompanies the named, definitive procedure."""
    primary = _context(text, "Assistant surgeon").primary
    assert primary.fact is not None and primary.fact.name == surgery


@pytest.mark.parametrize(
    ("check", "params", "problem"),
    [
        ("request_specified", {"needs": ["quantty"]}, "needs.0"),
        ("duration_of_use", {"mx_weeks": 3}, "max_weeks"),
        ("visits_within", {"max": "ten"}, "max"),
        ("amount_within", {"measure": "furlongs", "max": 1}, "measure"),
        ("documented", {}, "any"),
        ("documented_when", {"any": ["custom_brace_condition"]}, "when_request"),
    ],
)
def test_misspelt_or_wrong_parameters_are_refused(check: str, params: dict[str, Any], problem: str) -> None:
    with pytest.raises(OpenIMRError) as caught:
        CHECKS[check].validate(params, "knowledge/topics/example.yaml")
    assert problem in str(caught.value)
    assert str(caught.value).startswith("knowledge/topics/example.yaml")


def test_every_check_is_documented() -> None:
    readme = (CHECKS["documented"].function.__globals__["__file__"]).rsplit("/review/", 1)[0] + "/knowledge/README.md"
    with open(readme, encoding="utf-8") as handle:
        text = handle.read()
    assert [name for name in CHECKS if f"`{name}`" not in text] == []
    assert all(check.function.__doc__ for check in CHECKS.values())


@pytest.mark.parametrize(
    ("text", "percents"),
    [
        ("60% relief", [60]),
        ("70 percent relief", [70]),
        ("sixty percent relief", [60]),
        ("seventy-five per cent improvement", [75]),
        ("pain went from 8/10 to 4/10", [50]),
        ("pain from 8 to 2/10", [75]),
        ("from 8 out of 10 to 3 out of 10", [62]),
        ("pain rose from 5/10 to 7/10", []),
        ("reduced her pain by half", [50]),
        ("reduced by two-thirds", [67]),
        ("from 3 to 5 days", []),
        ("her VAS went from 8 to 2", [75]),
        ("pain level dropped from 6 down to 3", [50]),
        ("went from 8 to 30 degrees", []),
        ("reduced by about two-thirds", [67]),
        ("8/10 before gabapentin -> 4/10 now", [50]),
        ("8/10 prior to Lyrica and is 2/10 now", [75]),
        ("4/10 before the injection -> 6/10 now", []),
        # the score with the drug and without it, in either order
        ("4/10 with gabapentin and 8/10 without it", [50]),
        ("9/10 off medications, 3/10 on them", [67]),
        ("7/10 with the brace and 6/10 without", []),
        # pain with and without the treatment, in either order and either place of the score
        ("3/10 with medication, 6/10 without", [50]),
        ("7/10 without meds and 4/10 with", [43]),
        ("with Norco, pain is 4/10; without it 8/10", [50]),
        ("off the medication 9 out of 10, on it 3 out of 10", [67]),
        ("Norco brings her pain from 8 to 5", [38]),
        ("5/10 with walking and 7/10 with sitting", []),
        ("6/10 with medication and 5/10 without", []),
        # the score now compared with the score before the treatment
        ("4/10 compared with 8/10 before pregabalin", [50]),
        ("3/10 now vs 6/10 prior to Lyrica", [50]),
        ("2/10 (8/10 before the medication)", [75]),
        ("8/10 compared to 5/10 before the drug", []),
        # a range of scores or of percents, read as its midpoint; not two scores joined by a dash
        ("leg pain 8/10 -> 2-3/10", [69]),
        ("pain from 7-8/10 to 3/10", [60]),
        ("60-70% relief", [65]),
        ("8/10-2/10", []),
    ],
)
def test_relief_is_read_from_percentages_pain_scores_and_fractions(text: str, percents: list[int]) -> None:
    assert relief_percents(text) == percents
