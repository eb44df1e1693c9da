"""`imr db upgrade`: the case store's database."""

from __future__ import annotations

from pathlib import Path

import typer

from openimr.cases.store import make_engine, upgrade
from openimr.cli.common import DATA_DIR, DB, settings_from
from openimr.settings import redact

db_app = typer.Typer(help="The case store's database.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(db: str | None = DB, data_dir: Path | None = DATA_DIR) -> None:
    """Migrate the database to the latest schema (creating it when there is none)."""
    settings = settings_from(db=db, data_dir=data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    created = upgrade(make_engine(settings.database_url))
    typer.echo(f"database {'created ' if created else ''}at the latest schema: {redact(settings.database_url)}")
