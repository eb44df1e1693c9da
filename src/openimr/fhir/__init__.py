"""FHIR (R4, Da Vinci Prior Authorization Support): read a PAS request Bundle into a case, and write a determination
back as a PAS ClaimResponse with the letter as a DocumentReference.

Models come from `fhir.resources` (its R4B package: the elements used here are unchanged from R4 4.0.1, which PAS
profiles) and every resource is validated on the way in and out. A bad Bundle is one `BundleError` naming the element
as a FHIRPath expression.
"""

from openimr.fhir.errors import BundleError, IssueType, operation_outcome
from openimr.fhir.pas_request import PasRequest, load_pas_request, read_pas_request
from openimr.fhir.pas_response import pended_response, response_bundle, review_action

__all__ = [
    "BundleError",
    "IssueType",
    "PasRequest",
    "load_pas_request",
    "operation_outcome",
    "pended_response",
    "read_pas_request",
    "response_bundle",
    "review_action",
]
