"""Plots read back: a PNG Pillow opens at the expected size, an SVG with one bar per group (or one point per period)."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from openimr.corpus.plots import MAX_BARS, plot, plotted_groups
from openimr.corpus.records import UNDATED
from openimr.corpus.stats import Table, corpus_stats
from openimr.corpus.store import Corpus
from openimr.errors import OpenIMRError

SVG = "{http://www.w3.org/2000/svg}"


def _ids(svg: bytes, prefix: str) -> list[str]:
    root = ET.fromstring(svg)
    return sorted((e.get("id") or "" for e in root.iter(f"{SVG}g") if (e.get("id") or "").startswith(prefix)), key=len)


def _bar_widths(svg: bytes) -> list[float]:
    """The drawn width of each bar (its path's horizontal extent), in bar order."""
    root = ET.fromstring(svg)
    widths = []
    for n in range(len(_ids(svg, "bar-"))):
        group = next(e for e in root.iter(f"{SVG}g") if e.get("id") == f"bar-{n}")
        path = next(group.iter(f"{SVG}path"))
        xs = [float(x) for x in re.findall(r"[ML] (-?[\d.]+) ", path.get("d", ""))]
        widths.append(max(xs) - min(xs))
    return widths


def test_bars_one_per_group_with_lengths_in_rate_order(shared_corpus: Corpus) -> None:
    table = corpus_stats(shared_corpus, "specialty")
    svg = plot(table, "svg")
    expected = min(len(table.groups), MAX_BARS)
    assert _ids(svg, "bar-") == [f"bar-{n}" for n in range(expected)]
    widths = _bar_widths(svg)
    rates = [g.rate for g in plotted_groups(table)]
    top = max(range(len(rates)), key=rates.__getitem__)
    assert widths[top] == max(widths)
    assert all(w == pytest.approx(0, abs=1e-6) for w, r in zip(widths, rates, strict=True) if r == 0)


def test_a_period_table_is_a_line_with_a_point_per_dated_period(shared_corpus: Corpus) -> None:
    table = corpus_stats(shared_corpus, "month")
    svg = plot(table, "svg")
    dated = [g for g in table.groups if g.group != UNDATED]
    assert _ids(svg, "point-") == [f"point-{n}" for n in range(len(dated))]
    assert _ids(svg, "bar-") == []


def test_png_is_a_valid_image_growing_with_the_groups() -> None:
    small = Table.of_counts("Test programme", "category", {"a": (10, 3), "b": (5, 0)}, time=False)
    large = Table.of_counts("Test programme", "category", {f"g{n}": (10 + n, n % 7) for n in range(25)}, time=False)
    images = []
    for table in (small, large):
        data = plot(table, "png")
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        image = Image.open(io.BytesIO(data))
        image.verify()
        images.append(Image.open(io.BytesIO(data)))
    assert images[0].format == "PNG" and images[0].size[0] == 1500
    assert images[1].size[1] > images[0].size[1]


def test_too_many_groups_show_the_largest() -> None:
    table = Table.of_counts("Test programme", "topic", {f"t{n:02d}": (100 - n, 1) for n in range(40)}, time=False)
    assert _ids(plot(table, "svg"), "bar-") == [f"bar-{n}" for n in range(MAX_BARS)]


def test_unknown_format_and_empty_table_are_errors() -> None:
    table = Table.of_counts("Test programme", "year", {UNDATED: (3, 1)}, time=True)
    with pytest.raises(OpenIMRError, match="nothing to plot"):
        plot(table, "svg")
    with pytest.raises(OpenIMRError, match="unknown plot format"):
        plot(table, "jpg")
