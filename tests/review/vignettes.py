"""The guideline vignette suite: synthetic records, written in our own words from each guideline's rule, one file per
topic in `tests/review/vignettes/`.

A vignette either meets one indication of its topic (`meets`: the item is Overturned, and that indication is the one
met) or fails one criterion (`fails`: the item is Upheld, and that criterion is not met; for an exclusion, the
exclusion holds). Each vignette gives at least two wordings of its record: the engine must reach the same decision on
both, so that a rule keyed to one phrasing is caught. A case vignette (`items`) decides several items together (a
surgery and the services that accompany it).
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from openimr.model import Case, CaseDates, Decision, DisputedItem, Document, Patient

VIGNETTES = Path(__file__).parent / "vignettes"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Item(_Strict):
    """One disputed item of a vignette, with the decision expected."""

    request: str
    expect: Decision
    original_request: str | None = None
    authorized: str | None = None
    topic: str | None = Field(default=None, description="The topic expected to decide it (default: the file's topic).")


class Vignette(_Strict):
    """One synthetic case: the request(s), the dates and worker, two or more wordings of the record, and what it tests."""

    id: str
    meets: str | None = Field(default=None, description="Id of the indication the record meets (expect Overturned).")
    fails: str | None = Field(default=None, description="Id of the criterion the record fails (expect Upheld).")
    request: str | None = None
    original_request: str | None = None
    authorized: str | None = None
    items: list[Item] = Field(default_factory=list, description="A case of several items instead of one request.")
    injury: dt.date | None = Field(default=dt.date(2016, 3, 1), description="None: the case header gives no date of injury.")
    ur_decision: dt.date = dt.date(2016, 11, 15)
    age: int | None = 45
    sex: str | None = None
    wordings: list[str] = Field(min_length=2, description="The same record written at least two ways.")

    @model_validator(mode="after")
    def _one_purpose(self) -> Self:
        if (self.request is None) == (not self.items):
            raise ValueError("give either request or items")
        if self.request is not None and (self.meets is None) == (self.fails is None):
            raise ValueError("a single-item vignette either meets an indication or fails a criterion")
        return self

    def case_items(self, topic: str) -> list[Item]:
        """The items of the case, each with its expected decision and topic."""
        if self.items:
            return [item if item.topic else item.model_copy(update={"topic": topic}) for item in self.items]
        assert self.request is not None
        expect = Decision.OVERTURNED if self.meets else Decision.UPHELD
        return [
            Item(
                request=self.request,
                expect=expect,
                original_request=self.original_request,
                authorized=self.authorized,
                topic=topic,
            )
        ]

    def case(self, wording: str) -> Case:
        """The case file of one wording."""
        items = self.items or [Item(request=self.request or "", expect=Decision.UPHELD)]
        disputed = [
            DisputedItem(
                request=i.request if self.items else (self.request or ""),
                original_request=i.original_request if self.items else self.original_request,
                authorized=i.authorized if self.items else self.authorized,
            )
            for i in items
        ]
        return Case(
            dates=CaseDates(injury=self.injury, ur_decision=self.ur_decision),
            patient=Patient(age=self.age, sex=self.sex),
            documents=[Document(id="record", type="progress_report", text=wording)],
            disputed_items=disputed,
        )


class VignetteFile(_Strict):
    """The vignettes of one topic."""

    topic: str
    vignettes: list[Vignette] = Field(min_length=1)


@cache
def vignette_files() -> tuple[VignetteFile, ...]:
    """Every vignette file, validated."""
    return tuple(
        VignetteFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        for path in sorted(VIGNETTES.glob("*.yaml"))
    )
