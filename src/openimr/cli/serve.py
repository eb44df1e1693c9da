"""`imr serve`: run the case-management API."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from openimr.api.app import create_app
from openimr.cli.common import DATA_DIR, DB, open_for_command, settings_from
from openimr.settings import redact


def serve(
    db: str | None = DB,
    data_dir: Path | None = DATA_DIR,
    host: str | None = typer.Option(None, help="Address to listen on [env: OPENIMR_HOST; default: 127.0.0.1]."),
    port: int | None = typer.Option(None, help="Port to listen on [env: OPENIMR_PORT; default: 8000]."),
) -> None:
    """Run the case-management API (migrating the database first)."""
    import uvicorn

    settings = settings_from(db=db, data_dir=data_dir, host=host, port=port)
    application = create_app(settings, open_for_command(settings))
    url = f"http://{settings.host}:{settings.port}"
    typer.echo(f"openimr case management on {url}  (API docs: {url}/docs)")
    typer.echo(f"database: {redact(settings.database_url)}")
    command = sys.argv[0] if sys.argv[0].endswith("imr") else "imr"
    on_db = f" --db {redact(settings.db)}" if settings.db else ""
    typer.echo(f"get a token:  {command} users add NAME --role admin --data-dir {settings.data_dir}{on_db}")
    uvicorn.run(application, host=settings.host, port=settings.port, log_level="warning")
