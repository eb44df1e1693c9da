"""Plots of a statistics table with matplotlib (Agg canvas, no display): overturn rate per group as horizontal bars
with 95% Wilson intervals, or per period as a line with its interval band. PNG or SVG, returned as bytes.

Every bar is an SVG group with id "bar-N" and every point of a line "point-N", so a reader of the SVG can find them.
"""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from openimr.corpus.records import UNDATED
from openimr.corpus.stats import Group, Table
from openimr.errors import OpenIMRError

PLOT_FORMATS = ("png", "svg")
MAX_BARS = 30
"""Categorical plots show the largest groups, at most this many."""
_BAR = "#3b6ea5"
_INTERVAL = "#1b1b1b"
_LINE = "#b5412f"


def plotted_groups(table: Table) -> list[Group]:
    """The groups a plot of `table` draws: periods with a date, or the `MAX_BARS` largest categories."""
    if table.time:
        return [g for g in table.groups if g.group != UNDATED]
    return table.groups[:MAX_BARS]


def plot(table: Table, fmt: str) -> bytes:
    """The plot of `table` as PNG or SVG bytes."""
    if fmt not in PLOT_FORMATS:
        raise OpenIMRError(f"unknown plot format {fmt!r}; expected {' or '.join(PLOT_FORMATS)}", "--plot")
    groups = plotted_groups(table)
    if not groups:
        raise OpenIMRError("nothing to plot (no groups with data)", "--plot")
    figure = _line(table, groups) if table.time else _bars(table, groups)
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {}
    figure.savefig(buffer, format=fmt, dpi=150, metadata=metadata)
    return buffer.getvalue()


def _title(table: Table, shown: int) -> str:
    unit = table.unit
    left_out = len(table.groups) - shown
    more = f"; {left_out} more groups not shown" if left_out and not table.time else ""
    undated = next((g.items for g in table.groups if g.group == UNDATED), 0) if table.time else 0
    more += f"; {undated} undated {unit} not shown" if undated else ""
    return (
        f"{table.programme}\nOverturn rate by {table.by}: {table.items:,} {unit}, {table.overturned:,} overturned"
        f" (bars: 95% Wilson intervals{more})"
    )


def _bars(table: Table, groups: list[Group]) -> Figure:
    height = 1.6 + 0.32 * len(groups)
    figure = Figure(figsize=(10, height), layout="constrained")
    axes = figure.add_subplot()
    positions = list(range(len(groups)))[::-1]
    rates = [100 * g.rate for g in groups]
    errors = [[100 * (g.rate - g.ci_low) for g in groups], [100 * (g.ci_high - g.rate) for g in groups]]
    bars = axes.barh(positions, rates, color=_BAR, height=0.7)
    for n, bar in enumerate(bars):
        bar.set_gid(f"bar-{n}")
    axes.errorbar(rates, positions, xerr=errors, fmt="none", ecolor=_INTERVAL, elinewidth=1, capsize=3)
    for position, group in zip(positions, groups, strict=True):
        axes.annotate(
            f"{group.overturned}/{group.items}",
            (100 * group.ci_high, position),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=7,
        )
    axes.set_yticks(positions, [_short(g.group) for g in groups], fontsize=8)
    axes.set_xlim(0, 110)
    axes.set_xlabel(f"overturned (% of {table.unit})")
    axes.set_title(_title(table, len(groups)), fontsize=9, loc="left")
    axes.grid(axis="x", alpha=0.3)
    return figure


def _line(table: Table, groups: list[Group]) -> Figure:
    figure = Figure(figsize=(10, 4.8), layout="constrained")
    axes = figure.add_subplot()
    x = list(range(len(groups)))
    rates = [100 * g.rate for g in groups]
    axes.fill_between(x, [100 * g.ci_low for g in groups], [100 * g.ci_high for g in groups], color=_LINE, alpha=0.18, lw=0)
    axes.plot(x, rates, color=_LINE, lw=1.5)
    for n, (position, rate) in enumerate(zip(x, rates, strict=True)):
        (point,) = axes.plot([position], [rate], "o", color=_LINE, ms=4)
        point.set_gid(f"point-{n}")
    step = max(1, len(groups) // 24)
    axes.set_xticks(x[::step], [g.group for g in groups][::step], rotation=45 if len(groups) > 12 else 0, ha="right", fontsize=8)
    axes.set_ylim(0, 100)
    axes.set_ylabel(f"overturned (% of {table.unit})")
    axes.set_title(_title(table, len(groups)).replace("bars:", "band:"), fontsize=9, loc="left")
    axes.grid(alpha=0.3)
    return figure


def _short(label: str, width: int = 48) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"
