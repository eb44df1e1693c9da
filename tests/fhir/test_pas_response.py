"""Writing a PAS response: the ClaimResponse's item decisions follow the determination, the letter travels as a PDF in
a DocumentReference, and what leaves validates against the FHIR models."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.documentreference import DocumentReference

from openimr.documents import read_document_bytes
from openimr.errors import OpenIMRError
from openimr.fhir import pended_response, read_pas_request, response_bundle
from openimr.letters import render_letter
from openimr.model import Decision, Determination, ItemDetermination
from openimr.review import review_case

from .bundles import pas_bundle, synthetic_case

REVIEW_ACTION = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-reviewAction"
REVIEW_ACTION_CODE = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-reviewActionCode"


def _json(bundle: Bundle) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(bundle.model_dump_json(exclude_none=True))
    return data


def _review_actions(response: dict[str, Any]) -> dict[int, str]:
    """itemSequence -> X12 306 code, read from the JSON as a PAS client reads it."""
    actions = {}
    for item in response["item"]:
        (adjudication,) = item["adjudication"]
        (review,) = [e for e in adjudication["extension"] if e["url"] == REVIEW_ACTION]
        (code,) = [e for e in review["extension"] if e["url"] == REVIEW_ACTION_CODE]
        (coding,) = code["valueCodeableConcept"]["coding"]
        assert coding["system"] == "https://codesystem.x12.org/005010/306"
        actions[item["itemSequence"]] = coding["code"]
    return actions


def _notes(response: dict[str, Any], item: dict[str, Any]) -> list[str]:
    by_number = {n["number"]: n["text"] for n in response.get("processNote", [])}
    return [by_number[n] for n in item.get("noteNumber", [])]


def test_an_imported_case_reviews_and_answers_with_the_drafts_decisions() -> None:
    case = read_pas_request(pas_bundle(synthetic_case())).case()
    draft = review_case(case)
    data = _json(response_bundle(case.source_request, case.disputed_items, draft))
    assert data["type"] == "collection"
    response = data["entry"][0]["resource"]
    ClaimResponse.model_validate(response)
    expected = {
        item.sequence: "A1" if decided.decision is Decision.OVERTURNED else "A3"
        for item, decided in zip(case.disputed_items, draft.items, strict=True)
    }
    assert _review_actions(response) == expected
    assert response["outcome"] == "complete"
    assert "not yet signed" in response["disposition"]
    assert response["request"] == {
        "reference": "Claim/pa-0001",
        "identifier": {"system": "http://example.org/PATIENT_EVENT_TRACE_NUMBER", "value": "TRACE-0001"},
    }
    assert (response["patient"], response["insurer"], response["requestor"]) == (
        {"reference": "Patient/worker-1"},
        {"reference": "Organization/insurer-1"},
        {"reference": "Practitioner/requester-1"},
    )
    for item, decided in zip(response["item"], draft.items, strict=True):
        assert _notes(response, item) == [decided.rationale, decided.maximus_guideline]
    assert len(data["entry"]) == 1


def _determination() -> Determination:
    items = [
        ItemDetermination(
            request="Cyclobenzaprine 7.5mg #90",
            decision=Decision.OVERTURNED,
            rationale="Spasm is documented.",
            maximus_guideline="MTUS Chronic Pain",
        ),
        ItemDetermination(
            request="MRI of the lumbar spine without contrast", decision=Decision.UPHELD, rationale="No red flags."
        ),
    ]
    return Determination(case_number="CM26-0000001", items=items)


def test_overturned_is_certified_and_upheld_is_not_certified_with_the_signed_letter() -> None:
    case = synthetic_case()
    determination = _determination()
    pdf = render_letter(determination, "pdf")
    data = _json(response_bundle(case.source_request, case.disputed_items, determination, letter_pdf=pdf, final=True))
    response, letter = (e["resource"] for e in data["entry"])
    assert _review_actions(response) == {1: "A1", 2: "A3"}
    reasons = [
        r["extension"][1]["valueCodeableConcept"]["text"] for i in response["item"] for r in i["adjudication"][0]["extension"]
    ]
    assert reasons == ["Medically necessary. MTUS Chronic Pain", "Not medically necessary"]
    assert "not yet signed" not in response["disposition"]
    DocumentReference.model_validate(letter)
    assert letter["docStatus"] == "final"
    assert letter["context"]["related"] == [{"reference": data["entry"][0]["fullUrl"]}]
    attachment = letter["content"][0]["attachment"]
    sent = base64.b64decode(attachment["data"])
    assert sent == pdf
    assert (attachment["contentType"], attachment["size"]) == ("application/pdf", len(pdf))
    assert base64.b64decode(attachment["hash"]) == hashlib.sha1(pdf).digest()
    text = read_document_bytes(sent, "pdf", "letter", "letter").text
    assert "Cyclobenzaprine 7.5mg #90" in text
    assert "Overturned" in text


def test_a_case_not_imported_from_fhir_is_answered_with_display_references() -> None:
    case = synthetic_case().model_copy(update={"source_request": None})
    items = [i.model_copy(update={"sequence": None}) for i in case.disputed_items]
    response = _json(response_bundle(None, items, _determination()))["entry"][0]["resource"]
    assert _review_actions(response) == {1: "A1", 2: "A3"}
    assert response["patient"] == {"display": "the injured worker"}
    assert "request" not in response


def test_a_request_without_records_is_pended() -> None:
    case = synthetic_case()
    response = _json(pended_response(case.source_request, case.disputed_items))["entry"][0]["resource"]
    ClaimResponse.model_validate(response)
    assert response["outcome"] == "queued"
    assert _review_actions(response) == {1: "A4", 2: "A4"}
    assert "supportingInfo" in response["disposition"]


def test_a_determination_for_other_items_is_refused() -> None:
    case = synthetic_case()
    with pytest.raises(OpenIMRError, match=r"decides 2 item\(s\) but the case disputes 1"):
        response_bundle(case.source_request, case.disputed_items[:1], _determination())
