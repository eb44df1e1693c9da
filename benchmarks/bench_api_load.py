"""Load test of the case-management API over loopback, against a minimal Starlette floor serving the same stored draft.

For each backend (the embedded SQLite, and PostgreSQL when a URL is given) and each `imr serve --workers N` asked for, it
starts `imr serve` on 127.0.0.1, seeds a reviewer and a few drafted cases, and starts the floor: a bare Starlette route in
its own uvicorn process (no auth, one SQL query) that returns a case's stored draft. Then, one phase after another,
CLIENTS concurrent clients for SECONDS each (bounded: it stops by itself):

- read draft:  GET /cases/{id}/draft (bearer token, role check, the draft and the items as they stand);
- floor:       GET /floor/{id} on the floor process (the stored draft JSON, nothing else);
- file case:   POST /cases (a new application with two inline documents).

It prints throughput and p50/p99 latency per phase and the draft reads' share of the floor's throughput.

    .venv/bin/python benchmarks/bench_api_load.py [--clients 50] [--seconds 20] [--workers 1,2]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]   (or OPENIMR_TEST_POSTGRES_URL)

SQLite runs with one server process (one writer); --workers applies to PostgreSQL. The PostgreSQL URL must name a server
you may create a database on; the benchmark creates and drops its own database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

IMR = str(Path(sys.executable).with_name("imr"))
SEEDED_CASES = 10


def application(n: int, run: str) -> dict[str, Any]:
    """A synthetic, eligible application (unique per n, so none is a duplicate)."""
    return {
        "worker_id": f"bench-{run}-{n}",
        "claim_number": f"BENCH-{n}",
        "signed": True,
        "dates": {"ur_decision": "2026-10-01", "application_received": "2026-10-10"},
        "parties": {"insurer": "Synthetic Mutual"},
        "disputed_items": [{"request": "Cyclobenzaprine 7.5mg #90"}, {"request": "Tramadol ER 150mg #30"}],
        "documents": [
            {"type": "ur_decision", "text": "Synthetic UR decision: non-certified."},
            {
                "type": "progress_report",
                "text": "Chronic low back pain. Cyclobenzaprine daily for six months without documented functional "
                "improvement. Urine drug screen not documented.",
            },
        ],
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def floor_server(port: int, db_url: str) -> None:
    """The floor: one Starlette route, no auth, one SQL query returning the stored draft JSON (run in its own process)."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    from openimr.cases.store import make_engine

    engine = make_engine(db_url)
    query = text("SELECT determination FROM drafts WHERE case_id = :case_id")

    def draft(request: Request) -> Response:
        with engine.connect() as connection:
            stored = connection.execute(query, {"case_id": int(request.path_params["case_id"])}).scalar_one()
        body = stored if isinstance(stored, str) else json.dumps(stored)
        return Response(body, media_type="application/json")

    app = Starlette(routes=[Route("/floor/{case_id:int}", draft)])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


async def seed(base: str, admin: str, run: str) -> tuple[list[int], str]:
    """A reviewer and SEEDED_CASES drafted cases; the case ids and the reviewer's token."""
    headers = {"Authorization": f"Bearer {admin}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120) as client:
        reviewer = await client.post(
            "/reviewers",
            json={
                "name": "Dr Bench",
                "licensure": ["CA"],
                "board_certifications": ["Physical Medicine and Rehabilitation"],
                "years_in_practice": 10,
                "practice_hours_per_week": 40,
            },
        )
        reviewer.raise_for_status()
        user = await client.post(
            "/users", json={"name": "bench-reviewer", "role": "reviewer", "reviewer_id": reviewer.json()["id"]}
        )
        user.raise_for_status()
        ids = []
        for n in range(SEEDED_CASES):
            case = (await client.post("/cases", json=application(-n - 1, run))).json()["case"]
            for step, body in (("screen", None), ("assign", {}), ("records-complete", None)):
                response = await client.post(f"/cases/{case['id']}/{step}", json=body)
                response.raise_for_status()
            while response.json()["drafting"] in ("queued", "running"):  # drafting runs off the request path
                await asyncio.sleep(0.05)
                response = await client.get(f"/cases/{case['id']}")
            if response.json()["state"] != "drafted":
                raise SystemExit(
                    f"seeding failed: case {case['id']} is {response.json()['state']}: {response.json()['drafting_error']}"
                )
            ids.append(case["id"])
        return ids, str(user.json()["token"])


Request = Callable[[httpx.AsyncClient, random.Random], Any]


async def phase(
    label: str, base: str, token: str | None, clients_count: int, seconds: float, expected: int, call: Request
) -> float:
    """CLIENTS clients calling `call` for SECONDS; prints the figures and returns the throughput of successes."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    # Each client opens its connection and makes one untimed request before the clock starts.
    clients = [httpx.AsyncClient(base_url=base, headers=headers, timeout=60, limits=limits) for _ in range(clients_count)]
    await asyncio.gather(*(call(client, random.Random(-n)) for n, client in enumerate(clients)))
    stop = time.perf_counter() + seconds

    async def client_loop(n: int, client: httpx.AsyncClient) -> None:
        rng = random.Random(n)
        while time.perf_counter() < stop:
            started = time.perf_counter()
            try:
                status = (await call(client, rng)).status_code
            except httpx.TransportError as error:
                errors[type(error).__name__] = errors.get(type(error).__name__, 0) + 1
                continue
            if status == expected:
                latencies.append(time.perf_counter() - started)
            else:
                errors[str(status)] = errors.get(str(status), 0) + 1

    began = time.perf_counter()
    await asyncio.gather(*(client_loop(n, client) for n, client in enumerate(clients)))
    for client in clients:
        await client.aclose()
    elapsed = time.perf_counter() - began
    rate = len(latencies) / elapsed
    if latencies:
        print(
            f"  {label:12s} {rate:8.1f} req/s   p50 {1000 * statistics.median(latencies):7.1f} ms"
            f"   p99 {1000 * percentile(latencies, 0.99):7.1f} ms   (n={len(latencies)}, errors: {errors or 'none'})"
        )
    else:
        print(f"  {label:12s} no successful request (errors: {errors})")
    return rate


def wait_up(url: str, process: subprocess.Popen[bytes], label: str) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{label} did not start") from None
            time.sleep(0.2)


def run_backend(label: str, db_url: str | None, workers: int, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="openimr-bench-") as data_dir:
        env = {**os.environ, "OPENIMR_DATA_DIR": data_dir, **({"OPENIMR_DB": db_url} if db_url else {})}
        env.pop("OPENIMR_WORKERS", None)
        tokens = [
            subprocess.run(
                [IMR, "users", "add", name, "--role", role], env=env, check=True, capture_output=True, text=True
            ).stdout.strip()
            for name, role in (("bench-admin", "admin"), ("bench-intake", "intake"))
        ]
        port, floor_port = free_port(), free_port()
        log = Path(data_dir) / "server.log"
        with log.open("w") as log_file:
            server = subprocess.Popen(
                [IMR, "serve", "--port", str(port), "--workers", str(workers)], env=env, stdout=log_file, stderr=subprocess.STDOUT
            )
        url = db_url or f"sqlite:///{Path(data_dir) / 'openimr.db'}"
        floor = subprocess.Popen([sys.executable, __file__, "--floor-server", str(floor_port), url], stderr=subprocess.DEVNULL)
        base, floor_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{floor_port}"
        try:
            wait_up(f"{base}/health", server, "imr serve")
            run = uuid.uuid4().hex[:8]
            ids, reviewer = asyncio.run(seed(base, tokens[0], run))
            wait_up(f"{floor_base}/floor/{ids[0]}", floor, "the floor server")
            counter = iter(range(10**9))
            print(f"{label}, imr serve --workers {workers}; {args.clients} clients, {args.seconds:.0f} s per phase:")
            reads = asyncio.run(
                phase(
                    "read draft",
                    base,
                    reviewer,
                    args.clients,
                    args.seconds,
                    200,
                    lambda c, rng: c.get(f"/cases/{rng.choice(ids)}/draft"),
                )
            )
            floor_rate = asyncio.run(
                phase(
                    "floor", floor_base, None, args.clients, args.seconds, 200, lambda c, rng: c.get(f"/floor/{rng.choice(ids)}")
                )
            )
            asyncio.run(
                phase(
                    "file case",
                    base,
                    tokens[1],
                    args.clients,
                    args.seconds,
                    201,
                    lambda c, rng: c.post("/cases", json=application(next(counter), run)),
                )
            )
            print(f"  draft reads: {100 * reads / floor_rate:.0f}% of the floor's throughput")
        finally:
            if server.poll() is not None:
                print(f"  the server exited with {server.returncode}:\n{log.read_text()[-3000:]}")
            for process in (server, floor):
                process.terminate()
                process.wait(timeout=30)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--floor-server":
        floor_server(int(sys.argv[2]), sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", default="1,2", help="imr serve --workers values to run on PostgreSQL")
    parser.add_argument("--postgres", default=os.environ.get("OPENIMR_TEST_POSTGRES_URL"), help="PostgreSQL server URL")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    if not 1 <= args.clients <= 500 or not 1 <= args.seconds <= 600:
        parser.error("--clients must be 1-500 and --seconds 1-600")
    if not args.skip_sqlite:
        run_backend("SQLite (WAL)", None, 1, args)
    if not args.postgres:
        print("PostgreSQL: skipped (give --postgres URL or set OPENIMR_TEST_POSTGRES_URL)")
        return
    for workers in [int(w) for w in args.workers.split(",")]:
        name = f"openimr_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
            run_backend("PostgreSQL", url, workers, args)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
