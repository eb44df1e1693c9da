"""Disputed item → `Treatment`: what is asked for (drug, imaging, therapy, ...), how much and where.

The parser reads names from the lexicons (drugs, procedures, body parts) and amounts with the readers of
`openimr.requests.amounts`. It never fails on a well-formed string: an item it cannot name gets kind OTHER.
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import re
from functools import cache
from typing import Any

from openimr.errors import OpenIMRError
from openimr.evidence.dates import find_dates, parse_date
from openimr.evidence.numbers import count_after
from openimr.knowledge.lexicons import (
    Drug,
    Procedure,
    body_part_lexicon,
    body_part_matcher,
    drug_lexicon,
    drug_matcher,
    laterality_matcher,
    procedure_lexicon,
    procedure_matcher,
)
from openimr.knowledge.terms import TermMatch, normalise_term
from openimr.model import DisputedItem, Ingredient, Treatment, TreatmentKind
from openimr.requests import amounts
from openimr.requests.portions import split_portions

__all__ = ["parse_disputed_item", "parse_request"]

_PREFIX = re.compile(
    r"^\s*(?:(?:associated\s+surgical\s+services?|request(?:ed)?(?:\s+for)?|prospective(?:\s+request)?(?:\s+for)?"
    r"|decision\s+(?:for|on)|(?:the\s+)?(?:requested|disputed)\s+(?:treatment|item|service)s?(?:\s+(?:is|of|for))?"
    r"|\d+\s+prescriptions?(?:\s+(?:for|of))?|prescription(?:\s+(?:for|of))?)\s*:?\s*)+",
    re.IGNORECASE,
)
_RETRO = re.compile(
    r"\b(?:retrospective|retro(?:active)?)\b(?:\s+(?:request|review|usage|use|dispensing))?(?:\s+(?:for|of))?\s*:?\s*",
    re.IGNORECASE,
)
_DOS = re.compile(r"\b(?:DOS|D\.O\.S\.|dates?\s+of\s+service|dispensed(?:\s+on)?|per)\s*:?\s*(?=\d)", re.IGNORECASE)
_POSTOPERATIVE = re.compile(
    r"\b(?:associated\s+surgical\s+services?|(?:post|pre)[\s-]?op(?:erative(?:ly)?)?|after\s+(?:the\s+)?surgery"
    r"|following\s+(?:the\s+)?surgery|(?:post|pre)[\s-]?surgical(?:ly)?|peri[\s-]?operative)\b",
    re.IGNORECASE,
)
_ORDER = re.compile(r"\s*order\b", re.IGNORECASE)
_COMPOUND = re.compile(
    r"\b(?:compound(?:ed)?|cream\s+base|in\s+(?:a\s+)?(?:cream|gel|lotion|ointment)|transdermal\s+(?:cream|base))\b",
    re.IGNORECASE,
)
_TOPICAL = re.compile(
    r"\b(?:cream|creams|gel|gels|ointment|lotion|patch|patches|topical|transdermal|spray|rub|liniment|roll-?on|solution\s+topical|base)\b",
    re.IGNORECASE,
)
_ORAL = re.compile(
    r"\b(?:oral|orally|po|p\.o\.|by\s+mouth|tabs?|tablets?|capsules?|caps?|suspension|elixir|liquid|ODT|ER|XR|SR|DR)\b",
    re.IGNORECASE,
)
_INJECTED = re.compile(r"\b(?:injections?|injectable|IM|intramuscular|IV|intravenous|shot)\b", re.IGNORECASE)
_PERCENT_AFTER = re.compile(r"^\s*(?:\w+\s+){0,2}?(?P<p>\d*\.?\d+)\s*%")
_GUIDED = re.compile(r"[\s-]*(?:guided|guidance)\b", re.IGNORECASE)
_GUIDING = frozenset({TreatmentKind.IMAGING, TreatmentKind.ELECTRODIAGNOSTIC})
"""Kinds of study that may guide a procedure (where to place a needle) rather than be the request."""
_NASAL = re.compile(r"\b(?:nasal|intranasal)\b", re.IGNORECASE)
_PERCENT = re.compile(r"\d\s*%")
_FOR_A_SURGERY = re.compile(
    r"\b(?:for|after|following|prior\s+to|before|in\s+preparation\s+for|status\s+post|s/p|ahead\s+of)\b"
    r"|\b(?:pre|post)(?:[\s-]|(?=op))",
    re.IGNORECASE,
)
"""Words by which a service names the surgery it is for ("cold therapy unit after the shoulder arthroscopy",
"psychological evaluation (pre-spinal cord stimulator trial)", "labs pre-op lumbar fusion"): an evaluation or a service
for a procedure is its own item."""
_WORD = re.compile(r"[A-Za-z][A-Za-z-]{4,}")

# Procedures of these kinds name an item even when a drug is also written ("trigger point injection with lidocaine").
_OVER_DRUGS = {
    TreatmentKind.INJECTION,
    TreatmentKind.SURGERY,
    TreatmentKind.LAB,
    TreatmentKind.CONSULTATION,
    TreatmentKind.PSYCHOLOGICAL,
    TreatmentKind.PROGRAM,
    TreatmentKind.IMAGING,
    TreatmentKind.ELECTRODIAGNOSTIC,
}
_SESSION_KINDS = {TreatmentKind.THERAPY, TreatmentKind.PSYCHOLOGICAL, TreatmentKind.PROGRAM}


@cache
def _fuzzy_drug_terms() -> dict[str, Drug]:
    """One-word drug names of five letters or more, for matching a misspelt name ("Cyclobenzapine")."""
    terms: dict[str, Drug] = {}
    for drug in drug_lexicon().drugs:
        for term, _ in drug.terms():
            key = normalise_term(term)
            if " " not in key and "/" not in key and len(key) >= 5:
                terms.setdefault(key, drug)
    return terms


def _fuzzy_drug(text: str) -> Drug | None:
    terms = _fuzzy_drug_terms()
    for word in _WORD.findall(text):
        close = difflib.get_close_matches(word.lower(), terms.keys(), n=1, cutoff=0.86)
        if close:
            return terms[close[0]]
    return None


@cache
def _combinations() -> dict[frozenset[str], Drug]:
    """Fixed-combination products by the set of their ingredients ("hydrocodone" + "acetaminophen" is Norco's)."""
    drugs = drug_lexicon().drugs
    return {frozenset(d.ingredients): d for d in drugs if len(d.ingredients) > 1 and d.drug_class != "compounded kit"}


_JOINER = re.compile(r"\s*(?:/|-|\+|&|and|with)\s*", re.IGNORECASE)


def _fixed_combination(core: str, drugs: list[TermMatch[tuple[Drug, bool]]]) -> list[TermMatch[tuple[Drug, bool]]]:
    """Adjacent names that together make one fixed combination ("hydrocodone bitartrate/APAP") become one match."""
    if len(drugs) < 2 or any(_JOINER.fullmatch(core[a.end : b.start]) is None for a, b in itertools.pairwise(drugs)):
        return drugs
    combined = _combinations().get(frozenset(m.value[0].generic for m in drugs))
    if combined is None:
        return drugs
    return [TermMatch(drugs[0].start, drugs[-1].end, core[drugs[0].start : drugs[-1].end], (combined, False))]


_LONG_ACTING_FORM = re.compile(
    r"\s*(?:HCl\s+|sulfate\s+|tartrate\s+|bitartrate\s+)?(?:\d+(?:\.\d+)?\s*(?:mg|mcg)(?:/h(?:ou)?r)?\s+)?"
    r"(?:(?:oral\s+)?(?:tab(?:let)?s?|cap(?:sule)?s?)\s+)?"
    r"(?:ER|XR|CR|SR|LA|XL|ext(?:ended)?[\s-]?rel(?:ease)?|controlled[\s-]release|sustained[\s-]release|long[\s-]acting"
    r"|24[\s-]?h(?:ou)?rs?|12[\s-]?h(?:ou)?rs?)\b",
    re.IGNORECASE,
)
"""The form written after a drug's name that makes it an extended-release one ("oxycodone ER", "tramadol 100 mg ER",
"morphine sulfate extended-release", "oxycodone 10 mg tablet extended release", "hydromorphone 24 hr")."""


def _brand(drug: Drug, written: str) -> str | None:
    key = normalise_term(written)
    return next((b for b in drug.brands if normalise_term(b) == key), None)


def _route(drug: Drug, text: str) -> str | None:
    if drug.route:
        return drug.route
    if _NASAL.search(text):
        return "nasal"
    if _TOPICAL.search(text) or _PERCENT.search(text):
        return "topical"
    if _INJECTED.search(text):
        return "injection"
    if _ORAL.search(text):
        return "oral"
    return None


def _topical_form(drug: Drug, text: str) -> Drug:
    """The lexicon's topical form of a drug the request names for use on the skin ("Voltaren 1% gel", "diclofenac 1%
    gel" are diclofenac topical), else the drug."""
    if drug.route or _route(drug, text) != "topical":
        return drug
    return drug_lexicon().by_generic(f"{drug.generic} topical") or drug


def _accompanied_surgery(core: str, matches: list[TermMatch[Procedure]]) -> TermMatch[Procedure] | None:
    """The surgery a service request names as the one it is for: a surgery written after another, specific procedure
    and joined to it by "for", "after", "following", "prior to" ("assistant surgeon for the right carpal tunnel
    release"), or None. The service, not the surgery, is then the item."""
    specific = [m for m in matches if not m.value.fallback]
    surgical = [m for m in specific if m.value.operation]
    services = [m for m in specific if not m.value.operation]
    if not surgical or not services:
        return None
    head = min(services, key=lambda m: m.start)
    surgery = min(surgical, key=lambda m: m.start)
    if head.start > surgery.start or not _FOR_A_SURGERY.search(core, head.end, surgery.start):
        return None
    return surgery


def _pick_procedure(core: str, matches: list[TermMatch[Procedure]]) -> TermMatch[Procedure] | None:
    """The leftmost, then longest, specific procedure (for a surgery, the principal one of those it lists); a catch-all
    only when nothing specific matched; parts of a combination written separately ("EMG ... NCV") name the
    combination; a study that only guides the procedure requested (imaging, "ultrasound guided injection", or
    electromyography, "EMG-guided botulinum toxin injection") names nothing."""
    matches = [m for m in matches if not (m.value.kind in _GUIDING and _GUIDED.match(core, m.end))]
    specific = [m for m in matches if not m.value.fallback]
    pool = specific or matches
    if not pool:
        return None
    surgical = [m for m in specific if m.value.kind is TreatmentKind.SURGERY]
    if surgical:  # the definitive procedure names a surgery that lists several ("arthroscopy with rotator cuff repair")
        pool = surgical
    first = min(pool, key=lambda m: (m.value.principal if surgical else 0, m.start, m.start - m.end))
    combined = procedure_lexicon().combined({m.value.name for m in pool})
    if combined is not None and first.value.name != combined.name:
        return TermMatch(first.start, first.end, first.text, combined)
    return first


_GLOSS = re.compile(r"\s*\([^()]*\)")
"""A gloss in parentheses ("A1 pulley (trigger finger) release", "lumbar (L4-5) laminectomy")."""


def _procedures(core: str) -> list[TermMatch[Procedure]]:
    """The procedures a request names, with those it writes around a gloss in parentheses read without the gloss ("A1
    pulley (trigger finger) release" names the A1 pulley release, not a pulley); a term the gloss splits replaces the
    shorter terms within its span."""
    found = procedure_matcher().find(core)
    glosses = [m.span() for m in _GLOSS.finditer(core)]
    if not glosses:
        return found
    blanked = _GLOSS.sub(lambda m: " " * len(m.group()), core)
    across = [
        TermMatch(m.start, m.end, core[m.start : m.end], m.value)
        for m in procedure_matcher().find(blanked)
        if any(m.start < start and end < m.end for start, end in glosses)
    ]
    kept = [m for m in found if not any(a.start <= m.start and m.end <= a.end for a in across)]
    return sorted(kept + across, key=lambda m: (m.start, m.start - m.end))


_Fields = dict[str, Any]
"""The fields of a `Treatment` as the parser reads them, made a `Treatment` once all are read (each assignment to a
model validates the model again)."""


_DEVICE_ARMS = re.compile(
    r"\b(?:seat|chair|commode|bench|wheelchair|frame|recliner)s?\s+(?:\w+\s+){0,2}?(?:with|w/|and)\s+(?:\w+\s+)?"
    r"(?P<arms>arms?|arm\s?rests?)\b",
    re.IGNORECASE,
)
"""The arms of a seat ("raised toilet seat with arms", "commode w/ padded arms"): a part of the device, not of the
worker."""


def _body_parts(text: str) -> _Fields:
    """The body parts (with the spine parts of the levels), levels and sides a request names (not the arms of a
    seat)."""
    device = [m.span("arms") for m in _DEVICE_ARMS.finditer(text)]
    found = body_part_matcher().find(text)
    parts: list[str] = [m.value.name for m in found if not any(a <= m.start < b for a, b in device)]
    levels = amounts.read_levels(text)
    lexicon = body_part_lexicon()
    for level in levels:
        parts.append(lexicon.spine_part(level[0]))
    sides = list(dict.fromkeys(m.value for m in laterality_matcher().find(text)))
    return {"body_parts": list(dict.fromkeys(parts)), "levels": levels, "laterality": " and ".join(sides) if sides else None}


def _drug_treatment(text: str, core: str, drugs: list[TermMatch[tuple[Drug, bool]]]) -> _Fields:
    distinct = _fixed_combination(core, list({id(m.value[0]): m for m in drugs}.values()))
    first, is_brand = distinct[0].value
    compounded = len(distinct) > 1 or (_COMPOUND.search(core) is not None and first.drug_class != "compounded kit")
    treatment: _Fields = {"text": text, "kind": TreatmentKind.DRUG, "name": first.generic}
    if compounded:
        ingredients = []
        for match in distinct:
            drug = match.value[0]
            percent = _PERCENT_AFTER.match(core[match.end :])
            ingredients.append(
                Ingredient(name=match.text, generic=drug.generic, percent=float(percent.group("p")) if percent else None)
            )
        treatment["ingredients"] = ingredients
        topical = _TOPICAL.search(core) is not None or any(i.percent for i in ingredients)
        if len(distinct) > 1:
            treatment["name"] = "compounded topical" if topical else "compounded product"
            treatment["generic"] = "/".join(i.generic or i.name for i in ingredients)
            treatment["drug_class"] = "compounded product"
            treatment["category"] = "compounded product"
        else:
            treatment["generic"] = first.generic
            treatment["drug_class"] = first.drug_class
            treatment["category"] = "compounded product"
        treatment["route"] = "topical" if topical else _route(first, core)
    else:
        first = _topical_form(first, core)
        treatment["name"] = first.generic
        treatment["generic"] = first.generic
        treatment["brand"] = _brand(first, distinct[0].text) if is_brand else None
        treatment["drug_class"] = first.drug_class
        treatment["category"] = first.subclass or first.drug_class
        treatment["route"] = _route(first, core)
        treatment["ingredients"] = [Ingredient(name=i, generic=i) for i in first.ingredients]
        named = distinct[0]
        treatment["long_acting"] = first.is_long_acting(named.text) or _LONG_ACTING_FORM.match(core, named.end) is not None
    after = core[distinct[0].start :]
    treatment["strength"] = None if len(distinct) > 1 and compounded else amounts.read_strength(after)
    treatment["amount"] = amounts.read_amount(after)
    unnamed = "".join(" " if any(m.start <= i < m.end for m in distinct) else c for i, c in enumerate(core))
    quantity = amounts.read_quantity(unnamed)
    treatment["quantity"] = quantity if quantity is not None else amounts.read_leading_count(core[: distinct[0].start])
    treatment["frequency"] = amounts.read_frequency(after)
    treatment["refills"] = amounts.read_refills(core)
    treatment["duration"] = amounts.read_duration(_strip_frequency(core))
    return treatment


def _strip_frequency(text: str) -> str:
    frequency = amounts.read_frequency(text)
    return text.replace(frequency, " ") if frequency else text


def _procedure_treatment(text: str, core: str, match: TermMatch[Procedure]) -> _Fields:
    procedure = match.value
    treatment: _Fields = {"text": text, "kind": procedure.kind, "name": procedure.name, "category": procedure.category}
    if procedure.kind in _SESSION_KINDS:
        sessions = amounts.read_sessions(core)
        treatment["sessions"] = sessions.sessions
        treatment["sessions_per_week"] = sessions.per_week
        treatment["weeks"] = sessions.weeks
        if sessions.sessions is None and sessions.per_week is None:
            treatment["duration"] = amounts.read_duration(core)
    else:
        quantity = amounts.read_quantity(core)
        if quantity is None:
            quantity = count_after(core[match.end :])
        treatment["quantity"] = quantity if quantity is not None else amounts.read_leading_count(core[: match.start])
        treatment["duration"] = amounts.read_duration(core)
    return treatment


def _parse_core(text: str, core: str) -> _Fields:
    """Name and measure one request string (no modified-request wording, prefixes removed)."""
    drugs = drug_matcher().find(core)
    procedures = _procedures(core)
    surgery = _accompanied_surgery(core, procedures)
    # a service that names the surgery it is for is the item, not the surgery
    procedure = _pick_procedure(core, [m for m in procedures if not m.value.operation] if surgery else procedures)
    use_drug = bool(drugs) and not (
        procedure is not None
        and not procedure.value.fallback
        and (procedure.value.kind in _OVER_DRUGS or procedure.start < drugs[0].start)
    )
    if use_drug:
        treatment = _drug_treatment(text, core, drugs)
    elif procedure is not None:
        treatment = _procedure_treatment(text, core, procedure)
    else:
        fuzzy = _fuzzy_drug(core)
        if fuzzy is not None:
            treatment = _drug_treatment(text, core, [TermMatch(0, 0, fuzzy.generic, (fuzzy, False))])
        else:
            treatment = {"text": text, "kind": TreatmentKind.OTHER, "name": " ".join(core.split()).strip(" ,.") or text}
    treatment |= _body_parts(core)
    treatment["quantity_unknown"] = amounts.unknown_quantity(core)
    if surgery is not None and treatment["name"] != surgery.value.name:
        treatment["surgery"] = surgery.value.name
    return treatment


def _strip(text: str) -> tuple[str, bool]:
    """Remove leading prefixes ("Associated surgical service:") and the retrospective marker: (core, retrospective?)."""
    core = _PREFIX.sub("", text)
    retro = _RETRO.search(core)
    if retro:
        core = core[: retro.start()] + core[retro.end() :]
    return core, retro is not None


def _date_of_service(text: str) -> tuple[str, dt.date | None]:
    """The text without its "DOS: ..." clause, and the date of service (or None)."""
    marker = _DOS.search(text)
    if not marker:
        return text, None
    dates = find_dates(text[marker.end() :])
    if not dates or dates[0].start != 0:
        return text, None
    clause_end = marker.end() + dates[0].end
    tail = _ORDER.match(text, clause_end)
    if tail:
        clause_end = tail.end()
    return (text[: marker.start()] + text[clause_end:]).strip(" ,;"), dates[0].date


def parse_request(text: str) -> Treatment:
    """Parse one request as written ("Cyclobenzaprine 7.5mg #90", "MRI of the left knee", a modified-request label).

    An empty request is an `OpenIMRError`. For a modified request the parsed fields describe the disputed portion and
    `original_request`, `authorized` and `disputed` keep the three parts as written.
    """
    if not text or not text.strip():
        raise OpenIMRError("empty request", "disputed item")
    portions = split_portions(text)
    if portions is None:
        return _parse_single(text, text)
    treatment = _with_original(_parse_single(text, portions.disputed), _parse_single(text, portions.original))
    treatment.original_request = portions.original
    treatment.authorized = portions.authorized
    treatment.disputed = portions.disputed
    return treatment


def _with_original(treatment: Treatment, original: Treatment) -> Treatment:
    """The disputed remainder completed from the original request, which often says what the remainder leaves out.

    A remainder that names nothing ("the remaining 2") takes the original's name and kind, without its amounts.
    """
    if treatment.kind is TreatmentKind.OTHER and original.kind is not TreatmentKind.OTHER:
        remainder = treatment.name  # an unnamed item keeps its text as its name
        sessions = amounts.read_sessions(remainder)
        counted = original.kind in _SESSION_KINDS
        treatment = original.model_copy(
            update={
                "text": treatment.text,
                "quantity": None if counted else amounts.read_quantity(remainder),
                "refills": amounts.read_refills(remainder),
                "sessions": sessions.sessions if counted else None,
                "sessions_per_week": sessions.per_week if counted else None,
                "weeks": sessions.weeks if counted else None,
            }
        )
    if not treatment.body_parts:
        treatment.body_parts = original.body_parts
        treatment.laterality = treatment.laterality or original.laterality
    if not treatment.levels:
        treatment.levels = original.levels
    treatment.retrospective = treatment.retrospective or original.retrospective
    treatment.postoperative = treatment.postoperative or original.postoperative
    treatment.date_of_service = treatment.date_of_service or original.date_of_service
    if treatment.kind is TreatmentKind.DRUG and original.kind is TreatmentKind.DRUG and original.generic == treatment.generic:
        treatment.strength = treatment.strength or original.strength
        treatment.frequency = treatment.frequency or original.frequency
    return treatment


def _parse_single(label: str, text: str) -> Treatment:
    core, retrospective = _strip(text)
    core, service_date = _date_of_service(core)
    treatment = _parse_core(label, core)
    treatment["postoperative"] = _POSTOPERATIVE.search(text) is not None
    if service_date is not None:
        treatment["date_of_service"] = service_date
        retrospective = True
    elif retrospective:
        treatment["date_of_service"] = parse_date(core)
    treatment["retrospective"] = retrospective
    return Treatment(**treatment)


def parse_disputed_item(item: DisputedItem) -> Treatment:
    """Parse a case file's disputed item, using its `original_request` and `authorized` fields when given.

    When the item carries them, `item.request` is taken as the disputed portion (unless it is itself a full
    modified-request label, which is then split as in `parse_request`).
    """
    treatment = parse_request(item.request)
    if treatment.original_request is None and (item.original_request or item.authorized):
        if item.original_request:
            treatment = _with_original(treatment, parse_request(item.original_request))
        treatment.original_request = item.original_request
        treatment.authorized = item.authorized
        treatment.disputed = item.request
    return treatment
