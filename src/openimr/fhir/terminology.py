"""The code systems, profiles and codes openimr reads and writes in FHIR (R4B models; Da Vinci PAS profiles).

Only well-known public identifiers: the code-system URIs of HL7 Terminology (with their OID forms), the PAS profile
and extension URLs, the X12 306 review-action codes PAS uses, and a few LOINC document types.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from openimr.knowledge.lexicons import CodeSystem

__all__ = [
    "ADJUDICATION_SYSTEM",
    "CLAIM_TYPE_SYSTEM",
    "DOCUMENT_TYPES",
    "LOINC",
    "PAS_CLAIM_RESPONSE",
    "PAS_RESPONSE_BUNDLE",
    "REVIEW_ACTION",
    "REVIEW_ACTION_CODE",
    "REVIEW_ACTION_SYSTEM",
    "ItemSystem",
    "ReviewAction",
    "item_system",
]

_PAS = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/"
PAS_RESPONSE_BUNDLE = _PAS + "profile-pas-response-bundle"
PAS_CLAIM_RESPONSE = _PAS + "profile-claimresponse"
REVIEW_ACTION = _PAS + "extension-reviewAction"
REVIEW_ACTION_CODE = _PAS + "extension-reviewActionCode"
REVIEW_ACTION_SYSTEM = "https://codesystem.x12.org/005010/306"
"""X12 306 Action Code: the review outcome PAS carries on each item's adjudication."""

ADJUDICATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/adjudication"
CLAIM_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/claim-type"
LOINC = "http://loinc.org"


class ReviewAction(StrEnum):
    """X12 306 review-action codes PAS uses on ClaimResponse items."""

    CERTIFIED = "A1"
    """Certified in total: the item is medically necessary (an IMR decision of Overturned)."""
    NOT_CERTIFIED = "A3"
    """Not certified: the item is not medically necessary (an IMR decision of Upheld)."""
    PENDED = "A4"
    """Pended: no decision yet."""

    @property
    def display(self) -> str:
        """The code's display text."""
        return {"A1": "Certified in total", "A3": "Not Certified", "A4": "Pended"}[self.value]


class ItemSystem(StrEnum):
    """The code systems a PAS Claim item's productOrService may be coded in."""

    CPT = "CPT"
    HCPCS = "HCPCS"
    RXNORM = "RxNorm"
    NDC = "NDC"

    @property
    def lexicon(self) -> CodeSystem | None:
        """The lexicon code system of the same name; None for NDC, which the lexicons do not carry."""
        return {"CPT": CodeSystem.CPT, "HCPCS": CodeSystem.HCPCS, "RxNorm": CodeSystem.RXNORM}.get(self.value)


@dataclass(frozen=True, slots=True)
class _SystemSpec:
    system: ItemSystem
    uris: tuple[str, ...]
    pattern: re.Pattern[str]
    form: str


_SPECS = (
    _SystemSpec(
        ItemSystem.CPT,
        ("http://www.ama-assn.org/go/cpt", "urn:oid:2.16.840.1.113883.6.12"),
        re.compile(r"[0-9]{4}[0-9FTU]"),
        "five characters: four digits and a digit, F, T or U",
    ),
    _SystemSpec(
        ItemSystem.HCPCS,
        (
            "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
            "https://bluebutton.cms.gov/resources/codesystem/hcpcs",
            "urn:oid:2.16.840.1.113883.6.285",
        ),
        re.compile(r"[A-V][0-9]{4}"),
        "a letter A-V and four digits",
    ),
    _SystemSpec(
        ItemSystem.RXNORM,
        ("http://www.nlm.nih.gov/research/umls/rxnorm", "urn:oid:2.16.840.1.113883.6.88"),
        re.compile(r"[1-9][0-9]{0,7}"),
        "an RxCUI: up to eight digits",
    ),
    _SystemSpec(
        ItemSystem.NDC,
        ("http://hl7.org/fhir/sid/ndc", "urn:oid:2.16.840.1.113883.6.69"),
        re.compile(r"[0-9]{11}|[0-9]{10}|[0-9]{4}-[0-9]{4}-[0-9]{2}|[0-9]{5}-[0-9]{3}-[0-9]{2}|[0-9]{5}-[0-9]{4}-[0-9]{1,2}"),
        "10 or 11 digits, or 4-4-2, 5-3-2, 5-4-1 or 5-4-2 with hyphens",
    ),
)
_BY_URI = {uri: spec for spec in _SPECS for uri in spec.uris}


def item_system(uri: str) -> tuple[ItemSystem, re.Pattern[str], str] | None:
    """The item code system a URI names, with the pattern its codes match and that pattern in words; None if unknown."""
    spec = _BY_URI.get(uri)
    return (spec.system, spec.pattern, spec.form) if spec else None


DOCUMENT_TYPES = {
    "11506-3": "progress_report",
    "11488-4": "consultation",
    "18748-4": "imaging_report",
    "11504-8": "operative_report",
    "34117-2": "history_and_physical",
    "18842-5": "discharge_summary",
}
"""LOINC document types (DocumentReference.type) and the case-file document type each becomes."""
