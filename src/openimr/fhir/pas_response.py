"""Write a determination as a Da Vinci PAS response: a ClaimResponse (each item certified or not certified, with the
rationale and the citation as notes) and the letter as a DocumentReference holding the PDF, in a response Bundle.

Each item's adjudication carries the PAS reviewAction extension with an X12 306 code: Overturned (medically necessary)
is A1 "Certified in total", Upheld (not medically necessary) is A3 "Not Certified", and a request still waiting for its
records is A4 "Pended". The resources are built as FHIR JSON and validated with the R4B models of `fhir.resources`
before they leave.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import uuid
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from openimr.errors import OpenIMRError
from openimr.fhir.terminology import (
    ADJUDICATION_SYSTEM,
    CLAIM_TYPE_SYSTEM,
    PAS_CLAIM_RESPONSE,
    PAS_RESPONSE_BUNDLE,
    REVIEW_ACTION,
    REVIEW_ACTION_CODE,
    REVIEW_ACTION_SYSTEM,
    ReviewAction,
)
from openimr.model import Decision, Determination, DisputedItem, ItemDetermination, RequestSource

__all__ = ["DRAFT_DISPOSITION", "PENDED_DISPOSITION", "pended_response", "response_bundle", "review_action"]

DRAFT_DISPOSITION = "Draft determination by the openimr review engine; not yet signed by a physician reviewer."
PENDED_DISPOSITION = (
    "Pended: the request carries no medical records. Send the records as Claim.supportingInfo (a DocumentReference, or an "
    "attachment with text or PDF data) and submit again."
)
_SIGNED_DISPOSITION = "Determination of the physician reviewer."


def review_action(decision: Decision) -> ReviewAction:
    """The PAS review action of an IMR decision: Overturned is certified, Upheld is not certified."""
    return ReviewAction.CERTIFIED if decision is Decision.OVERTURNED else ReviewAction.NOT_CERTIFIED


def _reference(target: str | None, display: str) -> dict[str, Any]:
    return {"reference": target} if target else {"display": display}


def _adjudication(action: ReviewAction, reason: str | None) -> dict[str, Any]:
    extensions: list[dict[str, Any]] = [
        {
            "url": REVIEW_ACTION_CODE,
            "valueCodeableConcept": {
                "coding": [{"system": REVIEW_ACTION_SYSTEM, "code": action.value, "display": action.display}]
            },
        }
    ]
    if reason:
        extensions.append({"url": "reasonCode", "valueCodeableConcept": {"text": reason}})
    return {
        "extension": [{"url": REVIEW_ACTION, "extension": extensions}],
        "category": {"coding": [{"system": ADJUDICATION_SYSTEM, "code": "submitted"}]},
    }


def _reason(item: ItemDetermination) -> str:
    necessity = "Medically necessary" if item.decision is Decision.OVERTURNED else "Not medically necessary"
    return f"{necessity}. {item.maximus_guideline}" if item.maximus_guideline else necessity


def _claim_response(
    source: RequestSource | None,
    sequences: list[int],
    decisions: list[ItemDetermination] | None,
    disposition: str,
    created: dt.datetime,
) -> dict[str, Any]:
    notes: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    for position, sequence in enumerate(sequences):
        if decisions is None:
            items.append({"itemSequence": sequence, "adjudication": [_adjudication(ReviewAction.PENDED, None)]})
            continue
        decided = decisions[position]
        numbers = []
        for text in (decided.rationale, decided.maximus_guideline or ""):
            if text:
                notes.append({"number": len(notes) + 1, "type": "display", "text": text})
                numbers.append(len(notes))
        item: dict[str, Any] = {
            "itemSequence": sequence,
            "adjudication": [_adjudication(review_action(decided.decision), _reason(decided))],
        }
        if numbers:
            item["noteNumber"] = numbers
        items.append(item)
    response: dict[str, Any] = {
        "resourceType": "ClaimResponse",
        "id": str(uuid.uuid4()),
        "meta": {"profile": [PAS_CLAIM_RESPONSE]},
        "status": "active",
        "type": {"coding": [{"system": CLAIM_TYPE_SYSTEM, "code": source.claim_type if source else "professional"}]},
        "use": "preauthorization",
        "patient": _reference(source.patient if source else None, "the injured worker"),
        "created": created.isoformat(),
        "insurer": _reference(source.insurer if source else None, "the claims administrator"),
        "outcome": "queued" if decisions is None else "complete",
        "disposition": disposition,
        "item": items,
    }
    if source is not None:
        request: dict[str, Any] = {"reference": source.claim}
        if source.identifier:
            identifier = {"value": source.identifier} | ({"system": source.identifier_system} if source.identifier_system else {})
            request["identifier"] = identifier
            response["identifier"] = [identifier]
        response["request"] = request
        if source.provider:
            response["requestor"] = {"reference": source.provider}
    if notes:
        response["processNote"] = notes
    return response


def _letter(pdf: bytes, source: RequestSource | None, final: bool, created: dt.datetime, response_url: str) -> dict[str, Any]:
    return {
        "resourceType": "DocumentReference",
        "id": str(uuid.uuid4()),
        "status": "current",
        "docStatus": "final" if final else "preliminary",
        "type": {"text": "Independent Medical Review Final Determination Letter"},
        "subject": _reference(source.patient if source else None, "the injured worker"),
        "date": created.isoformat(),
        "description": "Final Determination Letter" if final else "Draft Final Determination Letter (not signed)",
        "content": [
            {
                "attachment": {
                    "contentType": "application/pdf",
                    "data": base64.b64encode(pdf).decode("ascii"),
                    "size": len(pdf),
                    "hash": base64.b64encode(hashlib.sha1(pdf).digest()).decode("ascii"),
                    "title": "determination-letter.pdf",
                    "creation": created.isoformat(),
                }
            }
        ],
        "context": {"related": [{"reference": response_url}]},
    }


def _bundle(resources: list[dict[str, Any]], created: dt.datetime) -> Bundle:
    data = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"profile": [PAS_RESPONSE_BUNDLE]},
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{uuid.uuid4()}"},
        "type": "collection",
        "timestamp": created.isoformat(),
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }
    try:
        return Bundle.model_validate(data)
    except ValidationError as error:  # a bug here, not bad input: name it all the same
        first = error.errors()[0]
        raise OpenIMRError(f"invalid response: {'.'.join(map(str, first['loc']))}: {first['msg']}", "FHIR export") from None


def _sequences(items: list[DisputedItem]) -> list[int]:
    return [item.sequence or position + 1 for position, item in enumerate(items)]


def response_bundle(
    source: RequestSource | None,
    items: list[DisputedItem],
    determination: Determination,
    *,
    letter_pdf: bytes | None = None,
    final: bool = False,
    created: dt.datetime | None = None,
) -> Bundle:
    """The PAS response Bundle for a determination of `items`: the ClaimResponse first, then the letter (when given) as a
    DocumentReference. `final` says a physician reviewer signed it; otherwise the response says it is the engine's draft.
    Items and the determination's items pair up in order; a different count is an `OpenIMRError`."""
    if len(items) != len(determination.items):
        raise OpenIMRError(
            f"the determination decides {len(determination.items)} item(s) but the case disputes {len(items)}", "FHIR export"
        )
    created = created or dt.datetime.now(dt.UTC).replace(microsecond=0)
    disposition = _SIGNED_DISPOSITION if final else DRAFT_DISPOSITION
    response = _claim_response(source, _sequences(items), determination.items, disposition, created)
    resources = [response]
    if letter_pdf is not None:
        resources.append(_letter(letter_pdf, source, final, created, f"urn:uuid:{response['id']}"))
    return _bundle(resources, created)


def pended_response(source: RequestSource | None, items: list[DisputedItem], created: dt.datetime | None = None) -> Bundle:
    """The PAS response Bundle for a request that cannot be reviewed yet (no records): every item pended (A4)."""
    created = created or dt.datetime.now(dt.UTC).replace(microsecond=0)
    return _bundle([_claim_response(source, _sequences(items), None, PENDED_DISPOSITION, created)], created)
