"""`imr serve --workers 2` on PostgreSQL: two server processes behind one loopback port carry a workflow together (each
request on a new connection, so both answer), each drafting in its own worker thread: one draft per case, every case
drafted, signed by its reviewer, and the audit chain intact."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from tests.api.conftest import SETUP, Server, application, reviewer_profile
from tests.patience import patience
from typer.testing import CliRunner

from openimr.cases.domain import UserRole
from openimr.cases.schemas import NewUser
from openimr.cases.services import open_services
from openimr.cases.store import DraftRow
from openimr.cli import app as cli
from openimr.settings import Settings

CASES = 4


def _server_processes(server: Server) -> list[int]:
    """The ids of the server processes `imr serve` started (its children, less multiprocessing's resource tracker)."""
    assert server.process is not None
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children if b"resource_tracker" not in Path(f"/proc/{c}/cmdline").read_bytes()]


@pytest.mark.postgres
def test_two_server_processes_carry_a_workflow_over_loopback(postgres_url: str, tmp_path: Path) -> None:
    settings = Settings(db=postgres_url, data_dir=tmp_path / "data")
    services = open_services(settings).services
    admin_token = services.users.add(NewUser(name="workers-admin", role=UserRole.ADMIN), SETUP).token
    server = Server(settings, workers=2, patience_seconds=300)  # each process starts on its own: slow on a busy machine
    server.start()
    try:
        # No keep-alive: every request opens a new connection, which either process may accept.
        fresh = httpx.Limits(max_keepalive_connections=0)

        def client(token: str) -> httpx.Client:
            return httpx.Client(
                base_url=server.base, headers={"Authorization": f"Bearer {token}"}, timeout=patience(60), limits=fresh
            )

        with client(admin_token) as admin:
            reviewer_id = admin.post("/reviewers", json=reviewer_profile()).json()["id"]
            user = admin.post("/users", json={"name": "workers-reviewer", "role": "reviewer", "reviewer_id": reviewer_id})
            assert user.status_code == 201, user.text

            def through_records(n: int) -> int:
                filed = admin.post("/cases", json=application(worker_id=f"workers-{n}", claim_number=f"W-{n}"))
                assert filed.status_code == 201, filed.text
                case_id = int(filed.json()["case"]["id"])
                for step, body in (("screen", None), ("assign", {"reviewer_id": reviewer_id}), ("records-complete", None)):
                    response = admin.post(f"/cases/{case_id}/{step}", json=body)
                    assert response.status_code == 200, (step, response.text)
                return case_id

            with ThreadPoolExecutor(CASES) as pool:
                case_ids = list(pool.map(through_records, range(CASES)))
            assert len(_server_processes(server)) == 2, "imr serve --workers 2 runs two server processes"

            deadline = time.monotonic() + patience(180)
            while True:
                cases: list[dict[str, Any]] = [admin.get(f"/cases/{case_id}").json() for case_id in case_ids]
                if all(c["drafting"] in ("done", "failed") for c in cases):
                    break
                assert time.monotonic() < deadline, [c["drafting"] for c in cases]
                time.sleep(0.2)
            assert [c["state"] for c in cases] == ["drafted"] * CASES, [c["drafting_error"] for c in cases]

        with client(user.json()["token"]) as reviewer:
            for case_id in case_ids:
                draft = reviewer.get(f"/cases/{case_id}/draft")
                assert draft.status_code == 200 and len(draft.json()["items"]) == 2, draft.text
                assert reviewer.post(f"/cases/{case_id}/sign").json()["state"] == "signed"
        assert len(_server_processes(server)) == 2, "both server processes still serve"
    finally:
        server.stop()
    with services.context.sessions() as session:
        drafts = session.scalar(select(func.count()).select_from(DraftRow).where(DraftRow.case_id.in_(case_ids)))
    assert drafts == CASES, "exactly one draft per case, whichever process drafted it"
    verified = CliRunner().invoke(cli, ["audit", "verify"], env=server.env())
    assert verified.exit_code == 0, verified.output
