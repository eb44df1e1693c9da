"""`POST /fhir/Claim/$submit` over a real uvicorn server: a PAS request Bundle in, a PAS response Bundle out."""

from __future__ import annotations

import json
from typing import Any

import httpx
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome

from openimr.fhir import read_pas_request
from openimr.model import Decision
from openimr.review import review_case

from ..fhir.bundles import DELETE, changed, pas_bundle, synthetic_case
from .conftest import Api

SUBMIT = "/fhir/Claim/$submit"
FHIR_JSON = {"Content-Type": "application/fhir+json"}
REVIEW_ACTION = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-reviewAction"


def _post(client: httpx.Client, body: Any) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(SUBMIT, content=content, headers=FHIR_JSON)


def _actions(response: dict[str, Any]) -> dict[int, str]:
    codes = {}
    for item in response["item"]:
        (review,) = [e for e in item["adjudication"][0]["extension"] if e["url"] == REVIEW_ACTION]
        codes[item["itemSequence"]] = review["extension"][0]["valueCodeableConcept"]["coding"][0]["code"]
    return codes


def test_submit_answers_with_the_engines_draft(api: Api) -> None:
    bundle = pas_bundle(synthetic_case())
    answer = _post(api.intake, bundle)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/fhir+json")
    Bundle.model_validate(answer.json())
    response = answer.json()["entry"][0]["resource"]
    assert response["resourceType"] == "ClaimResponse"
    assert response["outcome"] == "complete"
    assert response["request"]["identifier"]["value"] == "TRACE-0001"
    draft = review_case(read_pas_request(bundle).case())
    assert _actions(response) == {n + 1: "A1" if i.decision is Decision.OVERTURNED else "A3" for n, i in enumerate(draft.items)}


def test_submit_wrapped_in_parameters(api: Api) -> None:
    parameters = {"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": pas_bundle(synthetic_case())}]}
    answer = _post(api.admin, parameters)
    assert answer.status_code == 200, answer.text
    assert answer.json()["entry"][0]["resource"]["outcome"] == "complete"


def test_a_request_without_records_is_pended(api: Api) -> None:
    bundle = pas_bundle(synthetic_case())
    bundle = changed(bundle, "entry", bundle["entry"][:4])
    bundle = changed(bundle, "entry.0.resource.supportingInfo", DELETE)
    answer = _post(api.intake, bundle)
    assert answer.status_code == 200, answer.text
    response = answer.json()["entry"][0]["resource"]
    assert response["outcome"] == "queued"
    assert _actions(response) == {1: "A4", 2: "A4"}


def _outcome(answer: httpx.Response) -> tuple[str, str, str]:
    assert answer.headers["content-type"].startswith("application/fhir+json")
    outcome = answer.json()
    OperationOutcome.model_validate(outcome)
    (issue,) = outcome["issue"]
    assert issue["severity"] == "error"
    (where,) = issue["expression"]
    return issue["code"], where, issue["diagnostics"]


def test_a_refused_bundle_is_422_with_the_element_named(api: Api) -> None:
    bundle = changed(
        pas_bundle(synthetic_case()), "entry.0.resource.item.1.productOrService.coding.0.system", "http://snomed.info/sct"
    )
    answer = _post(api.intake, bundle)
    assert answer.status_code == 422
    code, where, problem = _outcome(answer)
    assert (code, where) == ("code-invalid", "Bundle.entry[0].resource.item[1].productOrService.coding[0].system")
    assert "unknown coding system" in problem
    answer = _post(api.intake, changed(pas_bundle(synthetic_case()), "entry.4.resource.content.0.attachment.data", "%%%%"))
    assert answer.status_code == 422
    assert _outcome(answer) == ("value", "Bundle.entry[4].resource.content[0].attachment.data", "not base64")
    answer = _post(api.intake, changed(pas_bundle(synthetic_case()), "entry.0", DELETE))
    assert (answer.status_code, _outcome(answer)[:2]) == (422, ("required", "Bundle.entry"))


def test_what_is_no_fhir_is_400(api: Api) -> None:
    answer = _post(api.intake, b"{not json")
    assert answer.status_code == 400
    assert _outcome(answer)[:2] == ("structure", "Bundle")
    answer = _post(api.intake, changed(pas_bundle(synthetic_case()), "entry.1.resource.resourceType", "Patent"))
    assert answer.status_code == 400
    assert _outcome(answer)[1] == "Bundle.entry[1].resource.resourceType"
    answer = _post(api.intake, {"resourceType": "Patient"})
    assert (answer.status_code, _outcome(answer)[1]) == (400, "Bundle.resourceType")


def test_only_intake_and_admin_submit(api: Api) -> None:
    assert _post(api.anonymous, pas_bundle(synthetic_case())).status_code == 401
    _, reviewer = api.add_reviewer()
    with reviewer:
        answer = _post(reviewer, pas_bundle(synthetic_case()))
    assert answer.status_code == 403
    assert _outcome(answer)[0] == "forbidden"
