"""Reading a PAS request Bundle: a bundle built from a synthetic case imports to the same case; coded and written items
select the same topic; bad bundles are refused with the element named."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import weasyprint

from openimr.errors import OpenIMRError
from openimr.fhir import BundleError, IssueType, load_pas_request, read_pas_request
from openimr.model import Coding, Priority
from openimr.requests import parse_disputed_item
from openimr.review.topics import select_topic

from .bundles import CPT, DELETE, HCPCS, NDC, RXNORM, changed, pas_bundle, synthetic_case

CLAIM = "Bundle.entry[0].resource"


def test_a_bundle_built_from_a_case_imports_to_the_same_case() -> None:
    case = synthetic_case()
    assert read_pas_request(pas_bundle(case)).case() == case


def test_an_expedited_request_without_sex_or_injury_date() -> None:
    case = synthetic_case()
    case = case.model_copy(
        update={
            "priority": Priority.EXPEDITED,
            "patient": case.patient.model_copy(update={"sex": None}),
            "dates": case.dates.model_copy(update={"injury": None}),
        }
    )
    assert read_pas_request(pas_bundle(case)).case() == case


def _coded_item(coding: list[dict[str, Any]], **more: Any) -> dict[str, Any]:
    bundle = pas_bundle(synthetic_case())
    item = {"sequence": 1, "productOrService": {"coding": coding}} | more
    return changed(bundle, "entry.0.resource.item", [item])


@pytest.mark.parametrize(
    ("coding", "more", "request_text", "written"),
    [
        ({"system": RXNORM, "code": "21949"}, {"quantity": {"value": 90}}, "cyclobenzaprine #90", "Cyclobenzaprine 7.5mg #90"),
        ({"system": CPT, "code": "72148"}, {}, "MRI of the lumbar spine", "MRI lumbar spine without contrast"),
        (
            {"system": CPT, "code": "97110"},
            {"quantity": {"value": 12}, "bodySite": {"text": "lumbar spine"}},
            "physical therapy for the lumbar spine, 12 sessions",
            "Physical therapy 2x6 for the low back",
        ),
        (
            {"system": CPT, "code": "73721"},
            {"bodySite": {"text": "knee"}, "subSite": [{"text": "left"}]},
            "MRI of the left knee",
            "MRI of the left knee",
        ),
        ({"system": "urn:oid:2.16.840.1.113883.6.285", "code": "E0730"}, {}, "TENS unit", "TENS unit, purchase"),
    ],
)
def test_a_coded_item_reads_as_the_text_a_physician_writes(
    coding: dict[str, Any], more: dict[str, Any], request_text: str, written: str
) -> None:
    item = read_pas_request(_coded_item([coding], **more)).items[0]
    assert item.request == request_text
    assert item.codes == [Coding(system=coding["system"], code=coding["code"])]
    coded, text = parse_disputed_item(item), parse_disputed_item(item.model_copy(update={"request": written}))
    assert (coded.kind, coded.name, coded.generic, set(coded.body_parts)) == (
        text.kind,
        text.name,
        text.generic,
        set(text.body_parts),
    )
    coded_topic, text_topic = select_topic(coded), select_topic(text)
    assert coded_topic is not None
    assert text_topic is not None
    assert coded_topic.id == text_topic.id


def test_a_code_the_lexicons_lack_reads_its_display() -> None:
    display = "hydrocodone bitartrate 10 MG / acetaminophen 325 MG Oral Tablet"
    bundle = _coded_item([{"system": RXNORM, "code": "856999", "display": display}], quantity={"value": 60})
    item = read_pas_request(bundle).items[0]
    assert item.request == f"{display} #60"
    treatment = parse_disputed_item(item)
    assert (treatment.generic, treatment.quantity) == ("hydrocodone/acetaminophen", 60)


def test_an_ndc_coded_item_with_text_keeps_both() -> None:
    bundle = _coded_item([{"system": NDC, "code": "0591-0385-01"}])
    bundle = changed(bundle, "entry.0.resource.item.0.productOrService.text", "Norco 10/325mg #60")
    item = read_pas_request(bundle).items[0]
    assert (item.request, item.codes[0].code) == ("Norco 10/325mg #60", "0591-0385-01")


def test_a_pdf_record_is_read_with_its_pages() -> None:
    pdf = weasyprint.HTML(string="<p>Lumbar paraspinal muscle spasm on examination.</p>").write_pdf()
    assert pdf is not None
    bundle = pas_bundle(synthetic_case())
    bundle = changed(
        bundle,
        "entry.4.resource.content.0.attachment",
        {"contentType": "application/pdf", "data": base64.b64encode(pdf).decode()},
    )
    document = read_pas_request(bundle).documents[0]
    assert (document.id, document.type) == ("pr2-2025-12-01", "progress_report")
    assert "muscle spasm on examination" in document.text
    assert document.page_offsets == [0]


def test_a_record_sent_as_an_inline_attachment() -> None:
    bundle = pas_bundle(synthetic_case())
    attachment = {"contentType": "text/plain; charset=utf-8", "data": base64.b64encode(b"Muscle spasm noted.").decode()}
    bundle = changed(
        bundle,
        "entry.0.resource.supportingInfo.1",
        {"sequence": 7, "category": {"text": "records"}, "valueAttachment": attachment},
    )
    documents = read_pas_request(bundle).documents
    assert [(d.id, d.text) for d in documents][1] == ("supporting-info-7", "Muscle spasm noted.")
    # the DocumentReference no longer referenced is still read: nothing the requester sent is lost
    assert [d.id for d in documents] == ["pr2-2025-12-01", "supporting-info-7", "ur-decision"]


def test_a_request_without_records_cannot_become_a_case() -> None:
    bundle = changed(pas_bundle(synthetic_case()), "entry", pas_bundle(synthetic_case())["entry"][:4])
    bundle = changed(bundle, "entry.0.resource.supportingInfo", DELETE)
    request = read_pas_request(bundle)
    assert request.documents == []
    assert [i.sequence for i in request.items] == [1, 2]
    with pytest.raises(BundleError) as caught:
        request.case()
    assert caught.value.location == f"{CLAIM}.supportingInfo"
    assert caught.value.issue is IssueType.REQUIRED


_NOT_BASE64 = "not base64!!"
_BAD = [
    ("entry.0", DELETE, "Bundle.entry", "no Claim"),
    ("entry", [], "Bundle.entry", "the Bundle is empty"),
    ("resourceType", "Claim", "Bundle.resourceType", "a PAS request is a Bundle"),
    ("type", "transaction", "Bundle.type", "is a 'collection'"),
    (
        "entry.0.resource.item.0.productOrService.coding.0.system",
        "http://snomed.info/sct",
        f"{CLAIM}.item[0].productOrService.coding[0].system",
        "unknown coding system 'http://snomed.info/sct'",
    ),
    (
        "entry.0.resource.item.1.productOrService.coding.0",
        {"code": "72148"},
        f"{CLAIM}.item[1].productOrService.coding[0].system",
        "needs its system",
    ),
    (
        "entry.0.resource.item.1.productOrService.coding.0.code",
        "7214",
        f"{CLAIM}.item[1].productOrService.coding[0].code",
        "'7214' is no CPT code",
    ),
    (
        "entry.0.resource.item.1.productOrService.coding.0",
        {"system": HCPCS, "code": "97110"},
        f"{CLAIM}.item[1].productOrService.coding[0].code",
        "no HCPCS code",
    ),
    (
        "entry.0.resource.item.1.productOrService.text",
        "Tramadol 50mg #60",
        f"{CLAIM}.item[1].productOrService.text",
        "does not name what code 72148 names (MRI)",
    ),
    (
        "entry.0.resource.item.1.productOrService",
        {"coding": [{"system": CPT, "code": "72148"}, {"system": RXNORM, "code": "10689"}]},
        f"{CLAIM}.item[1].productOrService",
        "name different treatments (MRI, tramadol)",
    ),
    (
        "entry.0.resource.item.1.productOrService",
        {"coding": [{"system": CPT, "code": "99999"}]},
        f"{CLAIM}.item[1].productOrService",
        "code 99999 is not in openimr's lexicons",
    ),
    ("entry.0.resource.item.1.sequence", 1, f"{CLAIM}.item[1].sequence", "sequence 1 is used twice"),
    ("entry.0.resource.item.0.sequence", "first", f"{CLAIM}.item[0].sequence", "valid integer"),
    ("entry.0.resource.item", [], f"{CLAIM}.item", "asks for no item"),
    ("entry.0.resource.use", "claim", f"{CLAIM}.use", "a PAS request is a 'preauthorization'"),
    ("entry.0.resource.status", "cancelled", f"{CLAIM}.status", "only an active Claim"),
    ("entry.0.resource.status", DELETE, f"{CLAIM}.status", "required element missing"),
    (
        "entry.0.resource.patient",
        {"reference": "Organization/insurer-1"},
        f"{CLAIM}.patient.reference",
        "refers to a Organization; expected a Patient",
    ),
    (
        "entry.0.resource.patient",
        {"reference": "Patient/nobody"},
        f"{CLAIM}.patient.reference",
        "'Patient/nobody' is not in the Bundle",
    ),
    (
        "entry.0.resource.supportingInfo.0.valueReference",
        {"reference": "Patient/worker-1"},
        f"{CLAIM}.supportingInfo[0].valueReference.reference",
        "expected a DocumentReference",
    ),
    (
        "entry.1.resource.resourceType",
        "ClaimResponse",
        "Bundle.entry[1].resource",
        "a ClaimResponse does not belong in a PAS request bundle",
    ),
    ("entry.1.resource.resourceType", "Patent", "Bundle.entry[1].resource.resourceType", "unknown resource type 'Patent'"),
    (
        "entry.4.resource.content.0.attachment.data",
        _NOT_BASE64,
        "Bundle.entry[4].resource.content[0].attachment.data",
        "not base64",
    ),
    (
        "entry.4.resource.content.0.attachment.data",
        "aGVs%%bG8=",
        "Bundle.entry[4].resource.content[0].attachment.data",
        "not base64",
    ),
    (
        "entry.0.resource.supportingInfo.0",
        {"sequence": 1, "category": {"text": "r"}, "valueAttachment": {"data": "%%%%"}},
        f"{CLAIM}.supportingInfo[0].valueAttachment.data",
        "not base64",
    ),
    (
        "entry.4.resource.content.0.attachment",
        {"contentType": "text/plain", "url": "https://example.org/r.txt"},
        "Bundle.entry[4].resource.content[0].attachment.url",
        "not fetched",
    ),
    (
        "entry.4.resource.content.0.attachment.contentType",
        "image/png",
        "Bundle.entry[4].resource.content[0].attachment.contentType",
        "'image/png' is not read",
    ),
    (
        "entry.4.resource.content.0.attachment",
        {"contentType": "application/pdf", "data": base64.b64encode(b"%PDF-1.4 broken").decode()},
        "Bundle.entry[4].resource.content[0].attachment.data",
        "PDF",
    ),
]


@pytest.mark.parametrize(("path", "value", "location", "problem"), _BAD, ids=[f"{b[0]}={str(b[1])[:20]}" for b in _BAD])
def test_a_bad_bundle_is_refused_naming_the_element(path: str, value: Any, location: str, problem: str) -> None:
    with pytest.raises(BundleError) as caught:
        read_pas_request(changed(pas_bundle(synthetic_case()), path, value))
    assert caught.value.location == location
    assert problem in caught.value.problem
    assert str(caught.value) == f"{location}: {caught.value.problem}"
    assert "\n" not in str(caught.value)


def test_not_a_resource_at_all() -> None:
    with pytest.raises(BundleError, match=r"^Bundle: not a FHIR resource"):
        read_pas_request(["Bundle"])


def test_loading_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(changed(pas_bundle(synthetic_case()), "entry.0.resource.use", "claim")), encoding="utf-8")
    with pytest.raises(OpenIMRError, match=r"bundle\.json: Bundle\.entry\[0\]\.resource\.use: use is 'claim'"):
        load_pas_request(path)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(OpenIMRError, match=r"bundle\.json: not valid JSON \(line 1"):
        load_pas_request(path)
    assert load_pas_request(_written(tmp_path)).case() == synthetic_case()


def _written(tmp_path: Path) -> Path:
    path = tmp_path / "good.json"
    path.write_text(json.dumps(pas_bundle(synthetic_case())), encoding="utf-8")
    return path
