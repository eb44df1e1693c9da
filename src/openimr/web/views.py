"""What the reviewer's case page shows, made from the draft: the records cut at the evidence spans, and each item's
criteria grouped (by indication, when the engine groups them) with the spans each rests on.

Items are read as JSON, generically: criteria are the objects with an id, a text and a status under any "criteria"
list, and a group is the object holding that list (the item itself, or an indication inside it), so a richer engine
output shows without changes here.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

_GROUP_LABELS = ("name", "label", "title", "text", "id")


@dataclass
class CriterionRow:
    """One criterion as the page lists it."""

    id: str
    text: str
    status: str
    note: str
    engine_status: str
    overridden: bool
    override_note: str
    spans: str = ""
    """The ids of its evidence spans, space-separated."""
    anchor: str | None = None
    """The element its link points at: where its first span starts in the record (set once the record is cut)."""


@dataclass
class CriteriaGroup:
    """The criteria of one indication (or of the item, `label` None)."""

    label: str | None
    criteria: list[CriterionRow] = field(default_factory=list)


@dataclass
class Spans:
    """Every evidence span of the page, each with one id, by document."""

    ids: dict[tuple[str, int, int], str] = field(default_factory=dict)

    def id_for(self, document_id: str, start: int, end: int) -> str:
        """The span's id, given on first sight."""
        key = (document_id, start, end)
        if key not in self.ids:
            self.ids[key] = f"ev-{len(self.ids) + 1}"
        return self.ids[key]

    def in_document(self, document_id: str) -> list[tuple[str, int, int]]:
        """The spans of one document as (id, start, end)."""
        return [(span_id, start, end) for (doc, start, end), span_id in self.ids.items() if doc == document_id]


def _is_criterion(node: Any) -> bool:
    return isinstance(node, Mapping) and {"id", "text", "status"} <= node.keys()


def _criterion_row(node: Mapping[str, Any], spans: Spans) -> CriterionRow:
    override = node.get("override") or {}
    ids = []
    for span in node.get("evidence") or []:
        if isinstance(span, Mapping) and {"document_id", "start", "end"} <= span.keys():
            ids.append(spans.id_for(str(span["document_id"]), int(span["start"]), int(span["end"])))
    unique = list(dict.fromkeys(ids))
    return CriterionRow(
        id=str(node["id"]),
        text=str(node["text"]),
        status=str(node["status"]),
        note=str(node.get("note") or ""),
        engine_status=str(override.get("engine_status") or node["status"]),
        overridden=bool(override),
        override_note=str(override.get("note") or ""),
        spans=" ".join(unique),
    )


def criteria_groups(item: Mapping[str, Any], spans: Spans) -> list[CriteriaGroup]:
    """The item's criteria, grouped by the object that lists them, in the item's order."""
    groups: list[CriteriaGroup] = []

    def walk(node: Mapping[str, Any], label: str | None) -> None:
        listed = node.get("criteria")
        if isinstance(listed, list) and any(_is_criterion(c) for c in listed):
            groups.append(CriteriaGroup(label, [_criterion_row(c, spans) for c in listed if _is_criterion(c)]))
        for key, value in node.items():
            if key in ("criteria", "evidence") or not isinstance(value, list):
                continue
            for child in value:
                if isinstance(child, Mapping) and not _is_criterion(child):
                    walk(child, next((str(child[k]) for k in _GROUP_LABELS if child.get(k)), key))

    walk(item, None)
    return groups


Segment = tuple[str, str, str | None]
"""A piece of a record: its text, the ids of the evidence spans covering it, and its element id when spans start there."""


def record_segments(text: str, spans: Sequence[tuple[str, int, int]]) -> tuple[list[Segment], dict[str, str]]:
    """The text cut where evidence spans begin and end, and for each span the element id of the piece it starts on
    (spans starting at the same place share one). Spans are clipped to the text; overlapping spans are both kept."""
    bounded = [(span_id, max(0, start), min(len(text), end)) for span_id, start, end in spans]
    bounded = [(span_id, start, end) for span_id, start, end in bounded if start < end]
    cuts = sorted({0, len(text), *(s for _, s, _ in bounded), *(e for _, _, e in bounded)})
    segments: list[Segment] = []
    anchors: dict[str, str] = {}
    for start, end in itertools.pairwise(cuts):
        covering = [span_id for span_id, s, e in bounded if s <= start and end <= e]
        starting = [span_id for span_id, s, _ in bounded if s == start]
        element = starting[0] if starting else None
        anchors.update(dict.fromkeys(starting, element or ""))
        segments.append((text[start:end], " ".join(covering), element))
    return segments, anchors
