"""Fault tolerance over real processes: `kill -9` of `imr serve` under a 50-client load, and PostgreSQL restarted under
load. After each: every case acknowledged with a 2xx is there, no document file lacks its row or row its file, the audit
chain verifies, and the drafting queue drains. Bounded: a few seconds of load, then at most two minutes of recovery."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from tests.api.conftest import Server
from tests.conftest import PrivatePostgres
from typer.testing import CliRunner

from openimr.cases.domain import Actor, UserRole
from openimr.cases.schemas import NewUser, ReviewerProfile
from openimr.cases.services import Services, open_services, recover
from openimr.cases.store import DocumentRow
from openimr.cli import app as cli
from openimr.settings import Settings

SETUP = Actor("fault test", UserRole.ADMIN)
CLIENTS = 50


@dataclass
class Acknowledged:
    """What the server answered 2xx to: cases by id with the documents and steps acknowledged for each."""

    documents: dict[int, set[str]] = field(default_factory=dict)
    steps: dict[int, list[str]] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)

    def count(self, status: str) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1


def _application(n: int, run: str) -> dict[str, Any]:
    return {
        "worker_id": f"fault-{run}-{n}",
        "claim_number": f"FAULT-{n}",
        "signed": True,
        "dates": {"ur_decision": "2026-10-01", "application_received": "2026-10-10"},
        "disputed_items": [{"request": "Cyclobenzaprine 7.5mg #90"}],
        "documents": [
            {"type": "ur_decision", "text": "Synthetic UR decision: non-certified."},
            {"type": "progress_report", "text": "Chronic low back pain; cyclobenzaprine daily for six months, no improvement."},
        ],
    }


async def _load(base: str, admin: str, seconds: float, seen: Acknowledged, stop: asyncio.Event) -> None:
    """CLIENTS clients each filing a case, uploading a document, screening, assigning and completing its records."""
    counter = iter(range(10**9))
    run = f"{random.randrange(16**6):06x}"
    deadline = time.monotonic() + seconds

    async def client_loop() -> None:
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {admin}"}, timeout=10) as client:
            while time.monotonic() < deadline and not stop.is_set():
                try:
                    filed = await client.post("/cases", json=_application(next(counter), run))
                    seen.count(str(filed.status_code))
                    if filed.status_code != 201:
                        await asyncio.sleep(0.05)
                        continue
                    case = filed.json()["case"]
                    seen.documents[case["id"]] = {d["id"] for d in case["documents"]}
                    seen.steps[case["id"]] = ["filed"]
                    upload = await client.post(
                        f"/cases/{case['id']}/documents", files={"file": ("note.txt", b"Synthetic follow-up note.", "text/plain")}
                    )
                    seen.count(str(upload.status_code))
                    if upload.status_code == 201:
                        seen.documents[case["id"]].add(upload.json()["id"])
                    for step, body in (("screen", None), ("assign", {}), ("records-complete", None)):
                        response = await client.post(f"/cases/{case['id']}/{step}", json=body)
                        seen.count(str(response.status_code))
                        if response.status_code != 200:
                            break
                        seen.steps[case["id"]].append(step)
                except httpx.TransportError as error:
                    seen.count(type(error).__name__)
                    await asyncio.sleep(0.05)

    await asyncio.gather(*(client_loop() for _ in range(CLIENTS)))


async def _until_acknowledged(seen: Acknowledged, cases: int, drafting: int = 0, timeout: float = 90) -> None:
    """Wait until `cases` cases have been acknowledged, `drafting` of them with their records complete (bounded)."""
    deadline = time.monotonic() + timeout
    while len(seen.documents) < cases or sum("records-complete" in s for s in seen.steps.values()) < drafting:
        assert time.monotonic() < deadline, f"only {len(seen.documents)} cases acknowledged: {seen.statuses}"
        await asyncio.sleep(0.05)


def _provision(settings: Settings) -> str:
    services = open_services(settings).services
    for n in range(3):
        services.reviewers.add(
            ReviewerProfile(
                name=f"Dr Fault {n}",
                licensure=["CA"],
                board_certifications=["Physical Medicine and Rehabilitation"],
                years_in_practice=10,
                practice_hours_per_week=40,
            ),
            SETUP,
        )
    return services.users.add(NewUser(name="fault-admin", role=UserRole.ADMIN), SETUP).token


def _check_after_recovery(server: Server, token: str, seen: Acknowledged) -> Services:
    """Every acknowledged case and document is there; files and rows match; the audit verifies; the queue drains."""
    assert seen.documents, f"no case was acknowledged: {seen.statuses}"
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.base, headers=headers, timeout=30) as client:
        for case_id, documents in seen.documents.items():
            response = client.get(f"/cases/{case_id}")
            assert response.status_code == 200, f"acknowledged case {case_id} lost: {response.status_code}"
            stored = {d["id"] for d in response.json()["documents"]}
            assert documents <= stored, f"case {case_id}: acknowledged documents lost: {documents - stored}"
        deadline = time.monotonic() + 120
        while True:
            cases = {c["id"]: c for c in client.get("/cases", params={"limit": 500}).json()}
            offset = 500
            while len(cases) < len(seen.documents) + offset - 500 and offset < 10_000:
                more = client.get("/cases", params={"limit": 500, "offset": offset}).json()
                if not more:
                    break
                cases.update({c["id"]: c for c in more})
                offset += 500
            pending = [c for c in cases.values() if c["drafting"] in ("queued", "running")]
            if not pending:
                break
            assert time.monotonic() < deadline, f"the queue did not drain: {len(pending)} pending"
            time.sleep(0.5)
    completed = [case_id for case_id, steps in seen.steps.items() if "records-complete" in steps]
    for case_id in completed:
        assert cases[case_id]["state"] == "drafted", (case_id, cases[case_id]["state"], cases[case_id]["drafting_error"])
    services = open_services(server.settings).services
    with services.context.sessions() as session:
        rows = set(session.scalars(select(DocumentRow.id)))
    files = {p.name for p in services.context.documents.root.rglob("*") if p.is_file()}
    assert files == rows, f"files without rows: {sorted(files - rows)[:5]}, rows without files: {sorted(rows - files)[:5]}"
    verified = CliRunner().invoke(cli, ["audit", "verify"], env=server.env())
    assert verified.exit_code == 0, verified.output
    return services


def test_kill_9_under_load_loses_nothing_acknowledged_and_leaves_nothing_half_written(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    token = _provision(settings)
    server = Server(settings)
    server.start()
    seen = Acknowledged()

    async def load_then_kill() -> None:
        stop = asyncio.Event()
        loading = asyncio.create_task(_load(server.base, token, 120, seen, stop))
        await _until_acknowledged(seen, 30, drafting=10)
        server.kill()  # kill -9 in the middle of the load, with drafting queued and running
        await asyncio.sleep(0.5)
        stop.set()
        await loading

    try:
        asyncio.run(load_then_kill())
        server.start()
        _check_after_recovery(server, token, seen)
    finally:
        server.stop()
    drafted = sum("records-complete" in s for s in seen.steps.values())
    print(
        f"kill -9 under load: {len(seen.documents)} cases acknowledged ({drafted} with records complete), all found after "
        f"restart, 0 lost; answers {seen.statuses}"
    )


def test_a_second_server_started_on_the_store_in_use_sweeps_no_document_file(tmp_path: Path) -> None:
    """The start-up sweep cannot tell a file whose row a running server is about to commit from one whose process died:
    while a server uses the document store, another `imr serve` on it removes nothing; once alone, recovery does."""
    settings = Settings(data_dir=tmp_path / "data")
    _provision(settings)
    documents = open_services(settings).services.context.documents
    first, second = Server(settings), Server(settings)
    first.start()
    try:
        in_flight = documents.save(b"Synthetic note whose row is about to commit.", "note.txt").id
        second.start()
        assert documents.path(in_flight).is_file()
    finally:
        second.stop()
        first.stop()
    logs = "".join(log.read_text() for log in settings.data_dir.glob("server-*.log"))
    assert "no document file removed now (another process is using the document store)" in logs
    assert recover(open_services(settings).services).removed == 1
    assert not documents.path(in_flight).exists()


@pytest.mark.postgres
def test_postgres_restarted_under_load_gives_503_then_recovers_by_itself(
    private_postgres: PrivatePostgres, tmp_path: Path
) -> None:
    settings = Settings(db=private_postgres.url, data_dir=tmp_path / "data")
    token = _provision(settings)
    server = Server(settings)
    server.start()
    seen = Acknowledged()

    async def load_with_restart() -> None:
        stop = asyncio.Event()
        loading = asyncio.create_task(_load(server.base, token, 120, seen, stop))
        await _until_acknowledged(seen, 20)
        await asyncio.to_thread(private_postgres.stop)
        await asyncio.sleep(3)
        await asyncio.to_thread(private_postgres.start)
        acknowledged = len(seen.documents)
        await _until_acknowledged(seen, acknowledged + 20)  # the service recovers by itself: it acknowledges again
        stop.set()
        await loading

    try:
        asyncio.run(load_with_restart())
        assert seen.statuses.get("503", 0) > 0, f"no 503 while the database was down: {seen.statuses}"
        assert not any(s.startswith("5") and s != "503" for s in seen.statuses), seen.statuses
        recovered = httpx.get(f"{server.base}/cases", headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert recovered.status_code == 200, "the server did not recover by itself"
        _check_after_recovery(server, token, seen)
    finally:
        server.stop()
    print(f"PostgreSQL restart under load: {len(seen.documents)} cases acknowledged, all found; answers {seen.statuses}")
