"""Lexicons: drugs (class, route, morphine-equivalent factors), procedures and body parts, as validated YAML.

The data lives in `knowledge/lexicons/*.yaml`; this module holds their models, cached loaders and compiled term
matchers. Each loader reads its file once per process.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, cached_property
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from openimr.errors import OpenIMRError
from openimr.knowledge import load_knowledge
from openimr.knowledge.terms import TermMatcher, is_case_sensitive, normalise_term
from openimr.model import TreatmentKind

__all__ = [
    "BodyPart",
    "BodyPartLexicon",
    "CodeSystem",
    "CodedEntry",
    "CptEntry",
    "Drug",
    "DrugLexicon",
    "HcpcsEntry",
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
    "code_index",
    "drug_lexicon",
    "drug_matcher",
    "laterality_matcher",
    "procedure_lexicon",
    "procedure_matcher",
    "region_names",
    "same_body_region",
    "validate_procedure_codes",
    "with_nerve_supply",
]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


RxNormCode = Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{0,7}$")]
"""An RxNorm concept id (RxCUI): digits, no leading zero."""
CptCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}[0-9FTU]$")]
"""A CPT code: five digits, or four digits and F (Category II), T (Category III) or U (PLA)."""
HcpcsCode = Annotated[str, StringConstraints(pattern=r"^[A-V][0-9]{4}$")]
"""A HCPCS Level II code: a letter A-V and four digits."""


def _duplicates(values: list[str]) -> list[str]:
    return sorted(value for value, count in Counter(values).items() if count > 1)


class _ProcedureCode(_Entry):
    """A standard code of a procedure, with the one body part the code implies, if any."""

    code: str
    body_part: str | None = Field(default=None, description="Body part of the body-part lexicon the code implies.")

    @model_validator(mode="before")
    @classmethod
    def _bare_code(cls, data: Any) -> Any:
        return {"code": data} if isinstance(data, str) else data


class CptEntry(_ProcedureCode):
    """A CPT code of a procedure."""

    code: CptCode


class HcpcsEntry(_ProcedureCode):
    """A HCPCS Level II code of a procedure (equipment, supplies, some services)."""

    code: HcpcsCode


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
    rxnorm: RxNormCode | None = Field(default=None, description="RxNorm ingredient (IN) RxCUI of a single-ingredient generic.")
    long_acting: list[str] = Field(
        default_factory=list,
        description="Its names (generic, brands or synonyms) that are extended-release or long-acting forms (OxyContin of "
        "oxycodone, MS Contin of morphine, the Duragesic patch of fentanyl); the generic when every form is (methadone).",
    )

    @model_validator(mode="after")
    def _long_acting_named(self) -> Self:
        unknown = sorted(set(self.long_acting) - {self.generic, *self.brands, *self.synonyms})
        if unknown:
            raise ValueError(f"{self.generic}: long_acting names {unknown} are not among its names")
        return self

    def is_long_acting(self, written: str) -> bool:
        """Whether the name written (one of its names) is an extended-release or long-acting form."""
        key = written.casefold()
        return any(name.casefold() == key for name in self.long_acting)

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

    @model_validator(mode="after")
    def _rxnorm_unique(self) -> Self:
        repeated = _duplicates([d.rxnorm for d in self.drugs if d.rxnorm])
        if repeated:
            raise ValueError(f"RxNorm code(s) {', '.join(repeated)} name more than one drug")
        return self

    def conversion(self, opioid: str) -> MMEConversion:
        """The MME conversion of an opioid; an opioid not in the table is an error."""
        for conversion in self.mme:
            if conversion.opioid == opioid:
                return conversion
        raise OpenIMRError("no morphine-equivalent conversion", opioid)

    def by_generic(self, generic: str) -> Drug | None:
        """The drug with this generic name, or None."""
        return self._generics.get(generic)

    @cached_property
    def _generics(self) -> dict[str, Drug]:
        """Each generic name's drug (the first of that name)."""
        drugs: dict[str, Drug] = {}
        for drug in self.drugs:
            drugs.setdefault(drug.generic, drug)
        return drugs


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
    cpt: list[CptEntry] = Field(default_factory=list, description="CPT codes that name the procedure.")
    hcpcs: list[HcpcsEntry] = Field(default_factory=list, description="HCPCS Level II codes that name the procedure.")

    @property
    def operation(self) -> bool:
        """A surgery itself, not a service that goes with one (an assistant surgeon is of kind surgery too)."""
        return self.kind is TreatmentKind.SURGERY and self.category != "surgery-associated"


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

    @model_validator(mode="after")
    def _codes_unique(self) -> Self:
        for system in ("cpt", "hcpcs"):
            repeated = _duplicates([c.code for p in self.procedures for c in getattr(p, system)])
            if repeated:
                raise ValueError(f"{system} code(s) {', '.join(repeated)} appear more than once")
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
    nerve_supply: str | None = Field(
        default=None,
        description="The spine part whose nerve roots supply a limb part: a neurological sign found in the limb "
        "(weakness of the ankle, numbness of the hand) is also a sign about that spine part.",
    )


class Laterality(_Entry):
    """A side and the words that say it."""

    value: Literal["left", "right", "bilateral"]
    terms: list[str]
    patterns: list[str] = Field(
        default_factory=list,
        description="Regular expressions for what a literal cannot express: the single letter before the word it "
        'qualifies ("L knee", "R TKA"), not a spinal level ("L4") or a unit after a number ("2 L").',
    )


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
        for part in self.body_parts:
            if part.nerve_supply is not None and part.nerve_supply not in names:
                raise ValueError(f"body part {part.name}: unknown nerve supply {part.nerve_supply!r}")
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
    """The packaged procedure lexicon, loaded and validated once (its codes' body parts against the body-part lexicon)."""
    lexicon = load_knowledge(_PROCEDURES, ProcedureLexicon)
    return validate_procedure_codes(lexicon, body_part_lexicon(), f"knowledge/{_PROCEDURES}")


def validate_procedure_codes(lexicon: ProcedureLexicon, body_parts: BodyPartLexicon, source: str) -> ProcedureLexicon:
    """The procedure lexicon, checked that every body part its codes imply is in the body-part lexicon."""
    parts = {b.name for b in body_parts.body_parts}
    for procedure in lexicon.procedures:
        for code in [*procedure.cpt, *procedure.hcpcs]:
            if code.body_part is not None and code.body_part not in parts:
                raise OpenIMRError(
                    f"{procedure.name}: code {code.code} names body part {code.body_part!r}, not in the body-part lexicon", source
                )
    return lexicon


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
    """Finds laterality words ("left", "bilateral", "B/L", "L knee") in text; the value is the side."""
    sides = body_part_lexicon().laterality
    return TermMatcher(
        {t: side.value for side in sides for t in side.terms},
        {pattern: side.value for side in sides for pattern in side.patterns},
        source=f"knowledge/{_BODY_PARTS}",
    )


@cache
def _region_of() -> dict[str, str]:
    return {part.name: part.region for part in body_part_lexicon().body_parts}


_LIMBS = {
    "upper extremities": {"shoulder", "elbow", "forearm wrist and hand"},
    "lower extremities": {"hip and pelvis", "knee", "ankle and foot"},
}
"""A whole limb takes in the regions along it."""


def region_names() -> frozenset[str]:
    """Every body region the lexicon's body parts fall in."""
    return frozenset(_region_of().values())


@cache
def _nerve_supply() -> dict[str, str]:
    return {part.name: part.nerve_supply for part in body_part_lexicon().body_parts if part.nerve_supply is not None}


def with_nerve_supply(parts: Iterable[str]) -> list[str]:
    """Body parts and the spine parts whose nerve roots supply them (a neurological sign in the leg is also a sign
    about the lumbar spine)."""
    named = list(parts)
    return list(dict.fromkeys([*named, *(_nerve_supply()[p] for p in named if p in _nerve_supply())]))


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


@cache
def _spine_order() -> dict[str, int]:
    """The parts of the spine (those the spinal levels belong to), numbered from the head down."""
    parts = dict.fromkeys(level.body_part for level in body_part_lexicon().spinal_levels)
    return {part: rank for rank, part in enumerate(parts)}


def spine_parts() -> frozenset[str]:
    """The parts of the spine (those the spinal levels belong to)."""
    return frozenset(_spine_order())


def same_spine_part(finding: Iterable[str], request: Iterable[str]) -> bool:
    """Whether a finding's body parts can be about the requested part of the spine: the request names no part of the
    spine, the finding places nothing at the spine (itself, or a limb through the spine part whose roots supply it), or
    one of the finding's spine parts is the requested one or lies below it (the cord carries the leg's signs past the
    neck and the thoracic spine). The neck and the thoracic spine are one region but not one part: arm weakness is a
    sign about the neck, not the mid back."""
    order = _spine_order()
    a = [order[p] for p in with_nerve_supply(finding) if p in order]
    b = [order[p] for p in request if p in order]
    return not a or not b or max(a) >= min(b)


class CodeSystem(StrEnum):
    """The code systems the lexicons map to treatments."""

    CPT = "CPT"
    HCPCS = "HCPCS"
    RXNORM = "RxNorm"


@dataclass(frozen=True, slots=True)
class CodedEntry:
    """What one standard code names in the lexicons: a drug, or a procedure and the body part the code implies."""

    system: CodeSystem
    code: str
    drug: Drug | None = None
    procedure: Procedure | None = None
    body_part: str | None = None


@cache
def code_index() -> dict[tuple[CodeSystem, str], CodedEntry]:
    """Every code of the lexicons (RxNorm on drugs, CPT and HCPCS on procedures), by system and code."""
    index: dict[tuple[CodeSystem, str], CodedEntry] = {}
    for drug in drug_lexicon().drugs:
        if drug.rxnorm is not None:
            index[CodeSystem.RXNORM, drug.rxnorm] = CodedEntry(CodeSystem.RXNORM, drug.rxnorm, drug=drug)
    for procedure in procedure_lexicon().procedures:
        for system, codes in ((CodeSystem.CPT, procedure.cpt), (CodeSystem.HCPCS, procedure.hcpcs)):
            for code in codes:
                index[system, code.code] = CodedEntry(system, code.code, procedure=procedure, body_part=code.body_part)
    return index
