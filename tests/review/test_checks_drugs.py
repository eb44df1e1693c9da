"""The checks the drug topics added: `relief_documented` (pain relief from a drug already taken, at a threshold when
the record quantifies it)."""

from __future__ import annotations

import datetime as dt

import pytest

from openimr.evidence import gather_evidence
from openimr.model import Case, CaseDates, CriterionStatus, DisputedItem, Document, Patient
from openimr.requests import parse_disputed_item
from openimr.review.checks import CHECKS, CheckContext, Outcome

MET, NOT_MET, INSUFFICIENT = CriterionStatus.MET, CriterionStatus.NOT_MET, CriterionStatus.INSUFFICIENT
FAMILY = {"percent": 30, "family": ["gabapentin", "medications"]}


def _check(name: str, params: dict[str, object], text: str, request: str) -> Outcome:
    item = DisputedItem(request=request)
    case = Case(
        dates=CaseDates(injury=dt.date(2013, 1, 4), ur_decision=dt.date(2016, 11, 10)),
        patient=Patient(age=50),
        documents=[Document(id="note", type="progress_report", text=text)],
        disputed_items=[item],
    )
    context = CheckContext(case=case, treatment=parse_disputed_item(item), evidence=gather_evidence(case))
    return CHECKS[name](context, CHECKS[name].validate(params, "test"))


def _relief(text: str, request: str = "Gabapentin 600mg three times a day #90") -> Outcome:
    return _check("relief_documented", FAMILY, text, request)


@pytest.mark.parametrize(
    ("text", "status", "silent"),
    [
        ("Gabapentin gives her 50% relief of the burning pain.", MET, False),
        ("With gabapentin his pain is reduced and he sleeps better.", MET, False),
        ("Gabapentin gives only 20% relief of the leg pain.", NOT_MET, False),
        ("With her medications she reports 10% relief.", NOT_MET, False),
        ("She reports 60% relief from physical therapy; she also takes gabapentin.", INSUFFICIENT, True),
        ("Lumbar radiculopathy with burning leg pain.", INSUFFICIENT, True),
    ],
)
def test_relief_documented(text: str, status: CriterionStatus, silent: bool) -> None:
    outcome = _relief(text)
    assert (outcome.status, outcome.silent) == (status, silent), outcome.note


def test_unquantified_relief_says_so() -> None:
    assert "not quantified" in _relief("With gabapentin his pain is reduced.").note


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("He takes naproxen 500 mg twice a day for the knee.", MET),
        ("Plan: start meloxicam 7.5 mg daily with omeprazole.", MET),
        # stopped, or applied to the skin: not an NSAID taken now
        ("Ibuprofen was discontinued last spring; he takes acetaminophen.", NOT_MET),
        ("She applies diclofenac gel to the knee twice a day.", NOT_MET),
        ("He takes no anti-inflammatory medication.", INSUFFICIENT),
    ],
)
def test_drug_in_use(text: str, status: CriterionStatus) -> None:
    outcome = _check("drug_in_use", {"any": ["nsaid"], "systemic": True}, text, "Omeprazole 20mg #30")
    assert outcome.status == status, outcome.note


@pytest.mark.parametrize(
    ("text", "status"),
    [
        # a refill three weeks after the operation continues a post-operative course
        ("Right carpal tunnel release on 10/20/2016; she has used Norco since the surgery.", MET),
        # an opioid taken for years before it is chronic treatment carried through the surgery
        ("Right carpal tunnel release on 10/20/2016. She has taken Norco daily since 3/2014.", NOT_MET),
        # a refill months after the operation is no longer a post-operative course
        ("Right carpal tunnel release on 5/2/2016; she has used Norco since the surgery.", NOT_MET),
    ],
)
def test_use_since_the_surgery(text: str, status: CriterionStatus) -> None:
    params = {"max_weeks": 6, "since_surgery": True}
    outcome = _check("duration_of_use", params, text, "Norco 10/325mg every 6 hours as needed #20")
    assert outcome.status == status, outcome.note


def _in_case(name: str, params: dict[str, object], text: str, request: str, *others: str) -> Outcome:
    """Run a check on the first of several requests of one case (the others are the case's other items)."""
    items = [DisputedItem(request=r) for r in (request, *others)]
    case = Case(
        dates=CaseDates(injury=dt.date(2013, 1, 4), ur_decision=dt.date(2016, 11, 10)),
        patient=Patient(age=50),
        documents=[Document(id="note", type="progress_report", text=text)],
        disputed_items=items,
    )
    context = CheckContext(case=case, treatment=parse_disputed_item(items[0]), evidence=gather_evidence(case))
    return CHECKS[name](context, CHECKS[name].validate(params, "test"))


def _dose(text: str, request: str, *others: str) -> Outcome:
    return _in_case("dose_within", {"max_mme": 120}, text, request, *others)


@pytest.mark.parametrize(
    ("text", "others", "status"),
    [
        # CPMTG p. 86: the total daily dose of all opioids: 40 MME requested beside 120 MME of MS Contin in use
        ("He takes MS Contin 60 mg twice a day and Norco 10/325 four times a day for breakthrough pain.", (), NOT_MET),
        ("Meds: morphine ER 15 mg BID; Norco 10/325 QID prn.", (), MET),
        # the long-acting opioid asked for in the same case counts too (two products of oxycodone are two drugs)
        ("Chronic low back pain.", ("OxyContin 40mg one tablet three times a day #90",), NOT_MET),
        # a drug the record says was stopped is not in the regimen
        ("MS Contin 60 mg twice a day was stopped last month. Norco 10/325 four times a day.", (), MET),
        # one product named two ways (the brand and its opioid at the same dose) counts once
        ("He takes Norco 10/325 four times a day; hydrocodone 10 mg four times daily helps him walk.", (), MET),
    ],
)
def test_dose_counts_the_whole_regimen(text: str, others: tuple[str, ...], status: CriterionStatus) -> None:
    outcome = _dose(text, "Norco 10/325mg one tablet every 6 hours #120", *others)
    assert outcome.status == status, outcome.note


def test_a_count_with_no_directions_above_the_limit_is_silence() -> None:
    # #240 of oxycodone 15 mg is 180 MME a day only if it lasts a month: the request does not say how long it lasts
    outcome = _dose("Chronic low back pain.", "Oxycodone 15mg #240")
    assert (outcome.status, outcome.silent) == (INSUFFICIENT, True), outcome.note


def test_the_record_gives_the_directions_a_count_leaves_out() -> None:
    outcome = _dose("He takes oxycodone 15 mg every 4 hours as needed.", "Oxycodone 15mg #240")
    assert outcome.status == NOT_MET, outcome.note


@pytest.mark.parametrize(
    ("text", "status"),
    [
        # the 4-12 weeks count from the start of the topical drug the record dates, not from the injury years before
        ("Osteoarthritis of the right knee. He started Voltaren gel on 9/20/2016.", MET),
        ("Osteoarthritis of the right knee. He has used Voltaren gel since 2014.", NOT_MET),
        ("Osteoarthritis of the right knee. He uses Voltaren gel.", INSUFFICIENT),
        ("Osteoarthritis of the right knee. Voltaren gel is started today.", MET),
        # a use the record does not date, measured by the length its statement gives (the one nearest the drug)
        ("Osteoarthritis of the right knee. He has applied Voltaren gel over the past 6 weeks.", MET),
        ("Osteoarthritis of the right knee. Voltaren gel was started 4 weeks ago.", MET),
        ("Osteoarthritis of the right knee. He has used Voltaren gel for the past 6 months.", NOT_MET),
        ("Right knee osteoarthritis for 3 years, and Voltaren gel for the last 3 weeks.", MET),
    ],
)
def test_short_term_use_from_the_start_of_use(text: str, status: CriterionStatus) -> None:
    params = {"max_weeks": 12, "from_start_of_use": True}
    outcome = _check("duration_of_use", params, text, "Voltaren gel 1% 100g #2")
    assert outcome.status == status, outcome.note


@pytest.mark.parametrize(
    ("request_text", "status"),
    [
        # ODG Zolpidem: two to six weeks; a first supply's refills are part of it (#30 nightly with 2 refills is 90 nights)
        ("Zolpidem 10mg at bedtime #30", MET),
        ("Zolpidem 10mg at bedtime #30 with 2 refills", NOT_MET),
        ("Zolpidem 10mg #14, 1 refill", MET),
    ],
)
def test_a_first_supply_counts_its_refills(request_text: str, status: CriterionStatus) -> None:
    outcome = _check("duration_of_use", {"max_weeks": 6, "per_day": 1}, "Insomnia since the injury.", request_text)
    assert outcome.status == status, outcome.note


@pytest.mark.parametrize(
    ("text", "others", "status", "silent"),
    [
        # the dose the record states, or the one its opioids come to (CPMTG p. 86: above 120 MME, a pain consultation)
        ("His morphine equivalent dose is about 160 mg per day.", (), MET, False),
        ("Meds: OxyContin 40 mg TID; Norco 10/325 QID.", (), MET, False),
        ("He takes Norco 10/325 three times a day and ibuprofen.", (), NOT_MET, False),
        # an opioid the case asks for counts with those in use
        ("He takes Norco 10/325 four times a day.", ("OxyContin 40mg one tablet three times a day #90",), MET, False),
        # a drug the record says was stopped is not taken
        ("MS Contin 60 mg twice a day was stopped; Norco 10/325 twice a day.", (), NOT_MET, False),
        # no opioid, or none with directions: nothing to add up
        ("Low back pain; ibuprofen as needed.", (), INSUFFICIENT, True),
        ("He takes Norco.", (), INSUFFICIENT, True),
    ],
)
def test_opioid_dose_above(text: str, others: tuple[str, ...], status: CriterionStatus, silent: bool) -> None:
    params = {"any": ["high_opioid_dose"], "min_mme": 120}
    outcome = _in_case("opioid_dose_above", params, text, "Pain management consultation", *others)
    assert (outcome.status, outcome.silent) == (status, silent), outcome.note
