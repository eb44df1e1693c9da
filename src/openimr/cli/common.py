"""What the case-service commands share: the `--db` and `--data-dir` flags, the settings built from them, and opening
the services with a note when that created a new, empty database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from pydantic import ValidationError
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from openimr.cases.domain import Actor, UserRole
from openimr.cases.services import Services, open_services
from openimr.errors import OpenIMRError
from openimr.settings import Settings, redact

DB = typer.Option(
    None,
    "--db",
    help="Database URL, e.g. postgresql+psycopg://user@host/db [env: OPENIMR_DB; default: SQLite openimr.db in the data dir].",
)
DATA_DIR = typer.Option(
    None, "--data-dir", help="Where the SQLite file and uploaded documents live [env: OPENIMR_DATA_DIR; default: ./var]."
)
CLI_ADMIN = Actor("cli", UserRole.ADMIN)


def settings_from(**flags: Any) -> Settings:
    """Settings from the flags given (None means not given), then the environment, then the defaults."""
    try:
        return Settings(**{name: value for name, value in flags.items() if value is not None})
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "settings"
        raise OpenIMRError(first["msg"], f"setting {where}") from None


@contextmanager
def opening_database(settings: Settings) -> Iterator[None]:
    """Turn a database that cannot be opened (a server not reachable, an unknown URL scheme, a SQLite file that cannot be
    made) into one line naming the database, instead of the driver's traceback."""
    try:
        yield
    except (DBAPIError, NoSuchModuleError, ArgumentError) as error:
        cause = error.orig if isinstance(error, DBAPIError) else error
        problem = next(iter(str(cause).strip().splitlines()), "") or type(cause).__name__
        raise OpenIMRError(f"cannot open the database ({problem})", redact(settings.database_url)) from None


def open_for_command(settings: Settings) -> Services:
    """The services over the settings' database; says so on stderr when the database was empty and has been created,
    since a command run from another folder (or without the server's --db) would otherwise silently use a new one."""
    with opening_database(settings):
        opened = open_services(settings)
    if opened.created:
        typer.echo(
            f"imr: note: no database was at {redact(settings.database_url)}: created a new, empty one. If you meant the "
            "server's database, give the same --db / --data-dir (or OPENIMR_DB / OPENIMR_DATA_DIR) as `imr serve`.",
            err=True,
        )
    return opened.services
