"""`imr letters`: read Final Determination Letters into JSON records, and write a determination out as a letter."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from openimr.cli.common import settings_from
from openimr.cli.output import write_atomically
from openimr.errors import OpenIMRError
from openimr.letters import FORMATS, parse_letter, render_letter
from openimr.letters.files import collect_letters
from openimr.model import Determination, Letter

letters_app = typer.Typer(help="Read and write IMR Final Determination Letters.", no_args_is_help=True)

PROGRESS_THRESHOLD = 10
"""Show a progress bar from this many letters on."""


@letters_app.command("parse")
def parse_command(
    paths: list[Path] = typer.Argument(..., help="Letter files (.pdf, .txt, .md) or directories holding them."),
    jsonl: Path | None = typer.Option(None, "--jsonl", help="Write the JSON records to this file instead of stdout."),
) -> None:
    """Parse letters into one JSON record per letter; report failures and go on; exit 1 when any letter failed.

    The JSON Lines file is written whole at the end, and not at all when no letter parsed (an earlier file is kept)."""
    err = Console(stderr=True, highlight=False)
    found = collect_letters(paths)
    letters, skipped, missing = found.letters, found.skipped, found.missing
    records: list[str] = []
    failed = len(missing)
    for path in missing:
        err.print(f"imr: error: {path}: no such file or directory", markup=False, soft_wrap=True)
    with Progress(
        TextColumn("parsing letters"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=len(letters) < PROGRESS_THRESHOLD,
        transient=True,
    ) as progress:
        task = progress.add_task("parse", total=len(letters))
        for path in letters:
            try:
                record = parse_letter(path).model_dump_json()
            except OpenIMRError as error:
                failed += 1
                progress.console.print(f"imr: error: {error}", markup=False, soft_wrap=True)
            else:
                if jsonl is None:
                    sys.stdout.write(record + "\n")
                else:
                    records.append(record)
            progress.advance(task)
    if jsonl is not None and records:
        write_atomically(jsonl, "".join(r + "\n" for r in records).encode("utf-8"))
    elif jsonl is not None:
        err.print(f"imr: {jsonl}: not written (no letter parsed)", markup=False, soft_wrap=True)
    parsed = len(letters) - (failed - len(missing))
    err.print(f"parsed {parsed}, skipped {skipped}, failed {failed}", markup=False, soft_wrap=True)
    if failed:
        raise typer.Exit(1)


@letters_app.command("render")
def render_command(
    determination: Path = typer.Argument(
        ..., help="A Determination as JSON (e.g. one record of `imr letters parse`), or a whole Letter (an issued letter.json)."
    ),
    fmt: str = typer.Option(..., "--format", help=f"Output format: {', '.join(FORMATS)}."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the letter here instead of stdout."),
) -> None:
    """Write a determination as a letter in the 2014+ layout (naming the organization of the `OPENIMR_ORG_*` settings), or
    a whole letter as issued."""
    if fmt not in FORMATS:
        raise OpenIMRError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}", "--format")
    letter = render_letter(load_determination(determination), fmt, settings_from().organization)
    if output is None:
        sys.stdout.buffer.write(letter)
        sys.stdout.flush()
    else:
        write_atomically(output, letter)


def load_determination(path: Path) -> Determination | Letter:
    """A `Determination`, or a whole `Letter` (JSON with a "determination"), from a JSON file; `OpenIMRError` naming the
    file for unreadable or invalid JSON."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error.__class__.__name__
        raise OpenIMRError(f"cannot read file ({reason})", str(path)) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise OpenIMRError(f"not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})", str(path)) from None
    try:
        if isinstance(data, dict) and "determination" in data:
            return Letter.model_validate(data)
        return Determination.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise OpenIMRError(f"not a determination: {where}: {first['msg']}", str(path)) from None
