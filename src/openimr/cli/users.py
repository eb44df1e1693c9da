"""`imr users ...` and `imr tokens ...`: provision API users on the server's database, and manage their tokens."""

from __future__ import annotations

from pathlib import Path

import typer
from pydantic import ValidationError

from openimr.cases.domain import UserRole
from openimr.cases.schemas import NewUser, TokenView
from openimr.cli.common import CLI_ADMIN, DATA_DIR, DB, open_for_command, settings_from
from openimr.errors import OpenIMRError

users_app = typer.Typer(help="API users.", no_args_is_help=True)
tokens_app = typer.Typer(help="Bearer tokens: issue, list with last use, revoke.", no_args_is_help=True)
_EXPIRES = typer.Option(None, "--expires-days", min=1, max=3650, help="Token lifetime [default: OPENIMR_TOKEN_TTL_DAYS, 90].")


@users_app.command("add")
def users_add(
    name: str = typer.Argument(..., help="User name."),
    role: UserRole = typer.Option(..., "--role", help="intake, reviewer or admin."),
    reviewer_id: int | None = typer.Option(None, "--reviewer-id", help="For a reviewer: their id in the pool."),
    expires_days: int | None = _EXPIRES,
    db: str | None = DB,
    data_dir: Path | None = DATA_DIR,
) -> None:
    """Provision a user and print their bearer token (shown once; only its SHA-256 is stored)."""
    try:
        user = NewUser(name=name, role=role, reviewer_id=reviewer_id, token_expires_in_days=expires_days)
    except ValidationError as error:
        raise OpenIMRError(error.errors()[0]["msg"], f"user {name}") from None
    created = open_for_command(settings_from(db=db, data_dir=data_dir)).users.add(user, CLI_ADMIN)
    typer.echo(created.token)
    typer.echo(f"token {created.token_id} for {created.name} expires {_when(created.expires_at)}", err=True)


@users_app.command("list")
def users_list(db: str | None = DB, data_dir: Path | None = DATA_DIR) -> None:
    """Every user: id, name, role, reviewer id."""
    for user in open_for_command(settings_from(db=db, data_dir=data_dir)).users.list(CLI_ADMIN):
        reviewer = f"  reviewer {user.reviewer_id}" if user.reviewer_id else ""
        typer.echo(f"{user.id}\t{user.name}\t{user.role.value}{reviewer}")


@tokens_app.command("issue")
def tokens_issue(
    name: str = typer.Argument(..., help="User name."),
    label: str | None = typer.Option(None, "--label", help="What the token is for."),
    expires_days: int | None = _EXPIRES,
    db: str | None = DB,
    data_dir: Path | None = DATA_DIR,
) -> None:
    """Issue another token for a user and print it (shown once)."""
    services = open_for_command(settings_from(db=db, data_dir=data_dir))
    created = services.users.issue_token_for(name, label, expires_days, CLI_ADMIN)
    typer.echo(created.token)
    typer.echo(f"token {created.id} for {created.user} expires {_when(created.expires_at)}", err=True)


@tokens_app.command("list")
def tokens_list(
    user: str | None = typer.Option(None, "--user", help="Only this user's tokens."),
    db: str | None = DB,
    data_dir: Path | None = DATA_DIR,
) -> None:
    """Tokens: id, user, label, state, expiry, last use."""
    services = open_for_command(settings_from(db=db, data_dir=data_dir))
    for token in services.users.tokens(CLI_ADMIN):
        if user is None or token.user == user:
            typer.echo(_line(token))


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: int = typer.Argument(..., help="Token id (from `imr tokens list`)."),
    db: str | None = DB,
    data_dir: Path | None = DATA_DIR,
) -> None:
    """Revoke a token: it stops working (within the server's auth cache time, 5 s by default)."""
    typer.echo(_line(open_for_command(settings_from(db=db, data_dir=data_dir)).users.revoke(token_id, CLI_ADMIN)))


def _when(moment: object) -> str:
    return "never" if moment is None else str(moment)


def _line(token: TokenView) -> str:
    state = "active" if token.active else ("revoked" if token.revoked_at else "expired")
    return (
        f"{token.id}\t{token.user}\t{token.label or '-'}\t{state}\texpires {_when(token.expires_at)}"
        f"\tlast used {_when(token.last_used_at)}"
    )
