"""Workers: threads that take jobs from the queue and run them, inside `imr serve` or in `imr worker` processes.

Each round a worker also settles the document files of commits whose outcome was unknown (the database went away during
COMMIT). A worker that finds nothing to do waits for a job queued in its own process or for its next poll (jobs queued by other
processes). A database that is down makes it wait and try again; it never stops on an error.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from openimr import heap
from openimr.cases.jobs import Claim, JobKind
from openimr.cases.services import Services

log = logging.getLogger(__name__)


class Worker:
    """One worker: claim a job, run it, settle it."""

    def __init__(self, services: Services, name: str, poll_seconds: float = 1.0) -> None:
        self.services = services
        self.name = name
        self.poll_seconds = poll_seconds

    def run_once(self) -> bool:
        """Run one runnable job, if there is one; True when there was."""
        claim = self.services.queue.claim(self.name)
        if claim is None:
            return False
        self._run(claim)
        heap.freeze_growth()  # in `imr serve`, what the job loaded to stay (the engine's knowledge) leaves full collections
        return True

    def _run(self, claim: Claim) -> None:
        if claim.kind is JobKind.DRAFT:
            self.services.drafting.run(claim)
        elif claim.kind is JobKind.OCR:
            self.services.reading.run(claim)

    def run(self, stop: threading.Event) -> None:
        """Work until `stop` is set."""
        available = self.services.queue.work_available
        while not stop.is_set():
            try:
                self.services.context.settle_documents()
                if self.run_once():
                    continue
            except Exception as error:  # the database may be down: wait and try again
                log.warning("worker %s: %s", self.name, type(error).__name__)
                stop.wait(self.poll_seconds)
                continue
            available.wait(self.poll_seconds)
            available.clear()


class WorkerPool:
    """Worker threads of one process."""

    def __init__(self, services: Services, count: int, poll_seconds: float = 1.0) -> None:
        self.stop_event = threading.Event()
        base = f"{socket.gethostname()}:{os.getpid()}"
        self.workers = [Worker(services, f"{base}:{n}", poll_seconds) for n in range(count)]
        self.threads = [
            threading.Thread(target=w.run, args=(self.stop_event,), name=f"openimr-worker-{n}", daemon=True)
            for n, w in enumerate(self.workers)
        ]
        self.services = services

    def start(self) -> WorkerPool:
        """Start the threads."""
        for thread in self.threads:
            thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the workers to stop after their current job and wait for them."""
        self.stop_event.set()
        self.services.queue.work_available.set()
        for thread in self.threads:
            thread.join(timeout)
