"""Two `imr serve` processes over one database (each on its own loopback port, so each request goes where it is sent)
share the failed sign-in limit and see a revocation at once: a token revoked through one is refused by the other on
its next request, and ten failed sign-ins spread over both lock the client out of both."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from tests.api.conftest import SETUP, Server
from tests.patience import patience

from openimr.cases.domain import UserRole
from openimr.cases.schemas import NewUser
from openimr.cases.services import open_services
from openimr.settings import Settings

LIMIT = 10  # the default `sign_in_max_failures`


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_server_processes_share_revocations_and_the_sign_in_limit(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    db = str(request.getfixturevalue("postgres_url")) if backend == "postgres" else None
    settings = Settings(db=db, data_dir=tmp_path / "data")
    services = open_services(settings).services
    admin_token = services.users.add(NewUser(name="limits-admin", role=UserRole.ADMIN), SETUP).token
    tess = services.users.add(NewUser(name="tess", role=UserRole.INTAKE), SETUP)
    first, second = Server(settings), Server(settings)
    first.start()
    try:
        second.start()
        timeout = patience(30)
        with (
            httpx.Client(base_url=first.base, timeout=timeout) as one,
            httpx.Client(base_url=second.base, timeout=timeout) as two,
        ):

            def me(client: httpx.Client, token: str) -> int:
                return client.get("/me", headers={"Authorization": f"Bearer {token}"}).status_code

            assert me(two, tess.token) == 200 and me(one, tess.token) == 200
            revoked = one.post(f"/tokens/{tess.token_id}/revoke", headers={"Authorization": f"Bearer {admin_token}"})
            assert revoked.status_code == 200 and revoked.json()["active"] is False
            assert me(two, tess.token) == 401, "revoked through the first process: refused by the second at once"

            failures = [me(one if n % 2 else two, f"guess-{n}") for n in range(LIMIT - 1)]  # the revoked token was one
            assert failures == [401] * (LIMIT - 1)
            for client in (one, two):
                locked = client.get("/me", headers={"Authorization": f"Bearer {admin_token}"})
                assert locked.status_code == 429, "ten failures over both processes lock the client out of both"
                assert 1 <= int(locked.headers["retry-after"]) <= 60
    finally:
        second.stop()
        first.stop()
