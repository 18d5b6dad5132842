"""Reading the search box (web/search_query.py): pure, no database."""

from __future__ import annotations

import pytest

from web.search_query import alternatives, fts5_match, parse, similarity, tsquery


def test_bare_words_are_prefixes_and_quoted_words_a_phrase() -> None:
    query = parse('Liens "motion to dismiss"')
    assert query.terms == (("liens",), ("motion", "to", "dismiss"))
    assert query.prefix == (True, False)
    assert fts5_match(alternatives(query)) == '("liens"*) AND ("motion to dismiss")'
    assert tsquery(alternatives(query)) == "((liens:*)) & ((motion <-> to <-> dismiss))"


def test_a_matter_number_is_its_words_in_a_row_as_the_index_splits_it() -> None:
    query = parse("HV-2026-0007")
    assert query.terms == (("hv", "2026", "0007"),)
    assert tsquery(alternatives(query)) == "((hv <-> 2026 <-> 0007:*))"


def test_operators_with_plain_and_quoted_values() -> None:
    query = parse('from:delgado client:"Osei Holdings" matter:HV-2026 label:Billing invoice')
    assert query.senders == ("delgado",)
    assert query.clients == ("Osei Holdings",)
    assert query.matters == ("HV-2026",)
    assert query.labels == ("billing_query",)
    assert query.terms == (("invoice",),)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("label:nonsense", "label:nonsense is not a label"),
        ("from: lien", "from: needs a value"),
        ("label:", "label: needs a value"),
    ],
)
def test_an_unusable_operator_is_a_problem_named_for_the_user(text: str, problem: str) -> None:
    assert any(p.startswith(problem) for p in parse(text).problems)


def test_no_syntax_of_the_user_reaches_the_database_query() -> None:
    query = parse('a" OR b* NEAR( c) & ! d:* \' ) ( -- "')
    for word in (w for term in query.terms for w in term):
        assert word.isalnum()
    assert "NEAR(" not in fts5_match(alternatives(query))
    assert "!" not in tsquery(alternatives(query))


def test_an_unknown_operator_is_read_as_words() -> None:
    assert parse("re:lease").terms == (("re", "lease"),)
    assert parse("").empty and parse('  "" ').empty


def test_similarity_is_pg_trgm_s() -> None:
    assert similarity("mediaton", "mediat") == pytest.approx(0.6)
    assert similarity("word", "word") == 1.0
    assert similarity("lien", "zebra") == 0.0
