"""`imr users add`: provision API users on the server's database."""

from __future__ import annotations

from pathlib import Path

import typer
from pydantic import ValidationError

from openimr.cases.domain import UserRole
from openimr.cases.schemas import NewUser
from openimr.cli.common import CLI_ADMIN, DATA_DIR, DB, open_for_command, settings_from
from openimr.errors import OpenIMRError

users_app = typer.Typer(help="API users and their tokens.", no_args_is_help=True)


@users_app.command("add")
def users_add(
    name: str = typer.Argument(..., help="User name."),
    role: UserRole = typer.Option(..., "--role", help="intake, reviewer or admin."),
    reviewer_id: int | None = typer.Option(None, "--reviewer-id", help="For a reviewer: their id in the pool."),
    db: str | None = DB,
    data_dir: Path | None = DATA_DIR,
) -> None:
    """Provision a user and print their bearer token (shown once; only its SHA-256 is stored)."""
    try:
        user = NewUser(name=name, role=role, reviewer_id=reviewer_id)
    except ValidationError as error:
        raise OpenIMRError(error.errors()[0]["msg"], f"user {name}") from None
    created = open_for_command(settings_from(db=db, data_dir=data_dir)).users.add(user, CLI_ADMIN)
    typer.echo(created.token)
