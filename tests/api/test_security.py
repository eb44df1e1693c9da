"""Security over HTTP: headers on every response, tokens listed and revoked, expired tokens refused, failed sign-ins
limited per client."""

from __future__ import annotations

import datetime as dt
from typing import Any

from openimr.api.security import SECURITY_HEADERS


def test_every_response_carries_the_security_headers(api: Any) -> None:
    responses = [
        api.anonymous.get("/health"),
        api.anonymous.get("/cases"),
        api.admin.get("/cases"),
        api.admin.get("/cases/424242"),
        api.admin.post("/cases", content=b"{", headers={"Content-Type": "application/json"}),
    ]
    assert [r.status_code for r in responses] == [200, 401, 200, 404, 422]
    for response in responses:
        for name, value in SECURITY_HEADERS:
            assert response.headers.get(name.decode()) == value.decode(), (response.request.url, name)


def test_tokens_are_listed_with_last_use_and_a_revoked_one_is_refused(api: Any) -> None:
    created = api.admin.post("/users", json={"name": "tess", "role": "intake", "token_expires_in_days": 30})
    assert created.status_code == 201, created.text
    tess = api.client(created.json()["token"])
    assert tess.get("/me").json()["name"] == "tess"
    spare = tess.post("/tokens", json={"label": "scanner"})
    assert spare.status_code == 201 and spare.json()["user"] == "tess"
    assert tess.post("/tokens", json={"user_id": 1}).status_code == 403, "only an admin issues another user's token"
    mine = tess.get("/tokens").json()
    assert {t["id"] for t in mine} == {created.json()["token_id"], spare.json()["id"]}
    used = next(t for t in mine if t["id"] == created.json()["token_id"])
    assert used["last_used_at"] is not None and used["active"] and used["expires_at"]
    every = api.admin.get("/tokens").json()
    assert {"admin", "intake", "tess"} <= {t["user"] for t in every}
    revoked = api.admin.post(f"/tokens/{created.json()['token_id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    assert tess.get("/me").status_code == 401
    assert api.client(spare.json()["token"]).get("/me").status_code == 200
    assert [u["name"] for u in api.admin.get("/users").json()] == ["admin", "intake", "tess"]
    assert api.intake.get("/users").status_code == 403


def test_an_expired_token_is_refused(api: Any) -> None:
    created = api.admin.post("/users", json={"name": "eve", "role": "intake", "token_expires_in_days": 1}).json()
    eve = api.client(created["token"])
    assert eve.get("/me").status_code == 200
    later = api.services.context.clock() + dt.timedelta(days=1, seconds=1)
    api.services.context.clock = lambda: later
    assert eve.get("/me").status_code == 401


def test_failed_sign_ins_are_limited_per_client(api: Any) -> None:
    limit = 10
    statuses = [api.client(f"guess-{n}").get("/me").status_code for n in range(limit)]
    assert statuses == [401] * limit
    locked = api.client("guess-again").get("/me")
    assert locked.status_code == 429 and 1 <= int(locked.headers["retry-after"]) <= 60
    assert "too many failed sign-ins" in locked.json()["detail"]
    assert api.admin.get("/me").status_code == 429, "while locked, even a good token is not looked at"
    assert api.anonymous.get("/health").status_code == 200
