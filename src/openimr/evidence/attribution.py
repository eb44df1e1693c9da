"""Which treatment a functional-improvement or pain-relief statement is about.

"Her function improved with physical therapy" is improvement from physical therapy, not from the opioid she also takes.
A statement is tied to the treatments named in its own clause (a sentence cut at semicolons and at "but", "however",
"whereas", "although") before it, or after it through a word of cause ("returned to work with therapy", not "returned to
work and finished therapy"); when its clause names none, to those the clauses before it name; when neither does, to
those of the sentence before it in its paragraph, as a reader takes "He completed six visits of acupuncture. He can now
walk 30 minutes."; then to those named after it; failing that, to the treatment its document's title names (a
"Chiropractic re-evaluation" is about chiropractic), or in a procedure report to the procedure it reports. A drug a
statement of medication use names ("took half as much Norco", "stopped taking Soma") is what it measures, never the
cause of the sentence's statements, nor of the next sentence's (nor is the test an activity was measured on). Drugs
are named by the drug lexicon (generic or brand), therapies and procedures by the procedure lexicon, drug classes and
"the medications" as a whole by the `treatment_word` term list.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Sequence
from functools import lru_cache

from openimr.evidence.procedures import OPERATIVE_REPORTS
from openimr.evidence.scores import AGAINST_BEFORE, SYMPTOM_SCORE, changed_for_the_better, score_fell
from openimr.evidence.terms import Candidate, TermMatch, document_sentences, find_terms, term_lists
from openimr.evidence.text import Sentence, clause_bounds, split_sentences
from openimr.knowledge.lexicons import drug_lexicon, drug_matcher, procedure_matcher
from openimr.model import Case, TreatmentKind

__all__ = ["MEDICATIONS", "STOPPED", "attributed_treatments", "extract", "treatment_classes"]

MEDICATIONS = "medications"
"""The name a statement about the medications as a whole ("improved function with her medications") is tied to."""

STOPPED = "medication stopped"
"""The functional term of a drug the record says was stopped ("stopped taking cyclobenzaprine", "since stopping
ibuprofen", "tramadol was discontinued"): no gain in itself, and not a drug in current use."""

PAIN_RELIEF = "pain relief"
"""The functional term of a statement of pain relief: what it names is the relief's cause ("8/10 before gabapentin ->
4/10 now", "relief with the injection 70%"), not what it measures."""

_NAME_THEIR_CAUSE = frozenset({PAIN_RELIEF, "pain score against before"})
"""The functional terms whose statements name their cause: the pain scores before a treatment and after it."""

_MEDICATION_USE = frozenset(
    {"reduced medication use", "medication amount against before", STOPPED, "less reliance on a walking aid"}
)
"""The functional terms whose statements measure the use of a drug or a walking aid ("progressed from a walker to a
cane"): what they name is never the cause of the sentence's other statements."""

_MEASURING = _MEDICATION_USE | {"activity measured against before"}
"""The functional terms whose statements name what they measure, not a cause: the use of a drug or an aid, and an
activity measured against before by the test the statement names ("lifting 25 lb on the FCE (was 10 lb)"): what they
name is no cause of the next sentence's statements either."""


def _named(text: str) -> list[str]:
    """The treatments `text` names. An encounter named by the lexicon's catch-all consultation ("the first 12 visits",
    "at the follow-up", "on examination") is where a course is counted or a gain documented, not a treatment: it names
    none (a named consultation, "the spine surgeon's consultation", still does)."""
    names = [match.value[0].generic for match in drug_matcher().find(text)]
    names += [
        match.value.name
        for match in procedure_matcher().find(text)
        if not (match.value.fallback and match.value.kind is TreatmentKind.CONSULTATION)
    ]
    names += [name for name, _, pattern in term_lists()["treatment_word"] if pattern.search(text)]
    return list(dict.fromkeys(names))


def _consultations(text: str) -> set[str]:
    """The consultations `text` names ("Pain management progress note"): a note's title naming the specialist's visit
    names where the results it records were seen, not what brought them about."""
    return {match.value.name for match in procedure_matcher().find(text) if match.value.kind is TreatmentKind.CONSULTATION}


def attributed_treatments(
    sentence: str,
    start: int,
    end: int,
    previous: str = "",
    measured: Sequence[tuple[int, int]] = (),
    heading: str = "",
    names_its_cause: bool = False,
    measured_before: Collection[str] = (),
) -> list[str]:
    """The treatments a statement at `start:end` of `sentence` is about: drug generics, procedure names, drug classes or
    MEDICATIONS, named in its clause before it or after it through a word of cause or means (`_CAUSE_AFTER`), else in
    the clauses of its sentence before it, else in the `previous` sentence of its paragraph (a narrative names the
    treatment, then says what it did: "He completed six acupuncture visits. Since then he can walk 30 minutes." or "...
    He can now walk 30 minutes."; a procedure, then lists its results: "TFESI on 2/1. Relief 70% for ten weeks; returned
    to full duty and finished six visits of therapy."), else in the rest of its clause and sentence, else in the
    `heading` of its document (a note by the treating provider is about that treatment: "Chiropractic re-evaluation",
    "Psychology progress note"; a consultation it names, "Pain management progress note", is the visit, not a
    treatment); empty when none names one. What the statement itself names is what it measures, not its
    cause ("reduced her Norco use", "used less medication"): it is left out, and so is what the sentence's `measured`
    statements of medication use name ("70% relief, and she took half as much Norco", "... and he stopped taking
    cyclobenzaprine"). A statement that `names_its_cause` keeps what it names: a pain score before a drug and after it
    ("8/10 before gabapentin -> 4/10 now") measures the pain, and the drug is its cause. What the statements of the
    `previous` sentence measure (`measured_before`: "Norco 2/day, was 4/day. Lifting 25 lb (was 10 lb)", "Lifting 25 lb
    per the FCE. Work increased from 4 to 6 hours") is not the cause of this one either."""
    clause_start, clause_end = clause_bounds(sentence, start, end)
    own = [] if names_its_cause else [(start, end)]
    left_out = {name for a, b in [*own, *measured] for name in _named(sentence[a:b])}
    tail = sentence[end:clause_end]
    cause = sentence[clause_start:end] + (tail if _CAUSE_AFTER.match(tail) else "")
    before = left_out | set(measured_before)
    places = [(cause, left_out), (sentence[:clause_start], left_out), (previous, before)]
    places += [(tail, left_out), (sentence[clause_end:], left_out), (heading, left_out | _consultations(heading))]
    for text, skipped in places:
        named = [n for n in _named(text) if n not in skipped] if text else []
        if named:
            return named
    return []


_CAUSE_AFTER = re.compile(
    r"\W*(?:\w+\s+){0,3}?(?:with|from|after|since|following|thanks\s+to|due\s+to|because\s+of|using|on|by)\b",
    re.IGNORECASE,
)
"""What a statement's clause says after it names the statement's cause when a preposition of cause or means comes
within a few words ("returned to work with physical therapy", "70% relief after the injection"); a treatment named
after it otherwise ("returned to work and completed six therapy visits") is another event of the list, not its cause."""


def treatment_classes(names: list[str]) -> set[str]:
    """`names` with the drug class of each drug generic among them added ("tramadol" -> also "opioid")."""
    classes = {drug.drug_class for name in names if (drug := drug_lexicon().by_generic(name)) is not None}
    return set(names) | classes


def extract(case: Case, names: frozenset[str] | None = None) -> list[Candidate]:
    """One fact per functional-improvement or pain-relief mention (given `names`, of the terms of those names only),
    with the treatments it is attributed to; a symptom inventory's score that did not fall, or an amount now no better
    than before, is no improvement (`_improved`)."""
    matches = list(find_terms(case, "functional", names=names | _MEASURING if names else None))
    measured: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
    statements: dict[tuple[str, int], set[str]] = defaultdict(set)
    for match in matches:
        if match.name in _MEDICATION_USE:
            measured[match.document.id, match.sentence.start].append(_offsets(match))
        if match.name in _MEASURING:
            statements[match.document.id, match.sentence.start].update(_named(_statement(match)))
    return [
        Candidate(
            "functional",
            match,
            treatments=tuple(
                attributed_treatments(
                    match.sentence.text,
                    *_offsets(match),
                    " ".join(sentence.text for sentence in previous),
                    measured[match.document.id, match.sentence.start],
                    _heading(match.document.text, match.document.type in OPERATIVE_REPORTS),
                    names_its_cause=match.name in _NAME_THEIR_CAUSE,
                    measured_before={name for s in previous for name in statements[match.document.id, s.start]},
                )
            ),
            not_improved=not _improved(match),
        )
        for match in matches
        if names is None or match.name in names
        for previous in [_previous_sentences(match)]
    ]


def _improved(match: TermMatch) -> bool:
    """Whether a statement read with its direction tells a gain: a symptom inventory's score that fell, an amount now
    better than the one before (`AGAINST_BEFORE`); any other statement is what its term says."""
    statement = _statement(match)
    if match.name == SYMPTOM_SCORE:
        return score_fell(statement)
    if match.name in AGAINST_BEFORE:
        return changed_for_the_better(statement, AGAINST_BEFORE[match.name])
    return True


_NOTE_TITLE = re.compile(
    r"\b(?:notes?|progress|(?:re-?)?eval\w*|(?:re-?)?exam\w*|reports?|visits?|sessions?|flow\s*sheets?|discharge|summary)\b",
    re.IGNORECASE,
)
"""Words that make a document's first line the title of a note ("Physical therapy progress note")."""


@lru_cache(maxsize=64)
def _heading(text: str, procedure_report: bool = False) -> str:
    """The document's first line, up to its first sentence's end, when it reads as the title of a note (at most 150
    characters), without the words that make it one ("Chiropractic re-evaluation" names chiropractic, not an
    evaluation); else, in a `procedure_report` (of a type of `OPERATIVE_REPORTS`: the relief it records with no
    treatment named is the procedure's), its first sentence (at most 150 characters), which names the procedure
    ("Bilateral L4-5 medial branch blocks, ..."); else "". The text is as read (`as_read`), where a title ending in a
    full stop runs on into the next line: "Re-exam after six chiropractic visits." is a title still."""
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    sentences = split_sentences(line)
    first = sentences[0].text if sentences else line
    if len(first) <= 150 and _NOTE_TITLE.search(first):
        return _NOTE_TITLE.sub(" ", first)
    opening = document_sentences(text).sentences
    return opening[0].text if procedure_report and opening and len(opening[0].text) <= 150 else ""


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


_BACK_REFERENCE = re.compile(
    r"^\W*(?:during|in|over|since|after|within|throughout|at)\s+(?:that|this|the\s+same)\s+(?:time|period|interval|span"
    r"|window)\b|^\W*(?:since\s+then|by\s+then|meanwhile|in\s+the\s+meantime)\b",
    re.IGNORECASE,
)
"""Words that open a sentence by pointing back to the time of what the sentence before it said ("During that time she
took less Norco", "Since then"): the time of the relief that sentence reports, and so of its treatment."""


def _previous_sentences(match: TermMatch) -> list[Sentence]:
    """The sentence before the match's, when it is in the same paragraph (no blank line between), else none. When the
    match's sentence opens by pointing back to that sentence's time ("During that time ...") and that sentence names
    no treatment, the one before it as well, as a reader follows "TFESI on 11/20. 70% relief lasting ten weeks. During
    that time she returned to full duty." back to the injection."""
    sentences = document_sentences(match.document.text)
    index = sentences.index(match.sentence.start)
    reach = 2 if _BACK_REFERENCE.search(match.sentence.text) else 1
    found: list[Sentence] = []
    end = match.sentence.start
    for back in range(1, reach + 1):
        if index - back < 0:
            break
        previous = sentences.sentences[index - back]
        if _PARAGRAPH_BREAK.search(match.document.text, previous.end, end):
            break
        found.insert(0, previous)
        if _named(previous.text):
            break
        end = previous.start
    return found


def _statement(match: TermMatch) -> str:
    return match.document.text[match.start : match.end]


def _offsets(match: TermMatch) -> tuple[int, int]:
    return match.start - match.sentence.start, match.end - match.sentence.start
