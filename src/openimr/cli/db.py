"""`imr db upgrade`, `imr db backup`, `imr db restore`: the case store's database."""

from __future__ import annotations

from pathlib import Path

import typer

from openimr.cases.backup import backup, restore
from openimr.cases.store import make_engine, upgrade
from openimr.cases.uploads import generate_key
from openimr.cli.common import DATA_DIR, DB, open_for_command, opening_database, settings_from
from openimr.errors import OpenIMRError
from openimr.settings import redact

db_app = typer.Typer(help="The case store's database.", no_args_is_help=True)
keys_app = typer.Typer(help="The key that encrypts stored documents.", no_args_is_help=True)


@keys_app.command("generate")
def keys_generate() -> None:
    """Print a new document key: set it as OPENIMR_DOCUMENT_KEY for every command and the server, and keep it safe (the
    documents stored under it cannot be read without it)."""
    typer.echo(generate_key())


@db_app.command("upgrade")
def db_upgrade(db: str | None = DB, data_dir: Path | None = DATA_DIR) -> None:
    """Migrate the database to the latest schema (creating it when there is none)."""
    settings = settings_from(db=db, data_dir=data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with opening_database(settings):
        created = upgrade(make_engine(settings.database_url, writer=True))
    typer.echo(f"database {'created ' if created else ''}at the latest schema: {redact(settings.database_url)}")


@db_app.command("backup")
def db_backup(
    path: Path = typer.Argument(..., help="A new folder to hold the backup."),
    db: str | None = DB,
    data_dir: Path | None = DATA_DIR,
) -> None:
    """Back up the database and its documents, consistently, while the server runs (SQLite online backup)."""
    settings = settings_from(db=db, data_dir=data_dir)
    services = open_for_command(settings)
    report = backup(settings.database_url, services.context.documents, path)
    rows = sum(report.rows.values())
    typer.echo(f"backed up {rows} rows and {report.documents} documents (schema {report.revision}) to {path}")


@db_app.command("restore")
def db_restore(
    path: Path = typer.Argument(..., help="A folder written by `imr db backup`."),
    yes: bool = typer.Option(False, "--yes", help="Confirm: the database's content and documents are replaced."),
    db: str | None = DB,
    data_dir: Path | None = DATA_DIR,
) -> None:
    """Replace the database and its documents with a backup (stop the server first)."""
    settings = settings_from(db=db, data_dir=data_dir)
    if not yes:
        raise OpenIMRError(
            "restoring replaces the database's content and documents: stop the server, then run again with --yes",
            redact(settings.database_url),
        )
    services = open_for_command(settings)
    report = restore(path, settings.database_url, services.context.documents)
    target = redact(settings.database_url)
    typer.echo(f"restored {report.documents} documents (schema {report.revision}) from {path} into {target}")
