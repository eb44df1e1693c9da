"""The `imr` command line: thin adapters over the stages."""

from __future__ import annotations

import sys

import typer

from openimr import __version__
from openimr.cli.audit import audit_app
from openimr.cli.corpus import corpus_app
from openimr.cli.db import db_app, keys_app
from openimr.cli.fhir import fhir_app
from openimr.cli.letters import letters_app
from openimr.cli.serve import serve
from openimr.cli.users import tokens_app, users_app
from openimr.cli.worker import worker
from openimr.errors import OpenIMRError

app = typer.Typer(
    name="imr",
    help="openimr: read and write IMR letters, review cases, run the IMR workflow.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


app.add_typer(letters_app, name="letters")
app.add_typer(fhir_app, name="fhir")
app.add_typer(corpus_app, name="corpus")


@app.callback()
def _root() -> None:
    """openimr: read and write IMR letters, review cases, run the IMR workflow."""


@app.command()
def version() -> None:
    """Print the openimr version."""
    typer.echo(__version__)


app.command("serve")(serve)
app.command("worker")(worker)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(audit_app, name="audit")

from openimr.cli.check import check  # noqa: E402
from openimr.cli.review import eval_letters, review  # noqa: E402

app.command("review")(review)
app.command("eval")(eval_letters)
app.command("check")(check)


def main() -> None:
    """Entry point: run the CLI; an `OpenIMRError` becomes one line on stderr and exit status 2."""
    try:
        app()
    except OpenIMRError as error:
        typer.echo(f"imr: error: {error}", err=True)
        sys.exit(2)
