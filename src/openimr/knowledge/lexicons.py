"""Lexicons: drugs (class, route, morphine-equivalent factors), procedures and body parts, as validated YAML.

The data lives in `knowledge/lexicons/*.yaml`; this module holds their models, cached loaders and compiled term
matchers. Each loader reads its file once per process.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from openimr.errors import OpenIMRError
from openimr.knowledge import load_knowledge
from openimr.knowledge.terms import TermMatcher, is_case_sensitive, normalise_term
from openimr.model import TreatmentKind

__all__ = [
    "BodyPart",
    "BodyPartLexicon",
    "Drug",
    "DrugLexicon",
    "Laterality",
    "MMEConversion",
    "MMETier",
    "Procedure",
    "ProcedureCombination",
    "ProcedureLexicon",
    "SpinalLevelPrefix",
    "body_part_lexicon",
    "body_part_matcher",
    "body_regions",
    "drug_lexicon",
    "drug_matcher",
    "laterality_matcher",
    "procedure_lexicon",
    "procedure_matcher",
    "same_body_region",
]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MMETier(_Entry):
    """One band of a dose-dependent conversion (methadone): the factor applies up to `up_to` per day."""

    up_to: float = Field(gt=0)
    factor: float = Field(gt=0)


class MMEConversion(_Entry):
    """Morphine milligram equivalent conversion for one opioid (CDC 2016 table)."""

    opioid: str
    unit: Literal["mg", "mcg/h"]
    factor: float | None = Field(default=None, gt=0)
    tiers: list[MMETier] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_rule(self) -> Self:
        if (self.factor is None) == (not self.tiers):
            raise ValueError(f"{self.opioid}: give either a factor or tiers")
        return self

    def factor_for(self, daily_dose: float) -> float:
        """The conversion factor for a total daily dose in `unit`; a dose beyond the table is an error."""
        if self.factor is not None:
            return self.factor
        for tier in self.tiers:
            if daily_dose <= tier.up_to:
                return tier.factor
        raise OpenIMRError(
            f"{daily_dose:g} {self.unit}/day is beyond the conversion table (max {self.tiers[-1].up_to:g})", self.opioid
        )

    def morphine_equivalent(self, daily_dose: float) -> float:
        """Morphine milligram equivalents per day for a total daily dose in `unit`."""
        return daily_dose * self.factor_for(daily_dose)


class Drug(_Entry):
    """One drug or fixed-combination product, with the names requests use for it."""

    generic: str
    brands: list[str] = Field(default_factory=list)
    synonyms: list[str] = Field(default_factory=list)
    drug_class: str
    subclass: str | None = None
    route: str | None = None
    opioid: str | None = Field(default=None, description="Key into the MME table for opioid-containing products.")
    ingredients: list[str] = Field(default_factory=list)

    def terms(self) -> list[tuple[str, bool]]:
        """Every name of the drug, each with whether it is a brand (a brand named like its product counts as a brand)."""
        return [(b, True) for b in self.brands] + [(self.generic, False)] + [(s, False) for s in self.synonyms]


class DrugLexicon(_Entry):
    """The drug lexicon file: drugs and the MME conversion table."""

    source: str
    mme: list[MMEConversion]
    drugs: list[Drug]

    @model_validator(mode="after")
    def _opioids_known(self) -> Self:
        known = {c.opioid for c in self.mme}
        for drug in self.drugs:
            if drug.opioid is not None and drug.opioid not in known:
                raise ValueError(f"{drug.generic}: opioid {drug.opioid!r} has no MME conversion")
        return self

    def conversion(self, opioid: str) -> MMEConversion:
        """The MME conversion of an opioid; an opioid not in the table is an error."""
        for conversion in self.mme:
            if conversion.opioid == opioid:
                return conversion
        raise OpenIMRError("no morphine-equivalent conversion", opioid)

    def by_generic(self, generic: str) -> Drug | None:
        """The drug with this generic name, or None."""
        return next((d for d in self.drugs if d.generic == generic), None)


class Procedure(_Entry):
    """One non-drug treatment: imaging, test, injection, therapy, equipment, program, consultation or surgery."""

    name: str
    kind: TreatmentKind
    category: str
    terms: list[str]
    patterns: list[str] = Field(default_factory=list)
    fallback: bool = Field(default=False, description="A catch-all that names an item only when nothing specific does.")
    principal: int = Field(
        default=50, description="For surgeries: the lowest names an item that lists several procedures (the definitive one)."
    )


class ProcedureCombination(_Entry):
    """Procedures written separately in one item that together are one named procedure ("EMG ... NCV" is EMG/NCV)."""

    parts: list[str] = Field(min_length=2)
    name: str


class ProcedureLexicon(_Entry):
    """The procedure lexicon file."""

    source: str
    procedures: list[Procedure]
    combinations: list[ProcedureCombination] = Field(default_factory=list)

    @model_validator(mode="after")
    def _combinations_name_known_procedures(self) -> Self:
        names = {p.name for p in self.procedures}
        for combination in self.combinations:
            unknown = [n for n in [*combination.parts, combination.name] if n not in names]
            if unknown:
                raise ValueError(f"combination {combination.name!r}: unknown procedure(s) {unknown}")
        return self

    def by_name(self, name: str) -> Procedure:
        """The procedure with this normalised name."""
        for procedure in self.procedures:
            if procedure.name == name:
                return procedure
        raise OpenIMRError("unknown procedure", name)

    def combined(self, names: set[str]) -> Procedure | None:
        """The combined procedure all of whose parts are among `names`, or None."""
        for combination in self.combinations:
            if set(combination.parts) <= names:
                return self.by_name(combination.name)
        return None


class BodyPart(_Entry):
    """A body part and the ACOEM body-part chapter (region) it belongs to."""

    name: str
    region: str
    terms: list[str]
    patterns: list[str] = Field(default_factory=list)


class Laterality(_Entry):
    """A side and the words that say it."""

    value: Literal["left", "right", "bilateral"]
    terms: list[str]


class SpinalLevelPrefix(_Entry):
    """Which spine part a level prefix (C, T, L, S) belongs to."""

    prefix: Literal["C", "T", "L", "S"]
    body_part: str


class BodyPartLexicon(_Entry):
    """The body-part lexicon file."""

    source: str
    body_parts: list[BodyPart]
    laterality: list[Laterality]
    spinal_levels: list[SpinalLevelPrefix]

    @model_validator(mode="after")
    def _levels_name_known_parts(self) -> Self:
        names = {p.name for p in self.body_parts}
        for level in self.spinal_levels:
            if level.body_part not in names:
                raise ValueError(f"spinal level {level.prefix}: unknown body part {level.body_part!r}")
        return self

    def spine_part(self, prefix: str) -> str:
        """The spine body part a level prefix belongs to ("L" -> "lumbar spine")."""
        return next(p.body_part for p in self.spinal_levels if p.prefix == prefix.upper())


_DRUGS = "lexicons/drugs.yaml"
_PROCEDURES = "lexicons/procedures.yaml"
_BODY_PARTS = "lexicons/body_parts.yaml"


@cache
def drug_lexicon() -> DrugLexicon:
    """The packaged drug lexicon, loaded and validated once."""
    return load_knowledge(_DRUGS, DrugLexicon)


@cache
def procedure_lexicon() -> ProcedureLexicon:
    """The packaged procedure lexicon, loaded and validated once."""
    return load_knowledge(_PROCEDURES, ProcedureLexicon)


@cache
def body_part_lexicon() -> BodyPartLexicon:
    """The packaged body-part lexicon, loaded and validated once."""
    return load_knowledge(_BODY_PARTS, BodyPartLexicon)


@cache
def drug_matcher() -> TermMatcher[tuple[Drug, bool]]:
    """Finds drug names in text; each match carries the drug and whether the name written was a brand."""
    terms: dict[str, tuple[Drug, bool]] = {}
    for drug in drug_lexicon().drugs:
        for term, is_brand in drug.terms():
            terms.setdefault(normalise_term(term) if not is_case_sensitive(term) else term, (drug, is_brand))
    return TermMatcher(terms, source=f"knowledge/{_DRUGS}")


@cache
def procedure_matcher() -> TermMatcher[Procedure]:
    """Finds procedure names in text."""
    terms = {term: p for p in procedure_lexicon().procedures for term in [p.name, *p.terms]}
    patterns = {pattern: p for p in procedure_lexicon().procedures for pattern in p.patterns}
    return TermMatcher(terms, patterns, source=f"knowledge/{_PROCEDURES}")


@cache
def body_part_matcher() -> TermMatcher[BodyPart]:
    """Finds body-part words in text."""
    terms = {term: p for p in body_part_lexicon().body_parts for term in [p.name, *p.terms]}
    patterns = {pattern: p for p in body_part_lexicon().body_parts for pattern in p.patterns}
    return TermMatcher(terms, patterns, source=f"knowledge/{_BODY_PARTS}")


@cache
def laterality_matcher() -> TermMatcher[str]:
    """Finds laterality words ("left", "bilateral", "B/L") in text; the value is the side."""
    return TermMatcher(
        {t: side.value for side in body_part_lexicon().laterality for t in side.terms}, source=f"knowledge/{_BODY_PARTS}"
    )


@cache
def _region_of() -> dict[str, str]:
    return {part.name: part.region for part in body_part_lexicon().body_parts}


_LIMBS = {
    "upper extremities": {"shoulder", "elbow", "forearm wrist and hand"},
    "lower extremities": {"hip and pelvis", "knee", "ankle and foot"},
}
"""A whole limb takes in the regions along it."""


def body_regions(parts: Iterable[str]) -> set[str]:
    """The body regions of some body-part names (a whole limb takes in its joints' regions)."""
    regions = {_region_of().get(part, part) for part in parts}
    for limb, joints in _LIMBS.items():
        if limb in regions:
            regions |= joints
    return regions


def same_body_region(first: Iterable[str], second: Iterable[str]) -> bool:
    """Whether two lists of body parts can be about the same place: either names none, or they share a region."""
    a, b = body_regions(first), body_regions(second)
    return not a or not b or bool(a & b)
