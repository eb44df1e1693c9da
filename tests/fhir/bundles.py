"""PAS request Bundles written out by hand from synthetic cases (JSON as a requester's system would send it), so the
import is tested against FHIR the tests spell out, not against openimr's own writer."""

from __future__ import annotations

import base64
import copy
import datetime as dt
from typing import Any

from openimr.model import Case, CaseDates, Coding, DisputedItem, Document, Patient, Priority, RequestSource

CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
NDC = "http://hl7.org/fhir/sid/ndc"
LOINC = "http://loinc.org"
CREATED = dt.date(2026, 1, 15)

RECORD = (
    "PR-2 progress report. The injured worker reports chronic low back pain since a lifting injury at work. "
    "She has taken cyclobenzaprine daily for six months. No documented functional improvement with cyclobenzaprine. "
    "Urine drug screen not documented. Examination: lumbar paraspinal tenderness, no muscle spasm."
)


def synthetic_case() -> Case:
    """A synthetic case as a PAS import gives it back: coded items with their text, records, the Claim it answers."""
    return Case(
        priority=Priority.STANDARD,
        dates=CaseDates(injury=dt.date(2025, 6, 10)),
        patient=Patient(age=47, sex="female"),
        documents=[
            Document(id="pr2-2025-12-01", type="progress_report", date=dt.date(2025, 12, 1), text=RECORD, page_offsets=[0]),
            Document(
                id="ur-decision",
                type="ur_decision",
                date=dt.date(2025, 12, 20),
                text="Utilization review non-certified cyclobenzaprine as not medically necessary.",
                page_offsets=[0],
            ),
        ],
        disputed_items=[
            DisputedItem(
                request="Cyclobenzaprine 7.5mg #90",
                codes=[Coding(system=RXNORM, code="21949", display="cyclobenzaprine")],
                sequence=1,
            ),
            DisputedItem(
                request="MRI of the lumbar spine without contrast",
                codes=[Coding(system=CPT, code="72148")],
                sequence=2,
            ),
        ],
        source_request=RequestSource(
            claim="Claim/pa-0001",
            identifier_system="http://example.org/PATIENT_EVENT_TRACE_NUMBER",
            identifier="TRACE-0001",
            claim_type="professional",
            patient="Patient/worker-1",
            insurer="Organization/insurer-1",
            provider="Practitioner/requester-1",
            created=CREATED,
        ),
    )


def _coding(code: Coding) -> dict[str, Any]:
    return {"system": code.system, "code": code.code} | ({"display": code.display} if code.display else {})


def _document_reference(document: Document) -> dict[str, Any]:
    if document.type == "progress_report":
        kind: dict[str, Any] = {"coding": [{"system": LOINC, "code": "11506-3", "display": "Progress note"}]}
    else:
        kind = {"text": document.type}
    reference: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "id": document.id,
        "status": "current",
        "type": kind,
        "content": [{"attachment": {"contentType": "text/plain", "data": base64.b64encode(document.text.encode()).decode()}}],
    }
    if document.date:
        reference["date"] = f"{document.date.isoformat()}T09:00:00Z"
    return reference


def pas_bundle(case: Case, *, with_text: bool = True) -> dict[str, Any]:
    """A PAS request Bundle for `case`: Claim first, then Patient, Practitioner, Organization and one DocumentReference
    per record (base64 text), referenced from Claim.supportingInfo. Items carry their codes and, `with_text`, their
    request as productOrService.text."""
    source = case.source_request
    assert source is not None
    assert source.created is not None
    age = case.patient.age or 40
    claim_id = source.claim.split("/")[-1]
    items = []
    for item in case.disputed_items:
        concept: dict[str, Any] = {"coding": [_coding(c) for c in item.codes]}
        if with_text:
            concept["text"] = item.request
        items.append({"sequence": item.sequence, "productOrService": concept})
    claim: dict[str, Any] = {
        "resourceType": "Claim",
        "id": claim_id,
        "meta": {"profile": ["http://hl7.org/fhir/us/davinci-pas/StructureDefinition/profile-claim"]},
        "identifier": [{"system": source.identifier_system, "value": source.identifier}],
        "status": "active",
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": source.claim_type}]},
        "use": "preauthorization",
        "patient": {"reference": source.patient},
        "created": f"{source.created.isoformat()}T10:30:00-08:00",
        "insurer": {"reference": source.insurer},
        "provider": {"reference": source.provider},
        "priority": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/processpriority",
                    "code": "stat" if case.priority is Priority.EXPEDITED else "normal",
                }
            ]
        },
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "workers' compensation coverage"}}],
        "supportingInfo": [
            {
                "sequence": n + 1,
                "category": {
                    "coding": [
                        {
                            "system": "http://hl7.org/us/davinci-pas/CodeSystem/PASSupportingInfoType",
                            "code": "additionalInformation",
                        }
                    ]
                },
                "valueReference": {"reference": f"DocumentReference/{d.id}"},
            }
            for n, d in enumerate(case.documents)
        ],
        "item": items,
    }
    if case.dates.injury:
        claim["accident"] = {"date": case.dates.injury.isoformat(), "type": {"text": "workplace injury"}}
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": source.patient.split("/")[-1],
        "name": [{"family": "Synthetic", "given": ["Worker"]}],
        "birthDate": f"{source.created.year - age}-01-01",
    }
    if case.patient.sex:
        patient["gender"] = case.patient.sex
    resources = [
        claim,
        patient,
        {"resourceType": "Practitioner", "id": (source.provider or "").split("/")[-1], "name": [{"family": "Example"}]},
        {"resourceType": "Organization", "id": (source.insurer or "").split("/")[-1], "name": "Pacific Mutual Insurance"},
        *[_document_reference(d) for d in case.documents],
    ]
    return {
        "resourceType": "Bundle",
        "meta": {"profile": ["http://hl7.org/fhir/us/davinci-pas/StructureDefinition/profile-pas-request-bundle"]},
        "identifier": {"system": "http://example.org/SUBMITTER_TRANSACTION_IDENTIFIER", "value": "bundle-0001"},
        "type": "collection",
        "timestamp": f"{source.created.isoformat()}T10:30:00-08:00",
        "entry": [{"fullUrl": f"http://example.org/fhir/{r['resourceType']}/{r['id']}", "resource": r} for r in resources],
    }


def changed(bundle: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `bundle` with the element at a dotted path ("entry.0.resource.item.0.sequence") set to `value`, or
    removed when `value` is `DELETE`."""
    copied = copy.deepcopy(bundle)
    node: Any = copied
    steps = [int(s) if s.isdigit() else s for s in path.split(".")]
    for step in steps[:-1]:
        node = node[step]
    if value is DELETE:
        del node[steps[-1]]
    else:
        node[steps[-1]] = value
    return copied


DELETE = object()
"""Marker for `changed`: remove the element."""
