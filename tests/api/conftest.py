"""API fixtures: a real uvicorn server on 127.0.0.1 over each backend, users of each role, synthetic applications."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from tests.conftest import free_port
from tests.patience import patience

from openimr.api.app import create_app
from openimr.cases.domain import Actor, UserRole
from openimr.cases.schemas import NewUser
from openimr.cases.services import Services
from openimr.settings import Settings

SETUP = Actor("test set-up", UserRole.ADMIN)
IMR = str(Path(sys.executable).with_name("imr"))


@dataclass
class Api:
    """A running server and one client per role."""

    base_url: str
    services: Services
    admin: httpx.Client
    intake: httpx.Client
    anonymous: httpx.Client

    def client(self, token: str) -> httpx.Client:
        """A client with `token`."""
        return httpx.Client(base_url=self.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=patience(60))

    def add_reviewer(self, **change: Any) -> tuple[int, httpx.Client]:
        """A reviewer in the pool (qualified physiatrist unless changed) and a client logged in as them."""
        response = self.admin.post("/reviewers", json=reviewer_profile(**change))
        assert response.status_code == 201, response.text
        reviewer_id = int(response.json()["id"])
        created = self.services.users.add(
            NewUser(name=f"reviewer-{reviewer_id}", role=UserRole.REVIEWER, reviewer_id=reviewer_id), SETUP
        )
        return reviewer_id, self.client(created.token)

    def drafted(self, case_id: int, client: httpx.Client | None = None, timeout: float = 120) -> dict[str, Any]:
        """The case once its drafting job has settled (drafted, or failed with the error on the case)."""
        client = client or self.admin
        deadline = time.monotonic() + patience(timeout)
        while True:
            case: dict[str, Any] = client.get(f"/cases/{case_id}").json()
            if case["drafting"] in ("done", "failed"):
                return case
            assert time.monotonic() < deadline, f"drafting of case {case_id} did not settle: {case['drafting']}"
            time.sleep(0.05)

    def records_complete(self, case_id: int) -> dict[str, Any]:
        """Mark the records complete and wait for the draft; the case then."""
        response = self.intake.post(f"/cases/{case_id}/records-complete")
        assert response.status_code == 200, response.text
        assert response.json()["state"] == "in_review" and response.json()["drafting"] in ("queued", "running", "done")
        return self.drafted(case_id)

    @staticmethod
    def application(**change: Any) -> dict[str, Any]:
        """A synthetic, eligible application (see `application`)."""
        return application(**change)

    def file_case(self, **change: Any) -> dict[str, Any]:
        """File a synthetic application through the API; the new case."""
        response = self.intake.post("/cases", json=application(**change))
        assert response.status_code == 201, response.text
        case: dict[str, Any] = response.json()["case"]
        return case

    def assigned_case(self, **change: Any) -> tuple[dict[str, Any], httpx.Client]:
        """A case filed, screened eligible and assigned to a fresh reviewer, and that reviewer's client."""
        case = self.file_case(**change)
        assert self.intake.post(f"/cases/{case['id']}/screen").json()["screening_outcome"] == "eligible"
        reviewer_id, reviewer = self.add_reviewer()
        response = self.admin.post(f"/cases/{case['id']}/assign", json={"reviewer_id": reviewer_id})
        assert response.status_code == 200, response.text
        return response.json(), reviewer


def reviewer_profile(**change: Any) -> dict[str, Any]:
    """A synthetic reviewer profile."""
    base: dict[str, Any] = {
        "name": "Dr Synthetic Reviewer",
        "licensure": ["CA"],
        "board_certifications": ["Physical Medicine and Rehabilitation"],
        "years_in_practice": 12,
        "practice_hours_per_week": 32,
        "affiliations": [],
    }
    return base | change


@dataclass
class Server:
    """An `imr serve` process (with `workers` server processes) on loopback."""

    settings: Settings
    port: int = field(default_factory=free_port)
    workers: int = 1
    patience_seconds: float = 60
    """How long starting or stopping it may take on an idle machine (scaled by `patience`)."""
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "OPENIMR_DATA_DIR": str(self.settings.data_dir),
            **({"OPENIMR_DB": self.settings.db} if self.settings.db else {}),
            "OPENIMR_JOB_LEASE_SECONDS": "2",
            "OPENIMR_WORKER_POLL_SECONDS": "0.2",
            "OPENIMR_JOB_BACKOFF_SECONDS": "0.2",
        }

    def start(self) -> None:
        log = (self.settings.data_dir / f"server-{time.monotonic_ns()}.log").open("wb")
        command = [IMR, "serve", "--port", str(self.port), "--workers", str(self.workers)]
        self.process = subprocess.Popen(command, env=self.env(), stdout=log, stderr=log)
        deadline = time.monotonic() + patience(self.patience_seconds)
        while True:
            try:
                if httpx.get(f"{self.base}/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert self.process.poll() is None and time.monotonic() < deadline, "imr serve did not start"
            time.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=patience(30))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=patience(self.patience_seconds))


def application(**change: Any) -> dict[str, Any]:
    """A synthetic, eligible application filed 10 days after its UR decision, with the UR decision attached."""
    ur = dt.date.today() - dt.timedelta(days=12)
    base: dict[str, Any] = {
        "worker_id": "worker-0001",
        "claim_number": "CLM-2026-0001",
        "priority": "Standard",
        "signed": True,
        "ur_service_method": "mail",
        "dates": {
            "injury": "2025-06-10",
            "ur_decision": ur.isoformat(),
            "application_received": (ur + dt.timedelta(days=10)).isoformat(),
        },
        "parties": {
            "employer": "Harbor Freight Lines",
            "claims_administrator": "Golden Claims Services",
            "insurer": "Pacific Mutual Insurance",
            "requesting_physician": "Dr. Ana Example",
        },
        "patient": {"age": 47, "sex": "female"},
        "disputed_items": [
            {"request": "Cyclobenzaprine 7.5mg #90", "ur_guideline": "MTUS Chronic Pain Medical Treatment Guidelines"},
            {"request": "Tramadol ER 150mg #30"},
        ],
        "documents": [
            {
                "type": "ur_decision",
                "text": "Utilization review non-certified cyclobenzaprine and tramadol as not medically necessary.",
            },
            {
                "type": "progress_report",
                "date": "2025-12-01",
                "text": "The injured worker reports chronic low back pain since a lifting injury. She has taken cyclobenzaprine "
                "daily for six months. No documented functional improvement. Urine drug screen not documented.",
            },
        ],
    }
    return base | change


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture
def api(services: Services) -> Iterator[Api]:
    """The API served by a real uvicorn server on a free loopback port, stopped after the test."""
    app = create_app(services=services)
    sock = _free_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + patience(20)
    while not server.started:
        assert time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.01)
    base = f"http://127.0.0.1:{port}"
    admin = services.users.add(NewUser(name="admin", role=UserRole.ADMIN), SETUP)
    intake = services.users.add(NewUser(name="intake", role=UserRole.INTAKE), SETUP)
    timeout = patience(60)
    clients = [
        httpx.Client(base_url=base, headers={"Authorization": f"Bearer {t.token}"}, timeout=timeout) for t in (admin, intake)
    ]
    anonymous = httpx.Client(base_url=base, timeout=timeout)
    yield Api(base, services, clients[0], clients[1], anonymous)
    for client in [*clients, anonymous]:
        client.close()
    server.should_exit = True
    thread.join(timeout=patience(20))
    sock.close()
