"""The guideline topics and catalogue, loaded from the package and cross-checked; picking the topic for a request.

Topics are tried in rank order (more specific first, MTUS before other sources: the Medical Evidence Search
Sequence); the first whose `applies_to` matches the parsed request (`Treatment`: its drug generic, class or subclass,
its procedure or procedure category, its body parts) decides it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cache
from typing import Any

from openimr.errors import OpenIMRError
from openimr.evidence import fact_keys
from openimr.evidence.attribution import MEDICATIONS
from openimr.knowledge import knowledge_files, load_knowledge, parse_knowledge
from openimr.knowledge.lexicons import body_part_lexicon, body_regions, drug_lexicon, procedure_lexicon, region_names
from openimr.knowledge.schema import (
    Catalogue,
    CitationSpec,
    Criterion,
    Era,
    GeneralRequirement,
    GeneralRequirements,
    Guideline,
    Topic,
)
from openimr.knowledge.terms import (
    Requirements,
    RunIndex,
    folds_plainly,
    has_odd_letter,
    holds,
    pattern_requirements,
    selective,
)
from openimr.memo import IdentityMemo
from openimr.model import Citation, Treatment, TreatmentKind
from openimr.review.checks import CHECKS, Params


@dataclass(frozen=True)
class _Matcher:
    """A topic's `applies_to`, as sets and compiled patterns for quick tests."""

    topic: Topic
    terms: re.Pattern[str] | None
    excludes: re.Pattern[str] | None
    terms_need: Requirements
    """What a request must hold for `terms` to match it (empty: not known)."""
    generics: frozenset[str]
    drug_classes: frozenset[str]
    categories: frozenset[str]
    procedures: frozenset[str]
    body_parts: frozenset[str]

    @classmethod
    def of(cls, topic: Topic) -> _Matcher:
        applies = topic.applies_to
        terms = _joined(applies.request_terms)
        odd = terms is None or has_odd_letter(terms.pattern)
        return cls(
            topic,
            terms,
            _joined(applies.exclude_terms),
            () if odd or terms is None else selective(pattern_requirements(terms.pattern)),
            frozenset(applies.generics),
            frozenset(applies.drug_classes),
            frozenset(applies.categories),
            frozenset(applies.procedures),
            frozenset(applies.body_parts),
        )

    def names(self, treatment: Treatment, request: str, held: AbstractSet[str] | None = None) -> bool:
        """Whether the topic names the request; `held` (the runs the request holds, when its letters fold plainly)
        spares a search that cannot match."""
        return (
            (treatment.generic is not None and treatment.generic in self.generics)
            or (treatment.drug_class is not None and treatment.drug_class in self.drug_classes)
            or (treatment.category is not None and treatment.category in self.categories)
            or (treatment.kind is not TreatmentKind.DRUG and treatment.name in self.procedures)
            or (
                self.terms is not None
                and (held is None or not self.terms_need or holds(self.terms_need, held))
                and self.terms.search(request) is not None
            )
        )

    def matches(self, treatment: Treatment, postoperative: bool, held: AbstractSet[str] | None = None) -> bool:
        applies = self.topic.applies_to
        request = treatment.disputed or treatment.text
        return (
            self.names(treatment, request, held)
            and (self.excludes is None or self.excludes.search(request) is None)
            and (not self.body_parts or not self.body_parts.isdisjoint(treatment.body_parts))
            and (applies.postoperative is None or applies.postoperative == postoperative)
        )


@cache
def catalogue() -> dict[str, Guideline]:
    """Every guideline of the packaged catalogue, by id."""
    guidelines: dict[str, Guideline] = {}
    for resource in knowledge_files("catalogue"):
        source = f"knowledge/catalogue/{resource.name}"
        for guideline in parse_knowledge(resource.read_text(encoding="utf-8"), Catalogue, source).guidelines:
            if guideline.id in guidelines:
                raise OpenIMRError(f"guideline {guideline.id!r} is defined twice", source)
            guidelines[guideline.id] = guideline
    return guidelines


def _lexicon_names() -> dict[str, set[str]]:
    """The names each lexicon-based field may use: `applies_to` fields, and check parameters naming treatments."""
    drugs = drug_lexicon().drugs
    procedures = procedure_lexicon().procedures
    names = {
        "generics": {d.generic for d in drugs},
        "drug_classes": {d.drug_class for d in drugs},
        "categories": {d.subclass for d in drugs if d.subclass} | {p.category for p in procedures},
        "procedures": {p.name for p in procedures},
        "body_parts": {b.name for b in body_part_lexicon().body_parts},
    }
    names["treatments"] = names["generics"] | names["drug_classes"] | names["procedures"] | {MEDICATIONS} | set(fact_keys())
    return names


@dataclass(frozen=True)
class TopicRules:
    """A topic with each criterion's parameters validated against its check's parameter model."""

    topic: Topic
    params: Mapping[str, Params]
    """Validated parameters by criterion id."""


def _names_known(params: Params, where: str) -> None:
    """Every fact and lexicon name a check's parameters give (and those of parameter models nested in them) exists."""
    lexicons = _lexicon_names()
    for field in params.fact_fields:
        unknown = [name for name in getattr(params, field) if name not in fact_keys()]
        if unknown:
            raise OpenIMRError(f"params.{field} names {', '.join(map(repr, unknown))}, not a fact of the term lists", where)
    for field, lexicon in params.lexicon_fields:
        unknown = [name for name in getattr(params, field) if name not in lexicons[lexicon]]
        if unknown:
            raise OpenIMRError(f"params.{field} names {', '.join(map(repr, unknown))}, not in the lexicons", where)
    for name in type(params).model_fields:
        value = getattr(params, name)
        for nested in value if isinstance(value, list) else [value]:
            if isinstance(nested, Params):
                _names_known(nested, where)


def _criterion_params(criterion: Criterion, source: str) -> Params:
    check = CHECKS.get(criterion.check)
    where = f"{source}: criterion {criterion.id!r}"
    if check is None:
        raise OpenIMRError(f"names unknown check {criterion.check!r} (known: {', '.join(sorted(CHECKS))})", where)
    params: Params = check.validate(criterion.params, where)
    _names_known(params, where)
    return params


def validate_topic(topic: Topic, source: str) -> TopicRules:
    """Cross-check a topic against the lexicons, the registry of checks and their parameter models, the evidence
    term lists and the catalogue (what the schema alone cannot)."""
    for field, known in _lexicon_names().items():
        if field == "treatments":
            continue
        unknown = [name for name in getattr(topic.applies_to, field) if name not in known]
        if unknown:
            raise OpenIMRError(f"applies_to.{field} names {', '.join(map(repr, unknown))}, not in the lexicons", source)
    params = {criterion.id: _criterion_params(criterion, source) for criterion in topic.all_criteria()}
    for era_citations in topic.citations:
        for spec in era_citations.cite:
            guideline = catalogue().get(spec.guideline)
            if guideline is None:
                raise OpenIMRError(f"citation names unknown guideline {spec.guideline!r}", source)
            if guideline.edition_for(era_citations.era) is None:
                raise OpenIMRError(f"guideline {spec.guideline!r} has no edition in era {era_citations.era}", source)
            unknown_regions = set(spec.regions) - region_names()
            if unknown_regions:
                raise OpenIMRError(f"citation of {spec.guideline!r} names unknown regions {sorted(unknown_regions)}", source)
    return TopicRules(topic, params)


@cache
def _loaded() -> dict[str, TopicRules]:
    loaded: dict[str, TopicRules] = {}
    for resource in knowledge_files("topics"):
        source = f"knowledge/topics/{resource.name}"
        rules = validate_topic(parse_knowledge(resource.read_text(encoding="utf-8"), Topic, source), source)
        if resource.name != f"{rules.topic.id}.yaml":
            raise OpenIMRError(f"topic id {rules.topic.id!r} does not match the file name", source)
        loaded[rules.topic.id] = rules
    return loaded


@cache
def topics() -> tuple[Topic, ...]:
    """Every packaged topic, validated, in rank order."""
    return tuple(sorted((r.topic for r in _loaded().values()), key=lambda t: (t.rank, t.id)))


def topic_params(topic: Topic) -> Mapping[str, Params]:
    """The validated check parameters of a packaged topic's criteria (and of the general requirements), by id."""
    return {**_general_params(), **_loaded()[topic.id].params}


_GENERAL = "general.yaml"


@cache
def _general() -> tuple[GeneralRequirement, ...]:
    return tuple(load_knowledge(_GENERAL, GeneralRequirements).requirements)


@cache
def _general_params() -> dict[str, Params]:
    return {g.criterion.id: _criterion_params(g.criterion, f"knowledge/{_GENERAL}") for g in _general()}


def requirements_for(topic: Topic, treatment: Treatment) -> list[Criterion]:
    """A topic's requirements for one request: its own, and the general ones for the request's kind of treatment
    (`knowledge/general.yaml`) that it does not already state with the same check and parameters."""
    own = {(c.check, repr(sorted(c.params.items()))) for c in topic.requirements}
    general = [
        g.criterion
        for g in _general()
        if treatment.kind in g.kinds
        and not any(route in (treatment.route or "") for route in g.except_routes)
        and (g.criterion.check, repr(sorted(g.criterion.params.items()))) not in own
    ]
    return [*general, *topic.requirements]


def _joined(patterns: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE) if patterns else None


@cache
def _matchers() -> tuple[_Matcher, ...]:
    return tuple(_Matcher.of(topic) for topic in topics())


@dataclass(frozen=True)
class _Index:
    """Where to look first: the matchers (by position) naming each generic, class, category and procedure, those
    that read the request's words, and, of these, the ones whose terms need some run (listed under each run of the
    first group of each of their branches) and those that need none."""

    named: dict[str, tuple[int, ...]]
    worded: tuple[int, ...]
    by_run: dict[str, tuple[int, ...]]
    unguarded: tuple[int, ...]
    runs: RunIndex
    """The runs the worded matchers' terms need."""

    def worded_for(self, held: AbstractSet[str] | None) -> set[int]:
        """The worded matchers whose terms may match a request holding the runs `held` (all of them when not
        known): those one of whose branches' first group it holds, and those that need nothing."""
        if held is None:
            return set(self.worded)
        return {p for run in held & self.by_run.keys() for p in self.by_run[run]}.union(self.unguarded)


@cache
def _index() -> _Index:
    named: dict[str, list[int]] = {}
    by_run: dict[str, list[int]] = {}
    for position, m in enumerate(_matchers()):
        for name in m.generics | m.drug_classes | m.categories | m.procedures:
            named.setdefault(name, []).append(position)
        for run in {run for branch in m.terms_need for run in branch[0]}:
            by_run.setdefault(run, []).append(position)
    worded = tuple(position for position, m in enumerate(_matchers()) if m.terms is not None)
    unguarded = tuple(position for position in worded if not _matchers()[position].terms_need)
    runs = RunIndex(run for m in _matchers() for branch in m.terms_need for group in branch for run in group)
    return _Index(
        {name: tuple(positions) for name, positions in named.items()},
        worded,
        {run: tuple(positions) for run, positions in by_run.items()},
        unguarded,
        runs,
    )


def select_topic(treatment: Treatment, postoperative: bool = False) -> Topic | None:
    """The topic that decides a parsed request (its disputed part), or None when no topic covers it. A request that
    accompanies a surgery, or (`postoperative`) falls in the postoperative phase, is decided by the postsurgical
    topics where they apply. The first topic in rank order that applies wins."""
    after_surgery = treatment.postoperative or postoperative
    index, matchers = _index(), _matchers()
    keys = [k for k in (treatment.generic, treatment.drug_class, treatment.category, treatment.name) if k is not None]
    request = treatment.disputed or treatment.text
    held = index.runs.held(request.lower()) if folds_plainly(request) else None
    positions = sorted({p for key in keys for p in index.named.get(key, ())} | index.worded_for(held))
    return next((matchers[p].topic for p in positions if matchers[p].matches(treatment, after_surgery, held)), None)


def _for_regions(specs: list[CitationSpec], body_parts: list[str]) -> list[CitationSpec]:
    """The specs that fit a request's body parts: those for any region, and those for its regions when some are;
    when none is for its regions (or it names none), every spec."""
    regions = body_regions(body_parts)
    fitting = [s for s in specs if s.regions and regions & set(s.regions)]
    if not fitting:
        return specs
    return [s for s in specs if not s.regions or s in fitting]


def _cited_fields(topic: Topic, wanted: tuple[Era, tuple[str, ...]]) -> tuple[dict[str, Any], ...]:
    era, body_parts = wanted
    return tuple(citation.model_dump() for citation in _citations(topic, era, list(body_parts)))


_CITED = IdentityMemo(_cited_fields, 4096)
"""The fields of the citations worked out for a topic, an era and body parts."""


def citations_for(topic: Topic, era: Era, body_parts: list[str] | None = None) -> list[Citation]:
    """The topic's citations in the era's wording, for a request about `body_parts`. A topic without citations for
    the era uses those of the nearest era it has, each written as the era's edition of its guideline when there is
    one. Worked out once for each topic, era and body parts; each call gets citations of its own."""
    cited = _CITED(topic, (era, tuple(body_parts or ())))
    return [Citation.model_construct(**{**fields, "sections": list(fields["sections"])}) for fields in cited]


def _citations(topic: Topic, era: Era, body_parts: list[str]) -> list[Citation]:
    by_era = {c.era: c for c in topic.citations}
    order = [era, *[e for e in (Era.MTUS_2016, Era.MTUS_2009, Era.MTUS_2017) if e != era]]
    chosen = next(by_era[e] for e in order if e in by_era)
    citations = []
    for spec in _for_regions(chosen.cite, body_parts):
        guideline = catalogue()[spec.guideline]
        edition = guideline.edition_for(era) or guideline.edition_for(chosen.era)
        assert edition is not None  # checked on load
        name = edition.title or guideline.title
        pages = spec.pages if edition.era == chosen.era else None
        text = edition.citation_format.format(
            guideline=name,
            chapter=guideline.chapter or "",
            edition=edition.edition,
            sections=", ".join(spec.sections),
            pages=pages or "",
        )
        citations.append(
            Citation(
                mtus=guideline.mtus,
                source=guideline.source,
                guideline=name,
                edition=edition.edition,
                sections=list(spec.sections),
                pages=pages,
                text=re.sub(r"\s*Page\(s\):\s*$", "", " ".join(text.split())).rstrip(", "),
            )
        )
    return citations


def maximus_line(citations: list[Citation]) -> str:
    """The "MAXIMUS guideline" line for a set of citations, as letters write it."""
    return " ".join(f"Decision based on {c.text}." for c in citations)


def criteria_by_id(topic: Topic) -> dict[str, Criterion]:
    """Every criterion a review under `topic` may report, by id: the topic's own and the general requirements."""
    return {**{g.criterion.id: g.criterion for g in _general()}, **{c.id: c for c in topic.all_criteria()}}
