"""Read a Da Vinci PAS request Bundle into a case: the Claim's items become disputed items, its supporting
information the records.

The Bundle is validated with the FHIR R4B models of `fhir.resources` (PAS is written against R4 4.0.1; the Claim,
ClaimResponse, Patient, Organization, Practitioner and DocumentReference elements openimr reads are the same in R4B),
then checked as PAS asks: a collection holding one Claim with `use` preauthorization, the Claim's patient, provider and
insurer in the Bundle and of the right types, items coded in CPT, HCPCS, RxNorm or NDC (or written as text), records
as DocumentReferences or attachments with base64 text or PDF data. Anything wrong is one `BundleError` naming the
element.

An item's request text is its `productOrService.text` when given (it must name what its codes name); otherwise the
text the lexicons give for its code (`openimr.requests.coded`); otherwise the coding's display. The codes are kept on
the disputed item as received.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.attachment import Attachment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.claim import Claim, ClaimItem
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.documentreference import DocumentReference
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError

from openimr.documents import DocumentKind, read_document_bytes
from openimr.errors import OpenIMRError
from openimr.fhir.errors import BundleError, IssueType, fhirpath, from_validation_error
from openimr.fhir.terminology import DOCUMENT_TYPES, LOINC, ItemSystem, item_system
from openimr.knowledge.lexicons import CodedEntry
from openimr.model import Case, CaseDates, Coding, DisputedItem, Document, Patient, Priority, RequestSource
from openimr.requests import parse_request
from openimr.requests.coded import coded_entry, coded_request, names_entry

__all__ = ["PasRequest", "load_pas_request", "read_pas_request"]

_REQUEST_TYPES = frozenset(
    {
        "Claim",
        "Patient",
        "Practitioner",
        "PractitionerRole",
        "Organization",
        "Coverage",
        "DocumentReference",
        "Encounter",
        "Condition",
        "Location",
        "RelatedPerson",
        "ServiceRequest",
        "MedicationRequest",
        "DeviceRequest",
        "NutritionOrder",
        "CommunicationRequest",
        "Observation",
        "Procedure",
        "QuestionnaireResponse",
        "Device",
        "Medication",
        "Provenance",
    }
)
"""Resource types a PAS request bundle may hold (the Claim and what it references)."""
_PROVIDERS = ("Practitioner", "PractitionerRole", "Organization")
_DRUG_SYSTEMS = {ItemSystem.RXNORM, ItemSystem.NDC}
_CONTENT_TYPES: dict[str, DocumentKind] = {"application/pdf": "pdf", "text/plain": "text", "text/markdown": "markdown"}


@dataclass(frozen=True)
class PasRequest:
    """A PAS request as read from its Bundle: what a case needs, and what a response must point back at."""

    source: RequestSource
    items: list[DisputedItem]
    documents: list[Document]
    priority: Priority
    dates: CaseDates
    patient: Patient
    claim_location: str
    """Where the Claim is in the Bundle, e.g. "Bundle.entry[0].resource"."""

    def case(self) -> Case:
        """The case file; a request without any record is a `BundleError` (the engine reviews records)."""
        if not self.documents:
            raise BundleError(
                "the request carries no records: send them as supportingInfo (a DocumentReference, or an attachment with "
                "text or PDF data)",
                f"{self.claim_location}.supportingInfo",
                IssueType.REQUIRED,
            )
        return Case(
            priority=self.priority,
            dates=self.dates,
            patient=self.patient,
            documents=self.documents,
            disputed_items=self.items,
            source_request=self.source,
        )


def load_pas_request(path: Path) -> PasRequest:
    """Read a PAS request Bundle from a JSON file; `OpenIMRError` naming the file (and the element) when it cannot."""
    try:
        data = json.loads(path.read_bytes())
    except OSError as error:
        raise OpenIMRError(f"cannot read the bundle ({error.strerror or error.__class__.__name__})", str(path)) from None
    except json.JSONDecodeError as error:
        raise OpenIMRError(f"not valid JSON (line {error.lineno}: {error.msg})", str(path)) from None
    except UnicodeDecodeError:
        raise OpenIMRError("not valid JSON (not UTF-8 text)", str(path)) from None
    try:
        return read_pas_request(data)
    except BundleError as error:
        raise OpenIMRError(str(error), str(path)) from None


def read_pas_request(data: Any) -> PasRequest:
    """Validate a PAS request Bundle (parsed JSON) and read it; `BundleError` naming the element when it is bad."""
    bundle = _validated_bundle(data)
    index = _Index(bundle)
    claim_at = index.claim()
    claim = index.resource(claim_at)
    assert isinstance(claim, Claim)
    where = f"Bundle.entry[{claim_at}].resource"
    if claim.use != "preauthorization":
        raise BundleError(f"use is {claim.use!r}; a PAS request is a 'preauthorization'", f"{where}.use", IssueType.VALUE)
    if claim.status != "active":
        raise BundleError(f"status is {claim.status!r}; only an active Claim is reviewed", f"{where}.status", IssueType.VALUE)
    if not claim.item:
        raise BundleError("the Claim asks for no item", f"{where}.item", IssueType.REQUIRED)
    patient_at = index.resolve(claim.patient, f"{where}.patient", ("Patient",))
    provider_at = index.resolve(claim.provider, f"{where}.provider", _PROVIDERS)
    insurer_at = index.resolve(claim.insurer, f"{where}.insurer", ("Organization",)) if claim.insurer else None
    created = _as_date(claim.created)
    fhir_patient = index.resource(patient_at)
    assert isinstance(fhir_patient, FhirPatient)
    identifier = claim.identifier[0] if claim.identifier else None
    source = RequestSource(
        claim=f"Claim/{claim.id}" if claim.id else index.full_url(claim_at) or "Claim",
        identifier_system=identifier.system if identifier else None,
        identifier=identifier.value if identifier else None,
        claim_type=_first_code(claim.type) or "professional",
        patient=index.reference(patient_at),
        insurer=index.reference(insurer_at) if insurer_at is not None else None,
        provider=index.reference(provider_at),
        created=created,
    )
    items = [_disputed_item(item, f"{where}.item[{n}]") for n, item in enumerate(claim.item)]
    sequences = [i.sequence for i in items]
    repeated = next((n for n, s in enumerate(sequences) if s in sequences[:n]), None)
    if repeated is not None:
        raise BundleError(f"sequence {sequences[repeated]} is used twice", f"{where}.item[{repeated}].sequence", IssueType.VALUE)
    injury = _as_date(claim.accident.date) if claim.accident else None
    return PasRequest(
        source=source,
        items=items,
        documents=_unique_ids(list(_documents(claim, where, index))),
        priority=Priority.EXPEDITED if _first_code(claim.priority) == "stat" else Priority.STANDARD,
        dates=CaseDates(injury=injury),
        patient=Patient(age=_age(fhir_patient.birthDate, created), sex=_sex(fhir_patient.gender)),
        claim_location=where,
    )


# --- the Bundle and its references ----------------------------------------------------------------------------------


def _is_resource_type(name: Any) -> bool:
    if not isinstance(name, str) or not name.isalpha():
        return False
    try:
        model = get_fhir_model_class(name)
    except ValueError:
        return False
    return issubclass(model, Resource)


def _validated_bundle(data: Any) -> Bundle:
    if not isinstance(data, dict):
        raise BundleError("not a FHIR resource (a JSON object)", "Bundle", IssueType.STRUCTURE)
    if data.get("resourceType") != "Bundle":
        problem = f"resourceType is {data.get('resourceType')!r}; a PAS request is a Bundle"
        raise BundleError(problem, "Bundle.resourceType", IssueType.STRUCTURE)
    entries = data.get("entry")
    if not entries:
        raise BundleError("the Bundle is empty; a PAS request bundle holds the Claim", "Bundle.entry", IssueType.REQUIRED)
    for n, entry in enumerate(entries if isinstance(entries, list) else []):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            continue
        kind = resource.get("resourceType")
        where = f"Bundle.entry[{n}].resource"
        if not _is_resource_type(kind):
            raise BundleError(f"unknown resource type {kind!r}", f"{where}.resourceType", IssueType.STRUCTURE)
        if kind not in _REQUEST_TYPES:
            problem = f"a {kind} does not belong in a PAS request bundle (the Claim and what it references)"
            raise BundleError(problem, where, IssueType.NOT_SUPPORTED)
    _check_base64(data, [])
    try:
        bundle = Bundle.model_validate(data)
    except ValidationError as error:
        raise from_validation_error(error, "Bundle") from None
    except (KeyError, ValueError) as error:  # fhir.resources: an unknown resource type nested deeper (contained)
        raise BundleError(f"not a valid FHIR resource ({error})", "Bundle", IssueType.STRUCTURE) from None
    if bundle.type != "collection":
        raise BundleError(f"type is {bundle.type!r}; a PAS request bundle is a 'collection'", "Bundle.type", IssueType.VALUE)
    return bundle


_ATTACHMENTS = ("attachment", "valueAttachment")
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


def _check_base64(node: Any, steps: list[str | int]) -> None:
    """Refuse attachment data that is not strict base64 (the FHIR models decode leniently, dropping stray characters)."""
    if isinstance(node, list):
        for n, value in enumerate(node):
            _check_base64(value, [*steps, n])
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in _ATTACHMENTS and isinstance(value, dict) and isinstance(value.get("data"), str):
                data = "".join(value["data"].split())
                if len(data) % 4 or not _BASE64.fullmatch(data):
                    raise BundleError("not base64", fhirpath("Bundle", [*steps, key, "data"]), IssueType.VALUE)
            _check_base64(value, [*steps, key])


class _Index:
    """The Bundle's resources by fullUrl and by "Type/id", for resolving references."""

    def __init__(self, bundle: Bundle) -> None:
        self.entries = list(bundle.entry or [])
        self.keys: dict[str, int] = {}
        for n, entry in enumerate(self.entries):
            resource = self.resource(n)
            if entry.fullUrl:
                self.keys.setdefault(str(entry.fullUrl), n)
            if resource.id:
                self.keys.setdefault(f"{resource.get_resource_type()}/{resource.id}", n)

    def resource(self, n: int) -> Resource:
        resource = self.entries[n].resource
        if not isinstance(resource, Resource):
            raise BundleError("the entry holds no resource", f"Bundle.entry[{n}].resource", IssueType.REQUIRED)
        return resource

    def full_url(self, n: int) -> str | None:
        url = self.entries[n].fullUrl
        return str(url) if url else None

    def reference(self, n: int) -> str:
        """How a response refers to entry `n`: "Type/id", or its fullUrl."""
        resource = self.resource(n)
        return (
            f"{resource.get_resource_type()}/{resource.id}" if resource.id else self.full_url(n) or resource.get_resource_type()
        )

    def claim(self) -> int:
        claims = [n for n in range(len(self.entries)) if self.resource(n).get_resource_type() == "Claim"]
        if not claims:
            raise BundleError("no Claim: a PAS request bundle carries the Claim", "Bundle.entry", IssueType.REQUIRED)
        if len(claims) > 1:
            raise BundleError("a second Claim; a PAS request carries one", f"Bundle.entry[{claims[1]}]", IssueType.STRUCTURE)
        return claims[0]

    def resolve(self, reference: Reference | None, where: str, expected: tuple[str, ...]) -> int:
        """The entry a reference points at, checked to be one of the `expected` types."""
        target = reference.reference if reference else None
        if not target:
            raise BundleError(f"a reference to a {' or '.join(expected)} in the Bundle is required", where, IssueType.REQUIRED)
        target = str(target)
        found = self.keys.get(target)
        if found is None and "/" in target:
            found = self.keys.get("/".join(target.rstrip("/").split("/")[-2:]))
        if found is None:
            raise BundleError(f"{target!r} is not in the Bundle", f"{where}.reference", IssueType.NOT_FOUND)
        kind = self.resource(found).get_resource_type()
        if kind not in expected:
            raise BundleError(f"refers to a {kind}; expected a {' or '.join(expected)}", f"{where}.reference", IssueType.VALUE)
        return found


# --- items ----------------------------------------------------------------------------------------------------------


def _entry_name(entry: CodedEntry) -> str:
    return entry.drug.generic if entry.drug else entry.procedure.name if entry.procedure else entry.code


def _disputed_item(item: ClaimItem, where: str) -> DisputedItem:
    concept = item.productOrService
    codes: list[Coding] = []
    named: list[tuple[Coding, CodedEntry]] = []
    drug_coded = False
    for k, coding in enumerate(concept.coding or []):
        at = f"{where}.productOrService.coding[{k}]"
        if not coding.system:
            raise BundleError("a coding needs its system (the CPT, HCPCS, RxNorm or NDC URI)", f"{at}.system", IssueType.REQUIRED)
        known = item_system(str(coding.system))
        if known is None:
            problem = f"unknown coding system {coding.system!r}; expected CPT, HCPCS, RxNorm or NDC"
            raise BundleError(problem, f"{at}.system", IssueType.CODE_INVALID)
        system, pattern, form = known
        code = (coding.code or "").strip()
        if not pattern.fullmatch(code):
            raise BundleError(f"{code!r} is no {system} code ({form})", f"{at}.code", IssueType.CODE_INVALID)
        kept = Coding(system=str(coding.system), code=code, display=coding.display or None)
        codes.append(kept)
        drug_coded |= system in _DRUG_SYSTEMS
        entry = coded_entry(system.lexicon, code) if system.lexicon else None
        if entry is not None:
            named.append((kept, entry))
    names = sorted({_entry_name(e) for _, e in named})
    if len(names) > 1:
        raise BundleError(
            f"the codings name different treatments ({', '.join(names)})", f"{where}.productOrService", IssueType.VALUE
        )
    text = " ".join((concept.text or "").split()) or None
    quantity = _quantity(item.quantity.value if item.quantity else None)
    if text is not None:
        if named and not names_entry(parse_request(text), named[0][1]):
            sent, entry = named[0]
            problem = f"the text {text!r} does not name what code {sent.code} names ({_entry_name(entry)})"
            raise BundleError(problem, f"{where}.productOrService.text", IssueType.VALUE)
        request = text
    elif named:
        request = coded_request(named[0][1], quantity=quantity, body_site=_body_site(item))
    elif any(c.display for c in codes):
        request = next(c.display for c in codes if c.display) or ""
        if quantity and drug_coded:
            request += f" #{quantity}"
    elif codes:
        problem = (
            f"code {codes[0].code} is not in openimr's lexicons and the item has no text: send productOrService.text or a "
            "coding display"
        )
        raise BundleError(problem, f"{where}.productOrService", IssueType.VALUE)
    else:
        raise BundleError("the item has neither a coding nor text", f"{where}.productOrService", IssueType.REQUIRED)
    return DisputedItem(request=request, codes=codes, sequence=item.sequence)


def _quantity(value: Decimal | float | int | None) -> int | None:
    if value is None or value <= 0 or value != int(value):
        return None
    return int(value)


def _concept_text(concept: CodeableConcept | None) -> str | None:
    if concept is None:
        return None
    return concept.text or next((c.display for c in concept.coding or [] if c.display), None)


def _body_site(item: ClaimItem) -> str | None:
    words = [_concept_text(s) for s in item.subSite or []] + [_concept_text(item.bodySite)]
    site = " ".join(w for w in words if w)
    return site or None


# --- records --------------------------------------------------------------------------------------------------------


def _documents(claim: Claim, where: str, index: _Index) -> Iterator[Document]:
    referenced: set[int] = set()
    for k, info in enumerate(claim.supportingInfo or []):
        at = f"{where}.supportingInfo[{k}]"
        if info.valueAttachment is not None:
            yield _attachment(info.valueAttachment, f"{at}.valueAttachment", f"supporting-info-{info.sequence}", "record", None)
        elif info.valueReference is not None:
            found = index.resolve(info.valueReference, f"{at}.valueReference", ("DocumentReference",))
            if found not in referenced:
                referenced.add(found)
                yield from _document_reference(index, found)
        elif info.valueString:
            yield Document(id=f"supporting-info-{info.sequence}", type="record", text=info.valueString)
    for n in range(len(index.entries)):
        if n not in referenced and index.resource(n).get_resource_type() == "DocumentReference":
            yield from _document_reference(index, n)


def _document_reference(index: _Index, n: int) -> Iterator[Document]:
    reference = index.resource(n)
    assert isinstance(reference, DocumentReference)
    where = f"Bundle.entry[{n}].resource"
    codings = reference.type.coding or [] if reference.type else []
    loinc = next((c.code for c in codings if c.system == LOINC), None)
    kind = DOCUMENT_TYPES.get(loinc or "") or (reference.type.text if reference.type else None) or "record"
    base = reference.id or f"document-{n}"
    contents = reference.content or []
    for c, content in enumerate(contents):
        doc_id = base if len(contents) == 1 else f"{base}-{c + 1}"
        yield _attachment(content.attachment, f"{where}.content[{c}].attachment", doc_id, kind, _as_date(reference.date))


def _attachment(attachment: Attachment, where: str, doc_id: str, kind: str, date: dt.date | None) -> Document:
    if attachment.data is None:
        if attachment.url:
            problem = "attachments by url are not fetched: send the content inline as base64 data"
            raise BundleError(problem, f"{where}.url", IssueType.NOT_SUPPORTED)
        raise BundleError("the attachment has no data", f"{where}.data", IssueType.REQUIRED)
    data = bytes(attachment.data)
    declared = (attachment.contentType or "").split(";")[0].strip().lower()
    if declared:
        content = _CONTENT_TYPES.get(declared)
        if content is None:
            problem = f"content type {attachment.contentType!r} is not read: send text/plain, text/markdown or application/pdf"
            raise BundleError(problem, f"{where}.contentType", IssueType.NOT_SUPPORTED)
    else:
        content = "pdf" if data.lstrip().startswith(b"%PDF") else "text"
    try:
        document = read_document_bytes(data, content, doc_id, f"{where}.data")
    except OpenIMRError as error:
        raise BundleError(error.problem, f"{where}.data", IssueType.VALUE) from None
    return document.model_copy(update={"type": kind, "date": date or _as_date(attachment.creation)})


def _unique_ids(documents: list[Document]) -> list[Document]:
    seen: dict[str, int] = {}
    unique: list[Document] = []
    for document in documents:
        count = seen.get(document.id, 0)
        seen[document.id] = count + 1
        unique.append(document if count == 0 else document.model_copy(update={"id": f"{document.id}-{count + 1}"}))
    return unique


# --- small values ---------------------------------------------------------------------------------------------------


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


def _first_code(concept: CodeableConcept | None) -> str | None:
    return next((c.code for c in concept.coding or [] if c.code), None) if concept else None


def _age(birth: Any, on: dt.date | None) -> int | None:
    born = _as_date(birth)
    if born is None or on is None or born > on:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _sex(gender: str | None) -> str | None:
    return gender if gender in {"male", "female"} else None
