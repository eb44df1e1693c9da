"""Pydantic schemas of the review knowledge: guideline catalogue per era, guideline topics, and evidence term lists.

Every file is validated on load and unknown keys are errors, so a misspelt key in a topic cannot silently change a
decision. A topic names the checks that evaluate its criteria; the checks themselves are code (`openimr.review.checks`).
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Annotated, Any, Literal, Self

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from openimr.knowledge.terms import with_variants
from openimr.model import TreatmentKind


def compiled_patterns(patterns: list[str]) -> list[str]:
    """The patterns, each checked to be a valid regular expression and widened to the shorthand of clinical notes
    (`with_variants`: "w/o" for "without", "was" for "is")."""
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"bad pattern {pattern!r}: {error}") from None
    return [with_variants(pattern) for pattern in patterns]


Patterns = Annotated[list[str], AfterValidator(compiled_patterns)]
"""A list of regular expressions in knowledge or check parameters, validated and widened on load (`compiled_patterns`)."""


class _Knowledge(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Era(StrEnum):
    """Regulatory era of a UR decision (domain.md §0.2): it picks the criteria wording and the citation format."""

    MTUS_2009 = "2009"
    """Up to 28 Jul 2016: 2009 Chronic Pain guidelines with page numbers; ACOEM 2004 chapters."""
    MTUS_2016 = "2016"
    """29 Jul 2016 to 30 Nov 2017: the 2016 Chronic Pain update and the DWC Opioids guideline, cited by section name."""
    MTUS_2017 = "2017"
    """From 1 Dec 2017: ACOEM guidelines incorporated by reference; drug formulary from 1 Jan 2018."""


class GuidelineEdition(_Knowledge):
    """One guideline of the catalogue as it was in force during one era."""

    era: Era
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    edition: str = Field(description='Year or edition letters print, e.g. "2004", "2009", "2016".')
    title: str | None = Field(default=None, description="The guideline's name in this era, when it differs from its title.")
    citation_format: str = Field(
        description="How letters of this era write a citation: fields {guideline}, {chapter}, {edition}, {sections}, {pages}."
    )


class Guideline(_Knowledge):
    """A guideline (MTUS part or non-MTUS source) and its editions per era."""

    id: str
    mtus: bool
    source: str = Field(description='"MTUS", "ACOEM", "ODG" or another named source.')
    title: str = Field(description='The guideline part as letters name it, e.g. "Low Back Complaints".')
    regulation: str | None = Field(default=None, description="8 CCR section, for MTUS parts.")
    chapter: str | None = Field(default=None, description="ACOEM 2004 chapter number, printed in 2009-era citations.")
    editions: list[GuidelineEdition] = Field(min_length=1)

    def edition_for(self, era: Era) -> GuidelineEdition | None:
        """The edition in force during `era`, if the guideline existed then."""
        return next((e for e in self.editions if e.era == era), None)


class Catalogue(_Knowledge):
    """The guideline catalogue: every guideline a topic may cite."""

    guidelines: list[Guideline] = Field(min_length=1)


class CitationSpec(_Knowledge):
    """What a topic cites in one era: a guideline of the catalogue, its sections and (2009 style) pages."""

    guideline: str = Field(description="Id of a catalogue guideline.")
    sections: list[str] = Field(default_factory=list)
    pages: str | None = None
    regions: list[str] = Field(
        default_factory=list,
        description="Body regions (of the body-part lexicon) this citation is for, e.g. an ODG body-part chapter; "
        "empty: every request. A request naming a region cites only the specs for its regions, when it has some.",
    )


class TopicCitations(_Knowledge):
    """A topic's citations in one era (the first is primary, the rest are supporting, e.g. a non-MTUS source)."""

    era: Era
    cite: list[CitationSpec] = Field(min_length=1)


class AppliesTo(_Knowledge):
    """Which requests a topic covers, named by the parsed `Treatment` (`openimr.requests`).

    A request is named by the topic when its drug generic is in `generics`, its drug class in `drug_classes`, its
    category (drug subclass or procedure category) in `categories`, or its procedure in `procedures`: every such name
    must exist in the lexicons (`knowledge/lexicons/`), which is checked on load. `request_terms` is the fallback for
    what the lexicons do not name (prefer adding the name to a lexicon) and for wording that is not a name (a dosage
    form, "post-op"). A named request is then kept only when one of its body parts is among `body_parts` (when given)
    and no `exclude_terms` pattern is found in it.
    """

    generics: list[str] = Field(default_factory=list, description="Drug generic names of the drug lexicon.")
    drug_classes: list[str] = Field(default_factory=list, description="Drug classes of the drug lexicon.")
    categories: list[str] = Field(default_factory=list, description="Drug subclasses or procedure categories of the lexicons.")
    procedures: list[str] = Field(default_factory=list, description="Procedure names of the procedure lexicon.")
    request_terms: Patterns = Field(
        default_factory=list, description="Fallback regular expressions, matched case-insensitively."
    )
    exclude_terms: Patterns = Field(default_factory=list)
    body_parts: list[str] = Field(
        default_factory=list, description="Body parts of the body-part lexicon (one must be named); empty means any."
    )
    postoperative: bool | None = Field(
        default=None,
        description="True: only requests that accompany a surgery (post-operative, associated surgical service); False: "
        "only requests that do not; empty: either.",
    )

    @model_validator(mode="after")
    def _names_something(self) -> Self:
        if not (self.generics or self.drug_classes or self.categories or self.procedures or self.request_terms):
            raise ValueError("names no generics, drug_classes, categories, procedures or request_terms")
        return self


Silence = Literal["met", "not_met", "insufficient"]


class Criterion(_Knowledge):
    """One guideline criterion: the rule a reviewer states, and the check that evaluates it against the record.

    `params` are validated against the check's own parameter model when the topic is loaded (a misspelt key is an
    error). `if_silent` says, from the guideline's own wording, what a record that says nothing on the criterion
    means: a first course of therapy needs no proof of a prior course ("met"), a continuation needs documented
    improvement ("insufficient", which fails the indication as not met does, and is flagged "record silent").

    A criterion written `{use: NAME}` is the one of `knowledge/criteria/NAME.yaml`: the one home of a rule that
    several topics state alike (the same guideline sentence read the same way)."""

    id: str
    text: str = Field(description="The rule as a reviewer states it.")
    check: str = Field(description="Name of a registered check in openimr.review.checks.")
    params: dict[str, Any] = Field(default_factory=dict)
    if_silent: Silence = Field(default="insufficient", description="What a record silent on the criterion means.")
    missing: str = Field(default="", description="How the rationale states that the record does not meet it.")

    @model_validator(mode="before")
    @classmethod
    def _shared(cls, data: Any) -> Any:
        return _used(data, "criteria", "criterion")


class Indication(_Knowledge):
    """One path by which the guideline supports the treatment: criteria that together justify it (all must be met).
    Any one indication of a topic suffices.

    An indication written `{use: NAME}` is the one of `knowledge/indications/NAME.yaml`: the one home of a path that
    several topics take alike (the same guideline rule read the same way: chronic opioid treatment continues under
    the same criteria before and after an operation)."""

    id: str
    text: str = Field(description="The indication as a reviewer states it.")
    rule: str = Field(default="", description="The guideline's own sentence it comes from, paraphrased.")
    criteria: list[Criterion] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _shared(cls, data: Any) -> Any:
        return _used(data, "indications", "indication")


def _used(data: Any, folder: str, kind: str) -> Any:
    """An entry written `{use: NAME}` replaced by the shared `kind` of `knowledge/FOLDER/NAME.yaml`; any other entry
    as it is."""
    if not isinstance(data, dict) or "use" not in data:
        return data
    if set(data) != {"use"}:
        raise ValueError(f"a shared {kind} is used as written: 'use' takes no other keys")
    return dict(_shared_entry(folder, kind, str(data["use"])))


@cache
def _shared_entry(folder: str, kind: str, name: str) -> dict[str, Any]:
    """The `kind` of `knowledge/FOLDER/NAME.yaml` (e.g. the indication `indications/opioid_maintenance.yaml`), as
    written: the one home of an entry several topics use alike (`Criterion`, `Indication`). Its `id` is its name."""
    resource = resources.files("openimr.knowledge").joinpath(folder, f"{name}.yaml")
    if not resource.is_file():
        raise ValueError(f"no shared {kind} {name!r} in knowledge/{folder}")
    data = yaml.safe_load(resource.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("id") != name:
        raise ValueError(f"knowledge/{folder}/{name}.yaml does not hold the {kind} with id {name!r}")
    return data


class Topic(_Knowledge):
    """One guideline topic as a decision path: what it applies to, where it comes from, the requirements every path
    needs, its indications (any one suffices), its exclusions (any one vetoes), citations and phrasing.

    A topic the guideline does not recommend at all has `recommended: false` and no indications."""

    id: str
    title: str
    category: str = Field(description="Treatment category for statistics, e.g. 'muscle relaxant', 'imaging'.")
    rank: int = Field(default=50, description="Lower ranks are tried first (more specific topics, MTUS before others).")
    source: str
    section: str
    pages: str | None = None
    applies_to: AppliesTo
    guideline_rule: str = Field(description="The guideline's rule, paraphrased, that opens the rationale.")
    recommended: bool = Field(default=True, description="False when the guideline does not recommend the treatment at all.")
    dependent: bool = Field(
        default=False,
        description="A service that accompanies a surgery (pre-operative, post-operative, assistant): necessary only when "
        "the surgery is certified, performed or found necessary in the same case.",
    )
    whole_worker: bool = Field(
        default=False,
        description="A dependent test of the whole worker before surgery (a chest radiograph): the body part its request "
        "names is where the test is done, not the site of the surgery it goes with.",
    )
    requirements: list[Criterion] = Field(default_factory=list)
    indications: list[Indication] = Field(default_factory=list)
    exclusions: list[Criterion] = Field(default_factory=list)
    citations: list[TopicCitations] = Field(min_length=1)

    @model_validator(mode="after")
    def _decision_path(self) -> Self:
        if self.recommended and not self.indications:
            raise ValueError("a recommended topic needs at least one indication")
        if not self.recommended and self.indications:
            raise ValueError("a topic that is not recommended has no indications")
        ids = [c.id for c in self.all_criteria()] + [i.id for i in self.indications]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"ids must be unique within a topic: {', '.join(duplicates)}")
        return self

    def all_criteria(self) -> list[Criterion]:
        """Every criterion of the topic: requirements, each indication's criteria, exclusions."""
        return [*self.requirements, *(c for i in self.indications for c in i.criteria), *self.exclusions]


class GeneralRequirement(_Knowledge):
    """A requirement every topic of some kinds of treatment needs (e.g. a drug request states its quantity)."""

    kinds: list[TreatmentKind] = Field(min_length=1)
    except_routes: list[str] = Field(
        default_factory=list, description='Routes it does not apply to (a drug given as an injection is one administration).'
    )
    criterion: Criterion


class GeneralRequirements(_Knowledge):
    """The general requirements file: `knowledge/general.yaml`."""

    requirements: list[GeneralRequirement] = Field(default_factory=list)


class TermPattern(_Knowledge):
    """A named thing the record may mention and the regular expressions that find it."""

    name: str
    patterns: Patterns = Field(min_length=1)
    group: str | None = Field(default=None, description="A wider name the fact also answers to, e.g. 'neuro_deficit'.")
    normal: bool = Field(
        default=False,
        description="The patterns state that the finding is absent, as a normal examination does ('the neurological "
        "examination is normal'): a match is the finding negated.",
    )
    review: bool = Field(
        default=False,
        description="The patterns name a review that is documented whatever it found ('aberrant behaviour' in 'no "
        "aberrant behaviour was noted'): a negation says what the review found, and the fact stays present.",
    )
    test: bool = Field(
        default=False,
        description="The patterns name a test or study ('urine drug screen'): a word reporting its result ('the drug "
        "screen was negative', 'negative UDS') says what it found, not that it was not done, and the fact stays "
        "present; a negation of the test itself ('no drug screen on file') still negates it.",
    )
    neurological: bool = Field(
        default=False,
        description="A sign of the nerves: a limb it is found in also places it at the spine part supplying the limb "
        "(weakness of the ankle is a sign about the lumbar spine); see the body-part lexicon's nerve_supply.",
    )

    @model_validator(mode="after")
    def _one_reading(self) -> Self:
        if self.normal and (self.review or self.test):
            raise ValueError(f"term {self.name!r} cannot be both normal and review or test")
        return self


class TermList(_Knowledge):
    """An evidence family's term list: one file per fact family (findings, diagnoses, prior treatments ...)."""

    family: str
    terms: list[TermPattern] = Field(min_length=1)
