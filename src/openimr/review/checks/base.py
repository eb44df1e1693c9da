"""The registry of checks, what a check may look at, and what it returns.

A check is a small function that evaluates one guideline criterion against the record. Its parameters are a pydantic
model of its own (unknown keys and wrong types are errors when a topic is loaded, so `needs: [quantty]` or
`mx_weeks: 3` cannot silently change a decision). A check that cannot compute what it needs (a dose, a count) returns
insufficient, never met; one that finds the record silent says so (`Outcome.silent`), and the criterion's `if_silent`
decides what silence means.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from openimr.errors import OpenIMRError
from openimr.evidence import Evidence
from openimr.model import Case, CriterionStatus, Fact, Span, Treatment
from openimr.requests import parse_disputed_item, parse_request
from openimr.review.structure import POSTSURGICAL_MONTHS, Primary, line_of, phase_of

MET, NOT_MET, INSUFFICIENT = CriterionStatus.MET, CriterionStatus.NOT_MET, CriterionStatus.INSUFFICIENT


class Params(BaseModel):
    """Base of every check's parameters: unknown keys are errors. `fact_fields` and `lexicon_fields` name the fields
    whose values must be known fact names or groups, and lexicon names ((field, lexicon) pairs), checked on load."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fact_fields: ClassVar[tuple[str, ...]] = ()
    lexicon_fields: ClassVar[tuple[tuple[str, str], ...]] = ()


class NoParams(Params):
    """A check that takes no parameters."""


P = TypeVar("P", bound=Params)


@dataclass(frozen=True)
class CheckContext:
    """What a check may look at: the case, the parsed request (its disputed part), the evidence, and the item's place
    in the case (its number and, for a dependent service, the surgery it accompanies)."""

    case: Case
    treatment: Treatment
    evidence: Evidence
    item: int = 0
    primary: Primary = field(default_factory=Primary)
    known_phase: Fact | None = None
    """The phase of care when the caller has it already."""
    parsed_items: tuple[Treatment, ...] = ()
    """Every disputed item of the case, parsed, when the caller has them already."""

    @cached_property
    def items(self) -> tuple[Treatment, ...]:
        """Every disputed item of the case, parsed (the case's other requests, and the surgery a service follows)."""
        return self.parsed_items or tuple(parse_disputed_item(item) for item in self.case.disputed_items)

    @property
    def ur_decision(self) -> dt.date | None:
        """The UR decision date, the "as of" date for durations."""
        return self.case.dates.ur_decision

    def weeks_since_injury(self) -> float | None:
        """Weeks from the date of injury to the UR decision, when both are known."""
        injury, ur = self.case.dates.injury, self.case.dates.ur_decision
        return (ur - injury).days / 7 if injury and ur else None

    @cached_property
    def requested_sessions(self) -> int | None:
        """Visits the request asks for in all: for a modified request, the original request (authorized plus
        disputed)."""
        if self.treatment.original_request:
            original = parse_request(self.treatment.original_request).sessions
            if original is not None:
                return original
        return self.treatment.sessions

    @cached_property
    def phase(self) -> Fact:
        """The phase of care (`openimr.review.structure.phase_of`), with the default postsurgical period."""
        return self.known_phase or phase_of(self.case, self.treatment, self.evidence, POSTSURGICAL_MONTHS)

    def line(self, family: Iterable[str], after_surgery: bool = False) -> Fact:
        """The line of treatment, a course of any of `family` counting as given (with `after_surgery`, only one the
        record does not place before the surgery: `line_of`)."""
        return line_of(self.treatment, self.evidence, list(family), after_surgery)


@dataclass(frozen=True)
class Outcome:
    """A check's verdict on one criterion: status, the facts it rests on, a note for the rationale, and whether the
    record is silent on it (then the criterion's `if_silent` decides the status)."""

    status: CriterionStatus
    facts: list[Fact] = field(default_factory=list)
    note: str = ""
    silent: bool = False

    def spans(self) -> list[Span]:
        """The evidence spans of the facts the verdict rests on."""
        return [span for fact in self.facts for span in fact.spans]


def silence(note: str = "the record does not document it", facts: list[Fact] | None = None) -> Outcome:
    """The outcome of a check that finds nothing in the record on its criterion."""
    return Outcome(INSUFFICIENT, facts or [], note, silent=True)


@dataclass(frozen=True)
class Check(Generic[P]):
    """A registered check: its name, parameter model, function and what it checks (its docstring)."""

    name: str
    params: type[P]
    function: Callable[[CheckContext, P], Outcome]

    def validate(self, raw: dict[str, Any], where: str) -> P:
        """The parameters of one criterion, validated; a problem is an `OpenIMRError` naming `where` and the key."""
        try:
            return self.params.model_validate(raw)
        except ValidationError as error:
            first = error.errors()[0]
            key = ".".join(str(p) for p in first["loc"]) or "params"
            raise OpenIMRError(f"check {self.name!r}: {key}: {first['msg']}", where) from None

    def __call__(self, context: CheckContext, params: Params) -> Outcome:
        assert isinstance(params, self.params)
        return self.function(context, params)


CHECKS: dict[str, Check[Any]] = {}


def check(name: str, params: type[P]) -> Callable[[Callable[[CheckContext, P], Outcome]], Callable[[CheckContext, P], Outcome]]:
    """Register a check under the name topics use, with its parameter model."""

    def register(function: Callable[[CheckContext, P], Outcome]) -> Callable[[CheckContext, P], Outcome]:
        if name in CHECKS:
            raise ValueError(f"check {name!r} registered twice")
        CHECKS[name] = Check(name, params, function)
        return function

    return register


def names(facts: Iterable[Fact]) -> str:
    """The distinct names of some facts, joined for a note."""
    return ", ".join(dict.fromkeys(f.name for f in facts))
