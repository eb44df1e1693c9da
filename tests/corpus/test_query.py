"""The search syntax: words, phrases, OR, exclusions and prefixes, written for FTS5 and PostgreSQL without letting
user text through as either engine's syntax."""

from __future__ import annotations

import pytest

from openimr.corpus.query import Clause, Term, any_of, fts5, parse_query, tsquery
from openimr.errors import OpenIMRError


def test_words_phrases_or_exclusions_prefixes() -> None:
    query = parse_query('lumbar "epidural steroid" OR cyclo* -tramadol')
    assert query.clauses == [
        Clause([Term("lumbar"), Term("epidural steroid")]),
        Clause([Term("cyclo", prefix=True)], [Term("tramadol")]),
    ]
    assert fts5(query) == '("lumbar" AND "epidural steroid") OR (("cyclo" *) NOT ("tramadol"))'


def test_common_words_alone_are_dropped_but_kept_in_phrases() -> None:
    assert parse_query("the MRI of the knee").clauses == [Clause([Term("MRI"), Term("knee")])]
    assert parse_query('"range of motion"').terms == [Term("range of motion")]


def test_fts5_syntax_in_user_text_is_quoted_away() -> None:
    expression = fts5(parse_query('NEAR(a b) x-ray "10/325" col:value AND* ^start'))
    assert expression == '("near a" AND "b" AND "x ray" AND "10 325" AND "col value" AND "and" * AND "start")'


def test_tsquery_binds_each_term_as_typed() -> None:
    sql, params = tsquery(parse_query('"PT/OT" 7-10 OR cyclo* -tramadol'))
    assert sql == (
        "(phraseto_tsquery('english', %(q0)s) && phraseto_tsquery('english', %(q1)s)) || "
        "((to_tsquery('english', %(q2)s)) && !!phraseto_tsquery('english', %(q3)s))"
    )
    assert params == {"q0": "PT/OT", "q1": "7-10", "q2": "cyclo:*", "q3": "tramadol"}


@pytest.mark.parametrize("text", ["", "   ", "the of", "-alone", '""', "OR OR", "?!"])
def test_nothing_to_search_for(text: str) -> None:
    with pytest.raises(OpenIMRError, match="nothing to search for"):
        parse_query(text)


def test_too_many_terms() -> None:
    with pytest.raises(OpenIMRError, match="too many terms"):
        parse_query(" ".join(f"word{n}" for n in range(40)))


def test_any_of_matches_any_word_once() -> None:
    query = any_of(["spasm", "the", "spasm", "baclofen"])
    assert fts5(query) == '("spasm") OR ("baclofen")'
