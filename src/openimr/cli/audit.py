"""`imr audit verify`: check the hash chain of the audit log."""

from __future__ import annotations

from pathlib import Path

import typer

from openimr.cases import audit
from openimr.cli.common import DATA_DIR, DB, open_for_command, settings_from

audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify(db: str | None = DB, data_dir: Path | None = DATA_DIR) -> None:
    """Walk the audit chain; exit 1 naming the first broken link, if any."""
    services = open_for_command(settings_from(db=db, data_dir=data_dir))
    with services.context.sessions() as session:
        result = audit.verify(session)
    if not result.intact:
        typer.echo(f"imr: audit chain broken after {result.entries} good entries: {result.problem}", err=True)
        raise typer.Exit(1)
    typer.echo(f"audit chain intact: {result.entries} entries")
