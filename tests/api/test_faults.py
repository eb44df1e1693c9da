"""Fault tolerance over real processes: `kill -9` of `imr serve` under a 50-client load, and PostgreSQL restarted under
load. After each: every case acknowledged with a 2xx is there, no document file lacks its row or row its file, the audit
chain verifies, and the drafting queue drains. Bounded: a few seconds of load, then at most two minutes of recovery."""

from __future__ import annotations

import asyncio
import json
import random
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from tests.api.conftest import Server, application
from tests.conftest import PrivatePostgres
from tests.patience import patience
from typer.testing import CliRunner

from openimr.api.app import create_app
from openimr.cases import audit
from openimr.cases.domain import Actor, UserRole
from openimr.cases.schemas import NewUser, ReviewerProfile
from openimr.cases.services import Services, open_services, recover
from openimr.cases.store import CaseRow, DocumentRow
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
    deadline = time.monotonic() + patience(seconds)
    timeout = patience(10)

    async def client_loop() -> None:
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {admin}"}, timeout=timeout) as client:
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
    deadline = time.monotonic() + patience(timeout)
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
    with httpx.Client(base_url=server.base, headers=headers, timeout=patience(30)) as client:
        for case_id, documents in seen.documents.items():
            response = client.get(f"/cases/{case_id}")
            assert response.status_code == 200, f"acknowledged case {case_id} lost: {response.status_code}"
            stored = {d["id"] for d in response.json()["documents"]}
            assert documents <= stored, f"case {case_id}: acknowledged documents lost: {documents - stored}"
        deadline = time.monotonic() + patience(120)
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


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_kill_9_under_load_loses_nothing_acknowledged_and_leaves_nothing_half_written(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """On PostgreSQL the killed server's COMMITs may still be running on the database server when it starts again: its
    recovery waits for them before it removes any file (`openimr.cases.services.recover`)."""
    db = str(request.getfixturevalue("postgres_url")) if backend == "postgres" else None
    settings = Settings(db=db, data_dir=tmp_path / "data")
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
        f"kill -9 under load ({backend}): {len(seen.documents)} cases acknowledged ({drafted} with records complete), all "
        f"found after restart, 0 lost; answers {seen.statuses}"
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
        recovered = httpx.get(f"{server.base}/cases", headers={"Authorization": f"Bearer {token}"}, timeout=patience(30))
        assert recovered.status_code == 200, "the server did not recover by itself"
        _check_after_recovery(server, token, seen)
    finally:
        server.stop()
    print(f"PostgreSQL restart under load: {len(seen.documents)} cases acknowledged, all found; answers {seen.statuses}")


# -- a filing whose caller goes away while it waits for the SQLite writer (its group commit) -------------------------
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _cases_and_documents(services: Services) -> tuple[int, set[str], set[str]]:
    """The number of cases, the document rows and the document files."""
    with services.context.sessions() as session:
        cases = session.scalar(select(func.count()).select_from(CaseRow))
        rows = set(session.scalars(select(DocumentRow.id)))
    return cases or 0, rows, services.context.documents.stored_ids()


def _until(condition: Callable[[], bool], failure: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + patience(timeout)
    while not condition():
        assert time.monotonic() < deadline, failure
        time.sleep(0.01)


@SQLITE_ONLY
def test_a_client_gone_while_its_filing_waits_for_the_writer_finds_its_case_whole_and_its_retry_is_a_duplicate(
    api: Any,
) -> None:
    services: Services = api.services
    context = services.context
    filed = api.application(worker_id="worker-gone")
    body = json.dumps(filed).encode()
    head = (
        f"POST /cases HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {api.intake.headers['Authorization']}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    assert api.intake.get("/cases").status_code == 200  # the token's use is recorded now (a write), not below
    port = int(api.base_url.rsplit(":", 1)[1])
    # The writer is busy: the filing waits for it; its client goes (the connection closed) before any answer.
    with context._write_lock, socket.create_connection(("127.0.0.1", port), timeout=patience(30)) as client:
        client.sendall(head.encode() + body)
        _until(lambda: len(context._group) == 1, "the filing did not reach the writer")
    _until(lambda: _cases_and_documents(services)[0] == 1, "the filing of the client gone was not committed")
    cases, rows, files = _cases_and_documents(services)
    assert len(rows) == 2 and files == rows, "its case was committed whole: both documents, with their rows"
    retry = api.intake.post("/cases", json=filed)  # the client, never told, files again
    assert retry.status_code == 200 and retry.json()["duplicate"] is True, retry.text
    cases, rows, files = _cases_and_documents(services)
    assert cases == 1 and len(rows) == 4 and files == rows, "the retry is linked to the case, not a second case"
    with services.context.sessions() as session:
        assert audit.verify(session).intact


@SQLITE_ONLY
def test_a_filing_whose_request_is_cancelled_while_it_waits_for_the_writer_is_committed_whole(
    settings: Settings, services: Services
) -> None:
    """The filing runs in its own thread, to its COMMIT's outcome, whatever becomes of the request task waiting for it:
    cancelling that task answers nobody, and leaves neither a file without its row nor a row without its file."""
    context = services.context
    token = services.users.add(NewUser(name="intake", role=UserRole.INTAKE), SETUP).token
    assert services.users.authenticate(token) is not None  # the token's use is recorded now (a write), not below
    app = create_app(settings, services)
    lock = context._write_lock
    held = [True]

    def release() -> None:
        if held:
            held.pop()
            lock.__exit__(None, None, None)

    async def cancel_while_waiting() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://openimr.test") as client:
            headers = {"Authorization": f"Bearer {token}"}
            filing = asyncio.create_task(client.post("/cases", json=application(worker_id="worker-cancelled"), headers=headers))
            deadline = time.monotonic() + patience(30)
            while not context._group:
                assert time.monotonic() < deadline, "the filing did not reach the writer"
                await asyncio.sleep(0.01)
            filing.cancel()
            with pytest.raises(asyncio.CancelledError):
                await filing
            assert _cases_and_documents(services)[0] == 0, "nothing is committed while the writer is busy"
            release()
            while _cases_and_documents(services)[0] == 0:
                assert time.monotonic() < deadline, "the cancelled request's filing was not committed"
                await asyncio.sleep(0.01)

    lock.__enter__()  # the writer is busy: the filing waits for it
    try:
        asyncio.run(cancel_while_waiting())
    finally:
        release()
    cases, rows, files = _cases_and_documents(services)
    assert cases == 1 and len(rows) == 2 and files == rows, "the filing was committed whole: both documents with their rows"
    assert context.settle_documents() == 0
