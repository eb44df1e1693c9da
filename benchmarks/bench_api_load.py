"""Load test of the case-management API over loopback, against a minimal Starlette floor serving the same stored draft.

For each backend (the embedded SQLite, and PostgreSQL when a URL is given) and each `imr serve --workers N` asked for, it
starts `imr serve` on 127.0.0.1, seeds a reviewer and a few drafted cases, and starts the floor: a bare Starlette route in
its own uvicorn process (no auth, one SQL query) that returns a case's stored draft. Then, one phase after another,
CLIENTS concurrent clients for SECONDS each (bounded: it stops by itself):

- read draft:  GET /cases/{id}/draft (bearer token, role check, the draft and the items as they stand);
- floor:       GET /floor/{id} on the floor process (the stored draft JSON, nothing else);
- file case:   POST /cases (a new application with two inline documents).

It prints per phase the throughput, p50/p99 latency, the server's CPU time a request (its processes' user and system
time over the phase: what a request costs whatever share of the cores it got) and the 1-minute load average before and
after; how long the server's event loop (each process's main thread), all the server's threads and the clients were
runnable but waiting for a CPU (the machine's other work: on a shared machine, the part of the latency that is not the
server's); then the draft reads' share of the floor's throughput. The clients write their requests and read the answers
themselves over keep-alive connections, to leave the server the most of the machine they share.

    .venv/bin/python benchmarks/bench_api_load.py [--clients 50] [--seconds 20] [--workers 1,2] [--phases read,floor,file]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]   (or OPENIMR_TEST_POSTGRES_URL)

SQLite runs with one server process (one writer); --workers applies to PostgreSQL. The PostgreSQL URL must name a server
you may create a database on; the benchmark creates and drops its own database.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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
from collections.abc import Awaitable, Callable, Coroutine
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
    from starlette.requests import Request
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


class Connection:
    """One client's keep-alive HTTP/1.1 connection over loopback. The load generator shares the machine's cores with
    the server, so it writes requests and reads answers itself (a few tens of microseconds a request; httpx spends
    ~3 ms of CPU on each, which would leave the server less than it would have against real clients)."""

    def __init__(self, port: int, token: str | None) -> None:
        self.port = port
        self.head = b"Host: 127.0.0.1\r\n" + (f"Authorization: Bearer {token}\r\n".encode() if token else b"")
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> int:
        """Send one request and read its whole answer; its status."""
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        kind = b"Content-Type: application/json\r\n" if body else b""
        self.writer.write(
            f"{method} {path} HTTP/1.1\r\n".encode() + self.head + kind + f"Content-Length: {len(body)}\r\n\r\n".encode() + body
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lowered = head.lower()
        at = lowered.find(b"\r\ncontent-length:")
        if at < 0:
            raise ConnectionError("an answer without Content-Length")
        length = int(lowered[at + 17 : lowered.index(b"\r\n", at + 2)])
        await self.reader.readexactly(length)
        if b"\r\nconnection: close" in lowered:
            await self.close()
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


Call = Callable[[Connection, random.Random], Awaitable[int]]


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) used so far by a process and every process under it (the processes of --workers N)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = [int(c) for task in Path(f"/proc/{pid}/task").iterdir() for c in (task / "children").read_text().split()]
    except FileNotFoundError:  # it has just exited
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") + sum(cpu_seconds(c) for c in children)


def waits_for_cpu(pid: int, descendants: bool = True) -> tuple[float, float]:
    """Seconds its threads have so far spent runnable but waiting for a CPU (the kernel's run-queue delay, from
    /proc/PID/task/*/schedstat), for a process and every process under it (or it alone): of all its threads, and of each process's
    main thread (the event loop, in `imr serve`). Threads that sleep (on a lock, the GIL, a socket, a sync) are not
    counted: this is the share of a request's time that the machine's other work took."""
    total = loop = 0.0
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            waited = int((task / "schedstat").read_text().split()[1]) / 1e9
            total += waited
            loop += waited if task.name == str(pid) else 0.0
            for child in (task / "children").read_text().split() if descendants else ():
                child_total, child_loop = waits_for_cpu(int(child))
                total, loop = total + child_total, loop + child_loop
    except FileNotFoundError:  # it (or one of its threads) has just exited
        pass
    return total, loop


async def phase(
    label: str, server: int, port: int, token: str | None, clients_count: int, seconds: float, expected: int, call: Call
) -> float:
    """CLIENTS clients calling `call` for SECONDS on the `server` process's port; prints the figures (with the server's
    CPU time a request: on a shared machine, what the request costs whatever share of the cores it got) and returns the
    throughput of successes."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    # Each client opens its connection and makes one untimed request before the clock starts.
    clients = [Connection(port, token) for _ in range(clients_count)]
    await asyncio.gather(*(call(client, random.Random(-n)) for n, client in enumerate(clients)))
    stop = time.perf_counter() + seconds
    load_before = os.getloadavg()[0]

    async def client_loop(n: int, client: Connection) -> None:
        rng = random.Random(n)
        while time.perf_counter() < stop:
            started = time.perf_counter()
            try:
                status = await call(client, rng)
            except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                errors[type(error).__name__] = errors.get(type(error).__name__, 0) + 1
                await client.close()
                continue
            if status == expected:
                latencies.append(time.perf_counter() - started)
            else:
                errors[str(status)] = errors.get(str(status), 0) + 1

    began, cpu_before = time.perf_counter(), cpu_seconds(server)
    waits_before, own_before = waits_for_cpu(server), waits_for_cpu(os.getpid(), descendants=False)[0]
    await asyncio.gather(*(client_loop(n, client) for n, client in enumerate(clients)))
    elapsed, cpu = time.perf_counter() - began, cpu_seconds(server) - cpu_before
    waits, loop_waits = (after - before for after, before in zip(waits_for_cpu(server), waits_before, strict=True))
    own_waits = waits_for_cpu(os.getpid(), descendants=False)[0] - own_before
    for client in clients:
        await client.close()
    rate = len(latencies) / elapsed
    load = f"load {load_before:.1f}-{os.getloadavg()[0]:.1f}"
    if latencies:
        print(
            f"  {label:12s} {rate:8.1f} req/s   p50 {1000 * statistics.median(latencies):7.1f} ms"
            f"   p99 {1000 * percentile(latencies, 0.99):7.1f} ms   server CPU {1000 * cpu / len(latencies):5.2f} ms a request,"
            f" {cpu / elapsed:4.2f} cores   ({load}; n={len(latencies)}, errors: {errors or 'none'})"
        )
        print(
            f"  {'':12s} waiting for a CPU (runnable, not running): the server's event loop {100 * loop_waits / elapsed:.0f}%"
            f" of the phase, all its threads {waits / elapsed:.2f} s a second; the clients {100 * own_waits / elapsed:.0f}%"
        )
    else:
        print(f"  {label:12s} no successful request ({load}; errors: {errors})")
    return rate


def run_phase(work: Coroutine[Any, Any, float]) -> float:
    """Run one phase on uvloop (the event loop `imr serve` uses too)."""
    import uvloop

    return uvloop.run(work)


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
            reads = floor_rate = float("nan")
            if "read" in args.phases:
                reads = run_phase(
                    phase(
                        "read draft",
                        server.pid,
                        port,
                        reviewer,
                        args.clients,
                        args.seconds,
                        200,
                        lambda c, rng: c.request("GET", f"/cases/{rng.choice(ids)}/draft"),
                    )
                )
            if "floor" in args.phases:
                floor_rate = run_phase(
                    phase(
                        "floor",
                        floor.pid,
                        floor_port,
                        None,
                        args.clients,
                        args.seconds,
                        200,
                        lambda c, rng: c.request("GET", f"/floor/{rng.choice(ids)}"),
                    )
                )
            if "file" in args.phases:
                run_phase(
                    phase(
                        "file case",
                        server.pid,
                        port,
                        tokens[1],
                        args.clients,
                        args.seconds,
                        201,
                        lambda c, rng: c.request("POST", "/cases", json.dumps(application(next(counter), run)).encode()),
                    )
                )
            if "read" in args.phases and "floor" in args.phases:
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
    parser.add_argument(
        "--phases", default="read,floor,file", help="the phases to run, of read, floor and file (comma-separated)"
    )
    args = parser.parse_args()
    if not 1 <= args.clients <= 500 or not 1 <= args.seconds <= 600:
        parser.error("--clients must be 1-500 and --seconds 1-600")
    args.phases = set(args.phases.split(","))
    if not args.phases or not args.phases <= {"read", "floor", "file"}:
        parser.error("--phases takes read, floor and file, comma-separated")
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
