"""`imr serve`, `imr db upgrade`, `imr users add`: run the case-management API and provision its users."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from openimr.api.app import Settings, create_app, open_workflow
from openimr.cases.schemas import NewUser, UserRole
from openimr.cases.service import Actor
from openimr.cases.store import DEFAULT_DATA_DIR, make_engine, upgrade
from openimr.errors import OpenIMRError

app = typer.Typer(no_args_is_help=True)
db_app = typer.Typer(help="The case store's database.", no_args_is_help=True)
users_app = typer.Typer(help="API users and their tokens.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")

_DB = typer.Option(None, "--db", help="Database URL, e.g. postgresql+psycopg://user@host/db (default: SQLite in the data dir).")
_DATA = typer.Option(DEFAULT_DATA_DIR, "--data-dir", help="Where the SQLite file and uploaded documents live.")
_CLI_ADMIN = Actor("cli", UserRole.ADMIN)


@app.command()
def serve(
    db: str | None = _DB,
    data_dir: Path = _DATA,
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
) -> None:
    """Run the case-management API (migrating the database first)."""
    import uvicorn

    settings = Settings(db_url=db, data_dir=data_dir)
    application = create_app(settings)
    typer.echo(f"openimr case management on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    typer.echo(f"database: {_redact(settings.url())}")
    command = sys.argv[0] if sys.argv[0].endswith("imr") else "imr"
    on_db = f" --db {_redact(db)}" if db else ""
    typer.echo(f"get a token:  {command} users add NAME --role admin --data-dir {data_dir}{on_db}")
    uvicorn.run(application, host=host, port=port, log_level="warning")


@db_app.command("upgrade")
def db_upgrade(db: str | None = _DB, data_dir: Path = _DATA) -> None:
    """Migrate the database to the latest schema."""
    settings = Settings(db_url=db, data_dir=data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(make_engine(settings.url()))
    typer.echo(f"database at the latest schema: {_redact(settings.url())}")


@users_app.command("add")
def users_add(
    name: str = typer.Argument(..., help="User name."),
    role: UserRole = typer.Option(..., "--role", help="intake, reviewer or admin."),
    reviewer_id: int | None = typer.Option(None, "--reviewer-id", help="For a reviewer: their id in the pool."),
    db: str | None = _DB,
    data_dir: Path = _DATA,
) -> None:
    """Provision a user and print their bearer token (shown once; only its SHA-256 is stored)."""
    from pydantic import ValidationError

    try:
        user = NewUser(name=name, role=role, reviewer_id=reviewer_id)
    except ValidationError as error:
        raise OpenIMRError(error.errors()[0]["msg"], f"user {name}") from None
    created = open_workflow(Settings(db_url=db, data_dir=data_dir)).add_user(user, _CLI_ADMIN)
    typer.echo(created.token)


def _redact(url: str) -> str:
    """A database URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
