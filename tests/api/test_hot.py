"""The hot routes (GET /cases/{id}/draft, POST /cases) answer as the routers do: the same statuses, errors and headers;
what they do not handle exactly goes on to the FastAPI app with its body intact."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from starlette.types import Receive, Scope, Send

from openimr.api.app import ERROR_HANDLERS
from openimr.api.hot import HotRoutes, bearer_token
from openimr.api.security import SECURITY_HEADERS
from openimr.cases.domain import UserRole
from openimr.cases.schemas import NewUser
from openimr.cases.services import Services

from .conftest import SETUP, application


def _secured(response: httpx.Response) -> httpx.Response:
    for name, value in SECURITY_HEADERS:
        assert response.headers.get(name.decode()) == value.decode(), (response.request.url, name)
    return response


def test_draft_reads_answer_as_the_routers(api: Any) -> None:
    case, reviewer = api.assigned_case()
    case_id = case["id"]
    assert api.records_complete(case_id)["state"] == "drafted"
    draft = _secured(reviewer.get(f"/cases/{case_id}/draft"))
    assert draft.status_code == 200 and draft.headers["content-type"] == "application/json"
    body = draft.json()
    assert body["case_id"] == case_id and [i["position"] for i in body["items"]] == [1, 2]
    assert body["engine_determination"]["items"], "the engine's stored draft is served whole"

    _, stranger = api.add_reviewer()
    hidden, hidden_case = stranger.get(f"/cases/{case_id}/draft"), stranger.get(f"/cases/{case_id}")
    assert (hidden.status_code, hidden.json()) == (404, hidden_case.json()), "another reviewer's case is not found"
    anonymous, anonymous_case = api.anonymous.get(f"/cases/{case_id}/draft"), api.anonymous.get(f"/cases/{case_id}")
    assert (anonymous.status_code, anonymous.json()) == (401, anonymous_case.json())
    assert anonymous.headers["www-authenticate"] == "Bearer"
    basic = api.anonymous.get(f"/cases/{case_id}/draft", headers={"Authorization": "Basic YWRtaW46YWRtaW4="})
    assert basic.status_code == 401
    undrafted = api.file_case(worker_id="worker-0002")
    missing = _secured(api.admin.get(f"/cases/{undrafted['id']}/draft"))
    assert missing.status_code == 404 and "no draft yet" in missing.json()["detail"]
    for bad, status in (("0", 422), (str(2**31), 422), ("-1", 422), ("x", 422), ("007", 404)):
        assert api.admin.get(f"/cases/{bad}/draft").status_code == api.admin.get(f"/cases/{bad}").status_code == status, bad
    assert api.admin.get("/cases/424242/draft").status_code == 404


def test_filings_answer_as_the_routers(api: Any) -> None:
    filed = _secured(api.intake.post("/cases", json=application(worker_id="worker-hot")))
    assert filed.status_code == 201 and filed.json()["duplicate"] is False
    case = filed.json()["case"]
    assert api.admin.get(f"/cases/{case['id']}").json() == case, "the filing's view is the case as stored"
    again = api.intake.post("/cases", json=application(worker_id="worker-hot"))
    assert again.status_code == 200 and again.json()["duplicate"] is True and again.json()["case"]["id"] == case["id"]

    _, reviewer = api.add_reviewer()
    refused = _secured(reviewer.post("/cases", json=application(worker_id="worker-hot-2")))
    assert refused.status_code == 403 and "may not do this" in refused.json()["detail"]
    assert api.anonymous.post("/cases", json=application()).status_code == 401
    malformed = _secured(api.intake.post("/cases", content=b"{", headers={"Content-Type": "application/json"}))
    assert malformed.status_code == 422 and malformed.json()["detail"][0]["type"] == "json_invalid"
    assert api.anonymous.post("/cases", content=b"{", headers={"Content-Type": "application/json"}).status_code == 422, (
        "FastAPI reads the body before it asks for the token"
    )
    invalid = api.intake.post("/cases", json={k: v for k, v in application().items() if k != "worker_id"})
    assert invalid.status_code == 422 and invalid.json()["detail"][0]["loc"] == ["body", "worker_id"]
    plain = api.intake.post("/cases", content=b'{"worker_id": "x"}', headers={"Content-Type": "text/plain"})
    assert plain.status_code == 422
    assert [c["worker_id"] for c in api.admin.get("/cases").json()].count("worker-hot-2") == 0


def test_locked_out_clients_are_refused_on_the_hot_routes(api: Any) -> None:
    for n in range(10):
        assert api.client(f"guess-{n}").get("/cases/1/draft").status_code == 401
    locked = _secured(api.intake.post("/cases", json=application(worker_id="worker-locked")))
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) >= 1
    assert api.admin.get("/cases/1/draft").status_code == 429


def test_the_hot_routes_answer_themselves_and_pass_on_the_rest(services: Services) -> None:
    """In-process, over an inner app that records what reached it (and echoes the body it was given)."""
    passed: list[tuple[str, str, bytes]] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        body, more = b"", True
        while more:
            message = await receive()
            body, more = body + message.get("body", b""), message.get("more_body", False)
        passed.append((scope["method"], scope["path"], body))
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": body})

    threads = ThreadPoolExecutor(2)
    hot = HotRoutes(inner, services, ERROR_HANDLERS, threads)
    intake = services.users.add(NewUser(name="intake", role=UserRole.INTAKE), SETUP).token
    headers = {"Authorization": f"Bearer {intake}"}

    async def calls() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=hot)
        async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers) as client:
            return [
                await client.post("/cases", json=application()),
                await client.get("/cases/99/draft"),
                await client.post("/cases", content=b"[1,", headers={"Content-Type": "application/json"}),
                await client.post("/cases", json={"worker_id": 7}),
                await client.get("/cases/099/draft"),
                await client.get("/cases"),
            ]

    with threads:
        filed, unknown, malformed, invalid, padded, listing = asyncio.run(calls())
    assert filed.status_code == 201 and filed.json()["case"]["state"] == "received"
    assert unknown.status_code == 404 and unknown.json() == {"detail": "case 99: no such case"}
    assert [(r.status_code, r.content) for r in (malformed, invalid)] == [(299, b"[1,"), (299, b'{"worker_id":7}')]
    assert [p[:2] for p in passed] == [("POST", "/cases")] * 2 + [("GET", "/cases/099/draft"), ("GET", "/cases")]
    assert padded.status_code == listing.status_code == 299


def test_bearer_tokens_are_read_as_fastapi_reads_them() -> None:
    assert bearer_token("Bearer abc") == bearer_token("bearer  abc ") == "abc"
    assert [bearer_token(h) for h in (None, "", "Bearer", "Bearer ", "Basic abc", "abc")] == [None] * 6
