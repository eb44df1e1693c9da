"""`imr worker`: run drafting jobs in a process of their own, beside or instead of the workers inside `imr serve`."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType

import typer

from openimr.cases.worker import Worker, WorkerPool
from openimr.cli.common import DATA_DIR, DB, open_for_command, settings_from


def worker(
    threads: int = typer.Option(1, "--threads", min=1, max=32, help="Worker threads in this process."),
    drain: bool = typer.Option(False, "--drain", help="Exit once no job is runnable, instead of waiting for more."),
    db: str | None = DB,
    data_dir: Path | None = DATA_DIR,
) -> None:
    """Take jobs (drafting) from the queue in the server's database until stopped (Ctrl-C, SIGTERM)."""
    settings = settings_from(db=db, data_dir=data_dir)
    services = open_for_command(settings)
    if drain:
        runner = Worker(services, "imr worker --drain", settings.worker_poll_seconds)
        done = 0
        while runner.run_once():
            done += 1
        typer.echo(f"ran {done} job(s); queue: {services.queue.counts()}")
        return
    pool = WorkerPool(services, threads, settings.worker_poll_seconds).start()
    stopped = threading.Event()

    def _stop(_signal: int, _frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    typer.echo(f"imr worker: {threads} thread(s) on the queue; Ctrl-C to stop")
    stopped.wait()
    pool.stop()
