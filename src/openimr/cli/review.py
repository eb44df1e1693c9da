"""`imr review CASE` drafts a determination letter for a case file; `imr eval LETTERS...` scores the engine on past letters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from openimr.cli.common import DATA_DIR, DB, settings_from
from openimr.cli.output import emit
from openimr.corpus.evaluate import evaluate, letter_paths
from openimr.corpus.precedents import with_precedents
from openimr.errors import OpenIMRError
from openimr.letters import FORMATS, render_letter
from openimr.review import review_case
from openimr.review.case_file import load_case

_FORMATS = (*FORMATS, "json")


def review(
    case: Path = typer.Argument(..., help="Case file (JSON or YAML)."),
    format: str = typer.Option("md", "--format", "-f", help=f"Output format: {', '.join(_FORMATS)}."),
    out: Path | None = typer.Option(None, "--output", "-o", help="Write here instead of standard output."),
    precedents: bool = typer.Option(
        True, "--precedents/--no-precedents", help="List similar past items from the corpus, when the database has one."
    ),
    db: str | None = DB,
    data_dir: Path | None = DATA_DIR,
) -> None:
    """Draft the determination for a case file: a letter (md, txt, html, pdf) or the Determination as JSON. With a
    corpus in the database (`imr corpus add`), each item lists its precedents."""
    if format not in _FORMATS:
        raise OpenIMRError(f"unknown format {format!r} (choose from {', '.join(_FORMATS)})", "--format")
    settings = settings_from(db=db, data_dir=data_dir)
    determination = review_case(load_case(case))
    if precedents:
        determination = with_precedents(determination, settings.database_url)
    if format == "json":
        data = (determination.model_dump_json(indent=2) + "\n").encode()
    else:
        data = render_letter(determination, format, settings.organization)
    emit(data, out, binary=format == "pdf")


def _table(metrics: dict[str, Any]) -> Table:
    table = Table(title=f"{metrics['letters']} letters, {metrics['items']} items, {metrics['parse_failures']} parse failures")
    table.add_column("category")
    for column in ("items", "accuracy", "overturned", "predicted overturned"):
        table.add_column(column, justify="right")
    for name, row in metrics["per_category"].items():
        table.add_row(name, str(row["items"]), f"{row['accuracy']:.2f}", str(row["overturned"]), str(row["predicted_overturned"]))
    return table


def eval_letters(
    letters: list[Path] = typer.Argument(..., help="Letter files (PDF, text, Markdown) or folders of them."),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as a JSON object."),
    workers: int = typer.Option(1, "--workers", "-j", min=1, help="Processes to parse and review with."),
) -> None:
    """Review the case each letter describes (never its decisions) and score the drafts against the letters."""
    total = len(letter_paths(letters))
    console = Console(stderr=True)
    with Progress(TextColumn("reviewing"), BarColumn(), MofNCompleteColumn(), console=console, transient=True) as progress:
        task = progress.add_task("letters", total=total)
        metrics = evaluate(letters, workers=workers, progress=lambda n: progress.advance(task, n))
    if as_json:
        typer.echo(json.dumps(metrics, indent=2))
        return
    out = Console()
    out.print(_table(metrics))
    for key in (
        "accuracy",
        "balanced_accuracy",
        "macro_f1",
        "overturned_precision",
        "overturned_recall",
        "citation_agreement",
        "topic_coverage",
    ):
        out.print(f"{key}: {metrics[key]:.3f}")
