"""The search syntax, one for both databases: words, "quoted phrases", `OR`, `-excluded` and `prefix*`.

Words next to each other must all occur (in the request, the rationale or the letter's summary); `OR` between two
groups matches either; a leading `-` excludes a word or phrase; a trailing `*` matches any word starting so. Common
English words on their own ("the", "for", "of") are dropped, as a search engine would. `parse_query` reads the text
into a `Query`; `fts5` writes it for SQLite FTS5 and `tsquery` as a PostgreSQL expression with bound parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from openimr.errors import OpenIMRError

STOPWORDS = frozenset(
    (
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
    )
)
"""English words too common to search on by themselves (PostgreSQL's English stop words, roughly)."""

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD_CHARS = re.compile(r"[^\W_]+")
MAX_TERMS = 32


@dataclass(frozen=True)
class Term:
    """A word, a phrase (several words in order) or a prefix to match."""

    text: str
    prefix: bool = False

    @property
    def words(self) -> list[str]:
        """The term's words, lower case, as both databases' tokenizers split them."""
        return [w.lower() for w in _WORD_CHARS.findall(self.text)]


@dataclass(frozen=True)
class Clause:
    """Terms that must all occur, and terms that must not."""

    include: list[Term]
    exclude: list[Term] = field(default_factory=list)


@dataclass(frozen=True)
class Query:
    """Clauses of which any may match."""

    clauses: list[Clause]

    @property
    def terms(self) -> list[Term]:
        """Every included term, for highlighting."""
        return [term for clause in self.clauses for term in clause.include]

    @property
    def has_prefix(self) -> bool:
        """Whether a term, included or excluded, is a prefix."""
        return any(term.prefix for clause in self.clauses for term in [*clause.include, *clause.exclude])


def parse_query(text: str) -> Query:
    """Read search text; `OpenIMRError` when nothing searchable is left (only common words, only exclusions)."""
    clauses: list[Clause] = []
    include: list[Term] = []
    exclude: list[Term] = []
    count = 0
    text = "".join(c if c.isprintable() else " " for c in text)
    for match in _TOKEN.finditer(text):
        negated, phrase, bare = match.group(1), match.group(2), match.group(3)
        if bare == "OR":
            if include:
                clauses.append(Clause(include, exclude))
            include, exclude = [], []
            continue
        if phrase is not None:
            term = Term(phrase)
        else:
            assert bare is not None
            negated = "-" if bare.startswith("-") and len(bare) > 1 else ""
            word = bare[1:] if negated else bare
            prefix = word.endswith("*") and len(word) > 1
            term = Term(word.rstrip("*"), prefix=prefix)
            if not prefix and len(term.words) == 1 and term.words[0] in STOPWORDS:
                continue
        if not term.words:
            continue
        count += 1
        (exclude if negated else include).append(term)
    if include:
        clauses.append(Clause(include, exclude))
    if not clauses:
        raise OpenIMRError("nothing to search for (only common words, exclusions or punctuation)", f"query {text!r}")
    if count > MAX_TERMS:
        raise OpenIMRError(f"too many terms ({count}; at most {MAX_TERMS})", "query")
    return Query(clauses)


def any_of(words: list[str]) -> Query:
    """A query matching any of `words` (for similarity: the more of them an item has, the higher it ranks)."""
    terms = [Term(w) for w in dict.fromkeys(words) if w and w not in STOPWORDS]
    if not terms:
        raise OpenIMRError("nothing to search for", "similarity query")
    return Query([Clause([term]) for term in terms[:MAX_TERMS]])


def _fts5_term(term: Term) -> str:
    quoted = '"' + " ".join(term.words) + '"'
    return f"{quoted} *" if term.prefix else quoted


def fts5(query: Query) -> str:
    """The query in FTS5 syntax: every term quoted (FTS5 then splits it as it splits the text), so no user text is
    read as FTS5 syntax."""
    parts = []
    for clause in query.clauses:
        expression = " AND ".join(_fts5_term(t) for t in clause.include)
        if clause.exclude:
            expression = f"({expression}) NOT ({' OR '.join(_fts5_term(t) for t in clause.exclude)})"
        parts.append(f"({expression})")
    return " OR ".join(parts)


def tsquery(query: Query, config: str = "english") -> tuple[str, dict[str, str]]:
    """The query as a PostgreSQL tsquery expression over bound parameters (`phraseto_tsquery` of each term as typed,
    so the database's own parser and stemmer read it exactly as they read the letters), and the parameters; the
    parameters are written `%(q0)s`, as psycopg binds them."""
    params: dict[str, str] = {}

    def term_sql(term: Term) -> str:
        name = f"q{len(params)}"
        if term.prefix:
            params[name] = " <-> ".join(term.words) + ":*"
            return f"to_tsquery('{config}', %({name})s)"
        params[name] = term.text
        return f"phraseto_tsquery('{config}', %({name})s)"

    parts = []
    for clause in query.clauses:
        expression = " && ".join(term_sql(t) for t in clause.include)
        for term in clause.exclude:
            expression = f"({expression}) && !!{term_sql(term)}"
        parts.append(f"({expression})")
    return " || ".join(parts), params
