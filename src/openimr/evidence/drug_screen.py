"""A drug screen's results set beside the drugs the worker takes: an unexpected result however the record charts it.

CPMTG Drug testing p. 43 and Opioids, on-going management pp. 78-79; ODG Pain, Urine drug testing (UDT): a result is
unexpected (inconsistent) when the screen finds a controlled drug the worker is not prescribed, or does not find the one
the worker takes; confirmatory GC/MS or LC/MS testing is for such a result. Notes and laboratory reports chart a result
drug by drug, however they name it ("BZO POSITIVE; OXY NEGATIVE", "oxycodone: not detected", "positive for opiates and
benzodiazepines"): a drug's own name (the drug lexicon), a panel abbreviation, a class word or a metabolite (the
`drug_screen_assay` term list names each by the drug whose use it shows). A result is read from a sentence that names a
drug test, and is unexpected when:

- positive, and no drug whose use it shows is prescribed (taken or prescribed in the record, outside the results
  themselves), the record naming the worker's prescriptions;
- negative for a drug the worker takes (`shows_use`), when no result of the same sentence finds that drug (a metabolite
  may be missing while the drug itself is found: "hydrocodone positive, hydromorphone negative").

Each such result is a fact "unexpected drug test result" (group `unexpected_drug_test`), as the term list of that name
reads the result a note states in words ("inconsistent UDS").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from openimr.evidence.medications import PAST_COURSE, drug_class_key, names_drug_test, same_drug, shows_use
from openimr.evidence.medications import extract as medication_candidates
from openimr.evidence.terms import Candidate, TermMatch, document_sentences, find_terms
from openimr.evidence.text import Sentence
from openimr.knowledge.lexicons import drug_lexicon, drug_matcher
from openimr.model import Case, Document, Fact, FactStatus

NAME = "unexpected drug test result"
GROUP = "unexpected_drug_test"
FACT_KEYS = frozenset({NAME, GROUP})
"""The fact names and groups this reading gives."""

_NEGATIVE = r"negative|neg\b\.?|not\s+detected|undetected|none\s+detected|not\s+present|absent|\(\s*-\s*\)"
_POSITIVE = r"positive|pos\b\.?|detected|present|\(\s*\+\s*\)|\+(?![\d+/])"
_RESULT_AFTER = re.compile(
    rf"\s*(?::|=|-|\s(?:was|were|is|are))?\s*(?:(?P<negative>{_NEGATIVE})|(?P<positive>{_POSITIVE}))",
    re.IGNORECASE,
)
"""A result written after what it is of ("BZO POSITIVE", "oxycodone: not detected", "hydrocodone was negative")."""
_RESULT_BEFORE = re.compile(
    r"\b(?:(?P<negative>negative|neg)|(?P<positive>positive|pos))\s+(?:only\s+)?for\s+"
    r"(?:(?:the|his|her|their|prescribed)\s+)*(?:[\w/-]+\s*(?:,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+|/)\s*)*$",
    re.IGNORECASE,
)
"""A result written before a list of what it is of ("positive for opiates and benzodiazepines", "negative for the
prescribed oxycodone"), the drug last in the part before it."""


@dataclass(frozen=True, slots=True)
class _Result:
    """One result of a screen: where it is written, the drugs whose use it shows, and whether it found them."""

    document: Document
    sentence: Sentence
    start: int
    end: int
    shows: frozenset[str]
    positive: bool


def _result_at(document: Document, sentence: Sentence, start: int, end: int, shows: frozenset[str]) -> _Result | None:
    """The result a sentence gives for the name written at `start:end`, after it or before it; None when it gives
    none there."""
    text = document.text
    after = _RESULT_AFTER.match(text, end, sentence.end)
    if after:
        return _Result(document, sentence, start, after.end(), shows, after.group("positive") is not None)
    before = _RESULT_BEFORE.search(text, max(sentence.start, start - 80), start)
    if before:
        return _Result(document, sentence, before.start(), end, shows, before.group("positive") is not None)
    return None


def _results(case: Case) -> Iterator[_Result]:
    """Every result charted in a sentence that names a drug test: of a drug the lexicon names, or of a name the
    `drug_screen_assay` terms list (the same place named both ways is one result, showing the use of all it names)."""
    named: dict[tuple[int, int], tuple[Document, Sentence, int, set[str]]] = {}
    for match in find_terms(case, "drug_screen_assay"):
        place = named.setdefault((id(match.document), match.start), (match.document, match.sentence, match.end, set()))
        place[3].add(match.name)
    for document in case.documents:
        sentences = document_sentences(document.text)
        for found in drug_matcher().find(document.text):
            sentence = sentences.sentences[sentences.index(found.start)]
            place = named.setdefault((id(document), found.start), (document, sentence, found.end, set()))
            place[3].add(found.value[0].generic)
    tested: dict[tuple[int, int], bool] = {}
    for (_, start), (document, sentence, end, shows) in sorted(named.items(), key=lambda item: item[0]):
        key = (id(document), sentence.start)
        if key not in tested:
            tested[key] = names_drug_test(sentence.text)
        if tested[key] and (result := _result_at(document, sentence, start, end, frozenset(shows))):
            yield result


def _shown_by(key: str, fact: Fact) -> bool:
    """Whether a medication fact names a drug whose use a result of `key` (a generic or a class key) shows."""
    drug = drug_lexicon().by_generic(fact.name)
    return same_drug(key, fact.name) or (drug is not None and drug_class_key(drug.drug_class) == key)


def extract(case: Case) -> list[Candidate]:
    """A candidate fact for every unexpected result (see the module's rules), placed at the result."""
    results = list(_results(case))
    if not results:
        return []
    places = {(id(r.document), r.start, r.end) for r in results}

    def outside_results(candidate: Candidate) -> bool:
        match = candidate.match
        return not any(d == id(match.document) and s <= match.start < e for d, s, e in places)

    medications = [
        fact
        for fact in (c.resolve() for c in medication_candidates(case) if outside_results(c))
        if fact.experiencer == "patient"
    ]
    prescribed = [f for f in medications if f.status in (FactStatus.PRESENT, FactStatus.PLANNED) and f.value != PAST_COURSE]
    taken = [f for f in medications if shows_use(f)]
    found_in = {(id(r.document), r.sentence.start, key) for r in results if r.positive for key in r.shows}
    candidates = []
    for result in results:
        if result.positive:
            # set against the prescriptions the record names: with none named, a drug found says nothing unexpected
            unexpected = bool(prescribed) and not any(_shown_by(key, f) for key in result.shows for f in prescribed)
        else:
            missing = [key for key in result.shows if (id(result.document), result.sentence.start, key) not in found_in]
            unexpected = any(_shown_by(key, f) for key in missing for f in taken)
        if unexpected:
            match = TermMatch(result.document, NAME, GROUP, result.start, result.end, result.sentence)
            # the result's own words ("negative", "not detected") report what the screen found, not a negation
            candidates.append(Candidate("finding", match, tested_absent=True))
    return candidates
