"""`imr corpus add|search|stats|dmhc`: past letters as a searchable, countable corpus in the configured database."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import cast

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table as RichTable
from rich.text import Text

from openimr.cli.common import DATA_DIR, DB, settings_from
from openimr.cli.output import write_atomically
from openimr.corpus.dmhc import GROUPINGS as DMHC_GROUPINGS
from openimr.corpus.dmhc import dmhc_stats
from openimr.corpus.filters import Filters
from openimr.corpus.index import HIGHLIGHT
from openimr.corpus.ingest import add_letters
from openimr.corpus.plots import PLOT_FORMATS, plot
from openimr.corpus.search import MAX_LIMIT, search
from openimr.corpus.stats import GROUPINGS, Grouping, Table, corpus_stats
from openimr.corpus.store import Corpus
from openimr.errors import OpenIMRError
from openimr.model import Decision
from openimr.settings import redact

corpus_app = typer.Typer(
    help="Past determinations as a corpus: add letters, search them, count and plot outcomes.", no_args_is_help=True
)

_DATE = typer.Option(None, formats=["%Y-%m-%d"], help="YYYY-MM-DD (inclusive).")
_DECISION = typer.Option(None, "--decision", case_sensitive=False, help="Upheld or Overturned.")
_CATEGORY = typer.Option(None, "--category", help='Treatment category, e.g. "imaging" (see `imr corpus stats --by category`).')
_TOPIC = typer.Option(None, "--topic", help='Guideline topic, e.g. "imaging_lumbar_spine" (see `stats --by topic`).')
_SPECIALTY = typer.Option(None, "--specialty", help='A board certification of the reviewer, e.g. "Occupational Medicine".')
_JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")
_PLOT = typer.Option(None, "--plot", help="Also draw the table to this file (.png or .svg).")


def _existing(db: str | None, data_dir: Path | None) -> Corpus:
    url = settings_from(db=db, data_dir=data_dir).database_url
    corpus = Corpus.existing(url)
    if corpus is None:
        raise OpenIMRError("no corpus in this database yet (add letters with `imr corpus add`)", redact(url))
    return corpus


def _date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


@corpus_app.command("add")
def add_command(
    letters: list[Path] = typer.Argument(..., help="Letter files (.pdf, .txt, .md) or folders of them."),
    jobs: int = typer.Option(os.cpu_count() or 1, "--jobs", "-j", min=1, help="Processes parsing letters (default: every core)."),
    db: str | None = DB,
    data_dir: Path | None = DATA_DIR,
) -> None:
    """Parse letters into the corpus; a letter added again replaces itself (by case number). Failures are named one a
    line and counted, the others go on; exit 1 when any letter failed."""
    err = Console(stderr=True, highlight=False)
    settings = settings_from(db=db, data_dir=data_dir)
    if settings.db is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    corpus = Corpus.open(settings.database_url)
    with Progress(
        TextColumn("adding letters"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("add", total=None)
        report = add_letters(
            corpus,
            letters,
            workers=jobs,
            on_failure=lambda line: progress.console.print(f"imr: error: {line}", markup=False, soft_wrap=True),
            progress=lambda n: progress.advance(task, n),
            on_start=lambda total: progress.update(task, total=total),
        )
    n_letters, n_items = corpus.counts()
    corpus.close()
    err.print(
        f"added {report.new}, updated {report.replaced}, skipped {report.skipped}, failed {report.failed}; "
        f"corpus: {n_letters} letters, {n_items} items",
        markup=False,
        soft_wrap=True,
    )
    if report.failed:
        raise typer.Exit(1)


@corpus_app.command("search")
def search_command(
    query: str = typer.Argument(..., help='Words, "phrases", OR, -excluded, prefix*.'),
    decision: Decision | None = _DECISION,
    category: str | None = _CATEGORY,
    topic: str | None = _TOPIC,
    start: dt.datetime | None = typer.Option(None, "--from", formats=["%Y-%m-%d"], help="Decided on or after (YYYY-MM-DD)."),
    end: dt.datetime | None = typer.Option(None, "--to", formats=["%Y-%m-%d"], help="Decided on or before (YYYY-MM-DD)."),
    specialty: str | None = _SPECIALTY,
    limit: int = typer.Option(20, "--limit", "-n", min=1, max=MAX_LIMIT, help="How many hits."),
    as_json: bool = _JSON,
    db: str | None = DB,
    data_dir: Path | None = DATA_DIR,
) -> None:
    """Full-text search over requests, rationales and summaries, best first, with the passage that matched."""
    filters = Filters(decision, category, topic, specialty, _date(start), _date(end))
    corpus = _existing(db, data_dir)
    try:
        result = search(corpus, query, filters, limit)
    finally:
        corpus.close()
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    out = Console(highlight=False)
    for rank, hit in enumerate(result.hits, start=1):
        head = Text(f"{rank:>3}. {hit.case_number or '(no case number)'}  {hit.date or 'undated'}  item {hit.position}  ")
        head.append(hit.decision.value, style="bold red" if hit.decision == Decision.OVERTURNED else "bold")
        head.append(f"  {hit.topic or '(no topic)'}", style="dim")
        out.print(head)
        out.print(Text(f"     {hit.item}"))
        out.print(_highlighted(f"     {hit.snippet}"))
    beyond = " (the newest matches; more lie beyond: narrow with filters or dates)" if result.more else ""
    Console(stderr=True, highlight=False).print(
        f"{len(result.hits)} hits, best of {result.ranked} matches ranked{beyond}", markup=False, soft_wrap=True
    )


def _highlighted(snippet: str) -> Text:
    """A snippet with its [matched] words in bold (the brackets kept off)."""
    text = Text()
    pattern = re.compile(re.escape(HIGHLIGHT[0]) + r"(.*?)" + re.escape(HIGHLIGHT[1]))
    position = 0
    for match in pattern.finditer(snippet):
        text.append(snippet[position : match.start()])
        text.append(match.group(1), style="bold yellow")
        position = match.end()
    text.append(snippet[position:])
    return text


@corpus_app.command("stats")
def stats_command(
    by: str = typer.Option("category", "--by", help=f"Group by: {', '.join(GROUPINGS)}."),
    plot_file: Path | None = _PLOT,
    as_json: bool = _JSON,
    category: str | None = _CATEGORY,
    topic: str | None = _TOPIC,
    specialty: str | None = _SPECIALTY,
    start: dt.datetime | None = typer.Option(None, "--from", formats=["%Y-%m-%d"], help="Decided on or after (YYYY-MM-DD)."),
    end: dt.datetime | None = typer.Option(None, "--to", formats=["%Y-%m-%d"], help="Decided on or before (YYYY-MM-DD)."),
    db: str | None = DB,
    data_dir: Path | None = DATA_DIR,
) -> None:
    """Items, overturned items and overturn rate per group with 95% Wilson intervals; --plot draws them."""
    grouping = _grouping(by)
    _plot_format(plot_file)
    filters = Filters(category=category, topic=topic, specialty=specialty, start=_date(start), end=_date(end))
    corpus = _existing(db, data_dir)
    try:
        table = corpus_stats(corpus, grouping, filters)
    finally:
        corpus.close()
    _show(table, plot_file, as_json)


def _grouping(by: str) -> Grouping:
    if by not in GROUPINGS:
        raise OpenIMRError(f"unknown grouping {by!r}; expected one of {', '.join(GROUPINGS)}", "--by")
    return cast(Grouping, by)


@corpus_app.command("dmhc")
def dmhc_command(
    table_file: Path = typer.Argument(..., help="The DMHC IMR table (CSV), e.g. ../shared/data/dmhc/*.csv."),
    by: str = typer.Option("category", "--by", help=f"Group by: {', '.join(DMHC_GROUPINGS)}."),
    plot_file: Path | None = _PLOT,
    as_json: bool = _JSON,
) -> None:
    """Overturn rates of the DMHC health-plan IMR table (a different programme, analysed apart from the corpus)."""
    _plot_format(plot_file)
    _show(dmhc_stats(table_file, by), plot_file, as_json)


def _plot_format(path: Path | None) -> str | None:
    if path is None:
        return None
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in PLOT_FORMATS:
        raise OpenIMRError("a plot file must end in .png or .svg", str(path))
    return fmt


def _show(table: Table, plot_file: Path | None, as_json: bool) -> None:
    fmt = _plot_format(plot_file)
    if plot_file is not None and fmt is not None:
        write_atomically(plot_file, plot(table, fmt))
    if as_json:
        typer.echo(json.dumps(table.model_dump(mode="json"), indent=2))
        return
    rich = RichTable(title=f"{table.programme}: overturn rate by {table.by}", caption=table.note or None)
    rich.add_column(table.by)
    for column in (table.unit, "overturned", "rate", "95% CI"):
        rich.add_column(column, justify="right")
    for group in table.groups:
        rich.add_row(
            group.group,
            f"{group.items:,}",
            f"{group.overturned:,}",
            f"{100 * group.rate:.1f}%",
            f"{100 * group.ci_low:.1f}–{100 * group.ci_high:.1f}%",
        )
    rate = table.overturned / table.items if table.items else 0.0
    rich.add_section()
    rich.add_row("all", f"{table.items:,}", f"{table.overturned:,}", f"{100 * rate:.1f}%", "")
    Console().print(rich)
