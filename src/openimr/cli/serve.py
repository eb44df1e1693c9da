"""`imr serve`: run the case-management API."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from openimr.api.app import create_app, served
from openimr.cases.services import recover
from openimr.cli.common import DATA_DIR, DB, open_for_command, settings_from
from openimr.settings import redact

WORKER_HEALTHCHECK_SECONDS = 120
"""How long `imr serve --workers N` waits for a server process to answer its supervisor before starting it again."""


def serve(
    db: str | None = DB,
    data_dir: Path | None = DATA_DIR,
    host: str | None = typer.Option(None, help="Address to listen on [env: OPENIMR_HOST; default: 127.0.0.1]."),
    port: int | None = typer.Option(None, help="Port to listen on [env: OPENIMR_PORT; default: 8000]."),
    workers: int | None = typer.Option(
        None, "--workers", help="Server processes [env: OPENIMR_WORKERS; default: 1]; more than 1 is for PostgreSQL."
    ),
) -> None:
    """Run the case-management API (migrating the database and recovering from an earlier crash first)."""
    import uvicorn

    settings = settings_from(db=db, data_dir=data_dir, host=host, port=port, workers=workers)
    services = open_for_command(settings)
    recovery = recover(services)
    if recovery.removed:
        typer.echo(f"recovered: removed {recovery.removed} document file(s) whose upload never committed", err=True)
    if recovery.skipped:
        typer.echo(f"recovery: no document file removed now ({recovery.skipped}); the next start checks again", err=True)
    url = f"http://{settings.host}:{settings.port}"
    typer.echo(f"openimr case management on {url}  (API docs: {url}/docs)")
    typer.echo(f"database: {redact(settings.database_url)}; {settings.workers} process(es)")
    command = sys.argv[0] if sys.argv[0].endswith("imr") else "imr"
    on_db = f" --db {redact(settings.db)}" if settings.db else ""
    typer.echo(f"get a token:  {command} users add NAME --role admin --data-dir {settings.data_dir}{on_db}")
    if settings.workers == 1:
        uvicorn.run(served(create_app(settings, services)), host=settings.host, port=settings.port, log_level="warning")
        return
    os.environ.update(settings.environment())  # each worker process builds the same settings from the environment
    uvicorn.run(
        "openimr.api.app:app_from_environment",
        factory=True,
        workers=settings.workers,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        # A process that has not answered the supervisor's health check in time is killed and started again: on a busy
        # machine, starting one (importing openimr) can take longer than uvicorn's 5 s, which would restart it forever.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )
