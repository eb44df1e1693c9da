"""Which treatment a functional-improvement or pain-relief statement is about.

"Her function improved with physical therapy" is improvement from physical therapy, not from the opioid she also
takes. A statement is tied to the treatments named in its own clause (a sentence cut at semicolons and at "but",
"however", "whereas", "although"); when its clause names none, to those its sentence names; when neither does, to those
of the sentence before it in its paragraph, as a reader takes "He completed six visits of acupuncture. He can now walk
30 minutes."; failing that, to the treatment its document's title names (a "Chiropractic re-evaluation" is about
chiropractic). A drug a statement of medication use names ("took half as much Norco", "stopped taking Soma") is what it
measures, never the cause of the sentence's statements. Drugs are named by the drug lexicon (generic or brand),
therapies and procedures by the procedure lexicon, drug classes and "the medications" as a whole by the
`treatment_word` term list.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache

from openimr.evidence.terms import Candidate, TermMatch, document_sentences, find_terms, term_lists
from openimr.evidence.text import clause_bounds
from openimr.knowledge.lexicons import drug_lexicon, drug_matcher, procedure_matcher
from openimr.model import Case

__all__ = ["MEDICATIONS", "STOPPED", "attributed_treatments", "extract", "treatment_classes"]

MEDICATIONS = "medications"
"""The name a statement about the medications as a whole ("improved function with her medications") is tied to."""

STOPPED = "medication stopped"
"""The functional term of a drug the record says was stopped ("stopped taking cyclobenzaprine", "since stopping
ibuprofen", "tramadol was discontinued"): no gain in itself, and not a drug in current use."""

_MEDICATION_USE = frozenset({"reduced medication use", STOPPED})
"""The functional terms whose statements measure a drug's use: what they name is never the cause of the sentence's
other statements."""


def _named(text: str) -> list[str]:
    names = [match.value[0].generic for match in drug_matcher().find(text)]
    names += [match.value.name for match in procedure_matcher().find(text)]
    names += [name for name, _, pattern in term_lists()["treatment_word"] if pattern.search(text)]
    return list(dict.fromkeys(names))


def attributed_treatments(
    sentence: str,
    start: int,
    end: int,
    previous: str = "",
    measured: Sequence[tuple[int, int]] = (),
    heading: str = "",
) -> list[str]:
    """The treatments a statement at `start:end` of `sentence` is about: drug generics, procedure names, drug classes
    or MEDICATIONS, named in its clause, else in its sentence, else in the `previous` sentence of its paragraph (a
    narrative names the treatment, then says what it did: "He completed six acupuncture visits. Since then he can walk
    30 minutes." or "... He can now walk 30 minutes."), else in the `heading` of its document (a note by the treating
    provider is about that treatment: "Chiropractic re-evaluation", "Psychology progress note"); empty when none names
    one. What the statement itself names is what it measures, not its cause ("reduced her Norco use", "used less
    medication"): it is left out, and so is what the sentence's `measured` statements of medication use name ("70%
    relief, and she took half as much Norco", "... and he stopped taking cyclobenzaprine")."""
    clause_start, clause_end = clause_bounds(sentence, start, end)
    left_out = {name for a, b in [(start, end), *measured] for name in _named(sentence[a:b])}
    for text in (sentence[clause_start:clause_end], sentence, previous, heading):
        named = [n for n in _named(text) if n not in left_out] if text else []
        if named:
            return named
    return []


def treatment_classes(names: list[str]) -> set[str]:
    """`names` with the drug class of each drug generic among them added ("tramadol" -> also "opioid")."""
    classes = {drug.drug_class for name in names if (drug := drug_lexicon().by_generic(name)) is not None}
    return set(names) | classes


def extract(case: Case, names: frozenset[str] | None = None) -> list[Candidate]:
    """One fact per functional-improvement or pain-relief mention (given `names`, of the terms of those names only),
    with the treatments it is attributed to."""
    matches = list(find_terms(case, "functional", names=names | _MEDICATION_USE if names else None))
    measured: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
    for match in matches:
        if match.name in _MEDICATION_USE:
            measured[match.document.id, match.sentence.start].append(_offsets(match))
    return [
        Candidate(
            "functional",
            match,
            treatments=tuple(
                attributed_treatments(
                    match.sentence.text,
                    *_offsets(match),
                    _previous_sentence(match),
                    measured[match.document.id, match.sentence.start],
                    _heading(match.document.text),
                )
            ),
        )
        for match in matches
        if names is None or match.name in names
    ]


_NOTE_TITLE = re.compile(
    r"\b(?:notes?|progress|(?:re-?)?eval\w*|(?:re-?)?exam\w*|reports?|visits?|sessions?|flow\s*sheets?|discharge|summary)\b",
    re.IGNORECASE,
)
"""Words that make a document's first line the title of a note ("Physical therapy progress note")."""


@lru_cache(maxsize=64)
def _heading(text: str) -> str:
    """The document's first line when it reads as the title of a note (at most 150 characters; a longer line, as when
    the title ends in a full stop and the note goes on after it, gives its first sentence), without the words that make
    it one ("Chiropractic re-evaluation" names chiropractic, not an evaluation), else ""."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if len(first) > 150:
        sentences = document_sentences(text).sentences
        first = sentences[0].text.strip() if sentences else ""
    return _NOTE_TITLE.sub(" ", first) if len(first) <= 150 and _NOTE_TITLE.search(first) else ""


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def _previous_sentence(match: TermMatch) -> str:
    """The sentence before the match's, when it is in the same paragraph (no blank line between), else ""."""
    sentences = document_sentences(match.document.text)
    index = sentences.index(match.sentence.start)
    if index == 0:
        return ""
    previous = sentences.sentences[index - 1]
    return "" if _PARAGRAPH_BREAK.search(match.document.text, previous.end, match.sentence.start) else previous.text


def _offsets(match: TermMatch) -> tuple[int, int]:
    return match.start - match.sentence.start, match.end - match.sentence.start
