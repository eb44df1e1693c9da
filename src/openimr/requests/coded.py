"""Coded requests: a standard code (RxNorm, CPT, HCPCS) → the lexicon entry it names → a request text the parser reads.

A coded item and the same item written out select the same topic, because the text made from a code is what a
physician writes: the drug's generic name with the quantity, or the procedure's name with the body part and sessions.
The codes themselves live on the lexicon entries (`knowledge/lexicons/*.yaml`, `openimr.knowledge.lexicons.code_index`).
"""

from __future__ import annotations

from openimr.knowledge.lexicons import CodedEntry, CodeSystem, code_index, drug_lexicon, procedure_lexicon
from openimr.model import Treatment, TreatmentKind

__all__ = ["coded_entry", "coded_request", "names_entry"]

_SESSIONS = {TreatmentKind.THERAPY, TreatmentKind.PSYCHOLOGICAL, TreatmentKind.PROGRAM}
"""Kinds whose quantity counts visits or sessions."""
_OF = {TreatmentKind.IMAGING, TreatmentKind.ELECTRODIAGNOSTIC, TreatmentKind.SURGERY}
"""Kinds written "MRI of the knee"; the others are written "physical therapy for the knee"."""


def coded_entry(system: CodeSystem, code: str) -> CodedEntry | None:
    """The lexicon entry a code names, or None when the lexicons do not carry the code."""
    return code_index().get((system, code.strip()))


def coded_request(entry: CodedEntry, quantity: int | None = None, body_site: str | None = None) -> str:
    """The request text for a coded item, e.g. "cyclobenzaprine #90", "MRI of the lumbar spine",
    "physical therapy for the left knee, 12 sessions".

    `body_site` (as the request states it) replaces the body part the code implies; `quantity` is the units asked for:
    tablets for a drug, sessions for a therapy, and otherwise written only when more than one.
    """
    if entry.drug is not None:
        return f"{entry.drug.generic} #{quantity}" if quantity else entry.drug.generic
    if entry.procedure is None:
        raise ValueError(f"{entry.system} {entry.code} names neither a drug nor a procedure")
    procedure = entry.procedure
    text = procedure.name
    site = body_site or entry.body_part
    if site:
        text += f" {'of' if procedure.kind in _OF else 'for'} the {site}"
    if quantity and procedure.kind in _SESSIONS:
        text += f", {quantity} sessions"
    elif quantity and quantity > 1:
        text += f", quantity {quantity}"
    return text


def names_entry(treatment: Treatment, entry: CodedEntry) -> bool:
    """Whether a parsed request names what a code names: the same drug (or a product containing it), or the same
    procedure (or one combined with it, or any procedure of the kind when the code names a catch-all)."""
    if entry.drug is not None:
        if treatment.kind is not TreatmentKind.DRUG or treatment.generic is None:
            return False
        generic = entry.drug.generic
        product = drug_lexicon().by_generic(treatment.generic)
        contained = set(product.ingredients) if product else set()
        contained |= {i.generic for i in treatment.ingredients if i.generic}
        return treatment.generic == generic or generic in contained
    if entry.procedure is None:
        return False
    procedure = entry.procedure
    if treatment.name == procedure.name:
        return True
    if procedure.fallback:
        return treatment.kind is procedure.kind
    related = {procedure.name}
    for combination in procedure_lexicon().combinations:
        if procedure.name == combination.name or procedure.name in combination.parts:
            related |= {combination.name, *combination.parts}
    return treatment.name in related
