"""`imr fhir`: import a Da Vinci PAS request Bundle as a case file, and export a determination as a PAS response."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from openimr.cli.common import settings_from
from openimr.cli.letters import load_determination
from openimr.cli.output import emit
from openimr.errors import OpenIMRError
from openimr.fhir import BundleError, load_pas_request, response_bundle
from openimr.letters import render_letter
from openimr.model import Letter
from openimr.review import review_case
from openimr.review.case_file import load_case

fhir_app = typer.Typer(help="FHIR R4 (Da Vinci PAS): prior-authorization requests in, determinations out.", no_args_is_help=True)


@fhir_app.command("import")
def import_command(
    bundle: Path = typer.Argument(..., help="A PAS request Bundle (JSON)."),
    out: Path | None = typer.Option(None, "--output", "-o", help="Write the case file (JSON) here instead of standard output."),
) -> None:
    """Read a PAS request Bundle into a case file: the Claim's items become disputed items, its records the documents."""
    try:
        case = load_pas_request(bundle).case()
    except BundleError as error:
        raise OpenIMRError(str(error), str(bundle)) from None
    emit((case.model_dump_json(indent=2, exclude_none=True) + "\n").encode(), out, binary=False)


@fhir_app.command("export")
def export_command(
    case: Path = typer.Argument(..., help="A case file (JSON or YAML), e.g. one `imr fhir import` wrote."),
    determination: Path | None = typer.Option(
        None,
        "--determination",
        "-d",
        help="A reviewer's signed determination (JSON), or an issued letter.json, to send instead of drafting one.",
    ),
    letter: bool = typer.Option(True, "--letter/--no-letter", help="Add the letter as a DocumentReference holding the PDF."),
    out: Path | None = typer.Option(None, "--output", "-o", help="Write the response Bundle here instead of standard output."),
) -> None:
    """Answer a case with a PAS response Bundle: a ClaimResponse (each item certified or not certified, with its rationale
    and citation) and the letter. Without --determination the engine drafts it, and the response says so."""
    loaded = load_case(case)
    given = load_determination(determination) if determination else None
    decided = given.determination if isinstance(given, Letter) else given or review_case(loaded)
    pdf = render_letter(given or decided, "pdf", settings_from().organization) if letter else None
    bundle = response_bundle(
        loaded.source_request, loaded.disputed_items, decided, letter_pdf=pdf, final=determination is not None
    )
    emit((json.dumps(json.loads(bundle.model_dump_json(exclude_none=True)), indent=2) + "\n").encode(), out, binary=False)
