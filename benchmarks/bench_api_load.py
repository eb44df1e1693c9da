"""Load test of the case-management API over loopback: concurrent clients filing cases and reading drafts.

For each backend (the embedded SQLite, and PostgreSQL when a URL is given) it starts `imr serve` in its own process on
127.0.0.1, seeds a reviewer and a few drafted cases, then runs CLIENTS concurrent clients for SECONDS (bounded: it stops
by itself). Each client loops: file one new application (POST /cases), then read a drafted case's draft
(GET /cases/{id}/draft) READS times. It prints throughput and p50/p99 latency per operation and overall.

    .venv/bin/python benchmarks/bench_api_load.py [--clients 50] [--seconds 30] [--reads 4]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]   (or OPENIMR_TEST_POSTGRES_URL)

The PostgreSQL URL must name a server you may create a database on; the benchmark creates and drops its own database.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable
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


async def load(base: str, intake: str, reviewer: str, ids: list[int], clients: int, seconds: float, reads: int, run: str) -> None:
    latencies: dict[str, list[float]] = {"create case": [], "read draft": []}
    errors: dict[str, int] = {}
    counter = iter(range(10**9))
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def client_loop(seed_n: int) -> None:
        rng = random.Random(seed_n)
        async with (
            httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {intake}"}, timeout=60, limits=limits) as filing,
            httpx.AsyncClient(
                base_url=base, headers={"Authorization": f"Bearer {reviewer}"}, timeout=60, limits=limits
            ) as reading,
        ):
            while time.perf_counter() < stop:
                started = time.perf_counter()
                await call("create case", started, 201, filing.post("/cases", json=application(next(counter), run)))
                for _ in range(reads):
                    if time.perf_counter() >= stop:
                        break
                    started = time.perf_counter()
                    await call("read draft", started, 200, reading.get(f"/cases/{rng.choice(ids)}/draft"))

    async def call(operation: str, started: float, expected: int, request: Awaitable[httpx.Response]) -> None:
        try:
            status = (await request).status_code
        except httpx.TransportError as error:
            status_text = type(error).__name__
        else:
            if status == expected:
                latencies[operation].append(time.perf_counter() - started)
                return
            status_text = str(status)
        errors[f"{operation} {status_text}"] = errors.get(f"{operation} {status_text}", 0) + 1

    began = time.perf_counter()
    await asyncio.gather(*(client_loop(n) for n in range(clients)))
    elapsed = time.perf_counter() - began
    everything = [value for values in latencies.values() for value in values]
    print(f"  {clients} clients, {elapsed:.1f} s, {len(everything)} requests ok, errors: {errors or 'none'}")
    for operation, values in [*latencies.items(), ("all", everything)]:
        if not values:
            print(f"  {operation:12s} no successful request")
            continue
        print(
            f"  {operation:12s} {len(values) / elapsed:8.1f} req/s   p50 {1000 * statistics.median(values):7.1f} ms"
            f"   p99 {1000 * percentile(values, 0.99):7.1f} ms   (n={len(values)})"
        )


def run_backend(label: str, db_url: str | None, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="openimr-bench-") as data_dir:
        db = ["--db", db_url] if db_url else []
        common = [*db, "--data-dir", data_dir]
        admin = subprocess.run(
            [IMR, "users", "add", "bench-admin", "--role", "admin", *common], check=True, capture_output=True, text=True
        )
        intake = subprocess.run(
            [IMR, "users", "add", "bench-intake", "--role", "intake", *common], check=True, capture_output=True, text=True
        )
        port = free_port()
        log = Path(data_dir) / "server.log"
        with log.open("w") as log_file:
            server = subprocess.Popen([IMR, "serve", *common, "--port", str(port)], stdout=log_file, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(f"{base}/health", timeout=2)
                    break
                except httpx.TransportError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit(f"{label}: imr serve did not start") from None
                    time.sleep(0.2)
            run = uuid.uuid4().hex[:8]
            ids, reviewer = asyncio.run(seed(base, admin.stdout.strip(), run))
            print(f"{label} ({'imr serve, 1 process'}; {SEEDED_CASES} drafted cases to read):")
            asyncio.run(load(base, intake.stdout.strip(), reviewer, ids, args.clients, args.seconds, args.reads, run))
        finally:
            if server.poll() is not None:
                print(f"  the server exited with {server.returncode}:\n{log.read_text()[-3000:]}")
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--reads", type=int, default=4, help="draft reads per case filed")
    parser.add_argument("--postgres", default=os.environ.get("OPENIMR_TEST_POSTGRES_URL"), help="PostgreSQL server URL")
    args = parser.parse_args()
    if not 1 <= args.clients <= 500 or not 1 <= args.seconds <= 600:
        parser.error("--clients must be 1-500 and --seconds 1-600")
    run_backend("SQLite (WAL)", None, args)
    if not args.postgres:
        print("PostgreSQL: skipped (give --postgres URL or set OPENIMR_TEST_POSTGRES_URL)")
        return
    name = f"openimr_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        run_backend("PostgreSQL", make_url(args.postgres).set(database=name).render_as_string(hide_password=False), args)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
