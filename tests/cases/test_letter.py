"""The letter of a case: the reviewer's edits win, overridden criteria show as overridden, the parties are addressed."""

from __future__ import annotations

from typing import Any

from openimr.cases.letter import addressees, criterion_statuses, final_item
from openimr.cases.schemas import Parties
from openimr.model import CriterionStatus, Decision, ItemDetermination


def _criterion(criterion_id: str, status: str) -> dict[str, Any]:
    return {"id": criterion_id, "text": f"Invented criterion {criterion_id}.", "status": status, "evidence": []}


DRAFTED = ItemDetermination.model_validate(
    {
        "request": "Sample tablet 10mg #30",
        "decision": "Upheld",
        "maximus_guideline": "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Opioids.",
        "rationale": "The engine's invented rationale.",
        "criteria": [_criterion("dose", "not_met"), _criterion("screen", "met")],
    }
)


def test_the_reviewers_decision_rationale_and_guideline_are_the_items() -> None:
    guideline = "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Pain, Opioids."
    item = final_item(DRAFTED, "Overturned", "The reviewer's invented rationale.", guideline, {})
    assert (item.decision, item.rationale, item.maximus_guideline) == (
        Decision.OVERTURNED,
        "The reviewer's invented rationale.",
        guideline,
    )
    assert [(c.source, c.mtus) for c in item.citations] == [("ODG", False)], "citations are read from the edited line"
    unchanged = final_item(DRAFTED, None, "x", DRAFTED.maximus_guideline, None)
    assert unchanged.decision == Decision.UPHELD and unchanged.citations == DRAFTED.citations


def test_an_overridden_criterion_keeps_the_engines_status_beside_the_reviewers() -> None:
    item = final_item(DRAFTED, None, "x", None, {"dose": {"id": "dose", "status": "met", "note": "Invented note."}})
    dose, screen = item.criteria
    assert dose.status == CriterionStatus.MET and dose.override is not None
    assert (dose.override.engine_status, dose.override.note) == (CriterionStatus.NOT_MET, "Invented note.")
    assert screen.status == CriterionStatus.MET and screen.override is None


def test_criteria_are_found_wherever_an_item_nests_them() -> None:
    nested = {
        "indications": [{"name": "invented", "criteria": [_criterion("a", "met")]}],
        "criteria": [_criterion("b", "insufficient")],
    }
    assert criterion_statuses(nested) == {"a": "met", "b": "insufficient"}


def test_the_letter_goes_to_the_named_parties_with_their_addresses() -> None:
    parties = Parties.model_validate(
        {
            "employer": "Sample Freight",
            "requesting_physician": "Dr. Invented",
            "addresses": {"employer": "1 Invented Way\n\nSampletown, CA 90000 "},
        }
    )
    sent = addressees(parties, "worker-0001")
    assert [(a.role, a.name, a.address) for a in sent] == [
        ("Injured Worker", "worker-0001", []),
        ("Employer", "Sample Freight", ["1 Invented Way", "Sampletown, CA 90000"]),
        ("Requesting Physician", "Dr. Invented", []),
    ]
