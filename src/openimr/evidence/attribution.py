"""Which treatment a functional-improvement or pain-relief statement is about.

"Her function improved with physical therapy" is improvement from physical therapy, not from the opioid she also
takes. A statement is tied to the treatments named in its own clause (a sentence cut at semicolons and at "but",
"however", "whereas", "although"); when its clause names none, to those its sentence names; when neither does and the
sentence opens by pointing back ("Since then ...", "It helped ..."), to those of the sentence before. Drugs are named
by the drug lexicon (generic or brand), therapies and procedures by the procedure lexicon, drug classes and "the
medications" as a whole by the `treatment_word` term list.
"""

from __future__ import annotations

import re

from openimr.evidence.dates import report_frame_end
from openimr.evidence.terms import Candidate, TermMatch, document_sentences, find_terms, term_lists
from openimr.evidence.text import clause_bounds
from openimr.knowledge.lexicons import drug_lexicon, drug_matcher, procedure_matcher
from openimr.model import Case

__all__ = ["MEDICATIONS", "attributed_treatments", "extract", "treatment_classes"]

MEDICATIONS = "medications"
"""The name a statement about the medications as a whole ("improved function with her medications") is tied to."""

def _named(text: str) -> list[str]:
    names = [match.value[0].generic for match in drug_matcher().find(text)]
    names += [match.value.name for match in procedure_matcher().find(text)]
    names += [name for name, _, pattern in term_lists()["treatment_word"] if pattern.search(text)]
    return list(dict.fromkeys(names))


_BACK_REFERENCE = re.compile(
    r"^\W*(?:(?:he|she|they|the\s+(?:patient|worker|injured\s+worker|claimant))\s+(?:reports?|reported|states?|stated|notes?"
    r"|noted|says|said|feels|felt)\s+(?:that\s+)?)?"
    r"(?:since\s+then|since\s+that\s+time|after\s+(?:that|this|these|them)|afterwards?|following\s+(?:that|this|these|them)"
    r"|with\s+(?:that|this|these|them|it)|as\s+a\s+result|(?:it|this|that|they|these)\s+(?:has|have|had)?\s*"
    r"(?:help|improve|allow|enable|permit|let|reduce|decrease|increase)(?:s|d|ed)?)\b",
    re.IGNORECASE,
)
"""A sentence that opens by pointing back at the one before ("Since then her sitting tolerance increased", "It allows
her to cook", "She reports that it helps her cook")."""


def attributed_treatments(sentence: str, start: int, end: int, previous: str = "") -> list[str]:
    """The treatments a statement at `start:end` of `sentence` is about: drug generics, procedure names, drug classes
    or MEDICATIONS, named in its clause, else in its sentence, else, when the sentence opens by pointing back ("since
    then", "after that", "it helped"; after a reporting frame: "Per the report dated 5/2/2016, it helped"), in the
    `previous` sentence; empty when none names one. What the statement itself names is what it measures, not its cause
    ("reduced her Norco use", "used less medication"): it is left out."""
    clause_start, clause_end = clause_bounds(sentence, start, end)
    measured = set(_named(sentence[start:end]))
    named = [n for n in _named(sentence[clause_start:clause_end]) if n not in measured]
    named = named or [n for n in _named(sentence) if n not in measured]
    if not named and previous and _BACK_REFERENCE.match(sentence[report_frame_end(sentence) :]):
        named = _named(previous)
    return named


def treatment_classes(names: list[str]) -> set[str]:
    """`names` with the drug class of each drug generic among them added ("tramadol" -> also "opioid")."""
    classes = {drug.drug_class for name in names if (drug := drug_lexicon().by_generic(name)) is not None}
    return set(names) | classes


def extract(case: Case, names: frozenset[str] | None = None) -> list[Candidate]:
    """One fact per functional-improvement or pain-relief mention (given `names`, of the terms of those names only),
    with the treatments it is attributed to."""
    return [
        Candidate(
            "functional",
            match,
            treatments=tuple(attributed_treatments(match.sentence.text, *_offsets(match), _previous_sentence(match))),
        )
        for match in find_terms(case, "functional", names=names)
    ]


def _previous_sentence(match: TermMatch) -> str:
    sentences = document_sentences(match.document.text)
    index = sentences.index(match.sentence.start)
    return sentences.sentences[index - 1].text if index > 0 else ""


def _offsets(match: TermMatch) -> tuple[int, int]:
    return match.start - match.sentence.start, match.end - match.sentence.start
