"""`imr check CASE`: the requesting side's pre-submission check of a case file (the planned items as disputed items)."""

from __future__ import annotations

from pathlib import Path

import typer

from openimr.cli.output import emit
from openimr.errors import OpenIMRError
from openimr.review.case_file import load_case
from openimr.review.precheck import FORMATS, check_case, render_check


def check(
    case: Path = typer.Argument(..., help="Case file (JSON or YAML) whose disputed items are the planned requests."),
    format: str = typer.Option("md", "--format", "-f", help=f"Output format: {', '.join(FORMATS)}."),
    out: Path | None = typer.Option(None, "--output", "-o", help="Write here instead of standard output."),
) -> None:
    """Before a request is sent: what the guideline asks the record to document, what it documents, what is missing to
    meet the nearest indication, and the likely outcome."""
    if format not in FORMATS:
        raise OpenIMRError(f"unknown format {format!r} (choose from {', '.join(FORMATS)})", "--format")
    data = render_check(check_case(load_case(case)), format)
    emit(data, out, binary=format == "pdf")
