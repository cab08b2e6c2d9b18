"""Keyword parsing, the filters' values, link statuses and the footer: the selection language."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from htcat.errors import InputError
from htcat.query import (
    Filters,
    Keywords,
    Page,
    displaying,
    link_statuses,
    parse_keywords,
    tokens,
)


def checked(outcome: str | None) -> dict[str, object]:
    return {"url": "https://example.org/x", "check": {"outcome": outcome} if outcome else None}


# --- keywords ---------------------------------------------------------------------------------


def all_of(*terms: str) -> Keywords:
    return Keywords(tuple((t,) for t in terms))


def test_keywords_are_words_and_quoted_phrases():
    parsed = parse_keywords('Supply  "forced   labor" chains')
    assert parsed == all_of("supply", "forced labor", "chains")


def test_unbalanced_quote_runs_to_the_end_as_a_phrase():
    assert parse_keywords('health "forced labor') == all_of("health", "forced labor")
    assert parse_keywords('"') == Keywords()


def test_keywords_are_folded():
    assert parse_keywords("MÉXICO Niñas") == all_of("mexico", "ninas")


def test_letters_that_compatibility_makes_capitals_are_folded_too():
    """Mathematical letters decompose to capitals (script N to N): folded after that too,
    as the full-text index folds them."""
    assert tokens("\U0001d4a9\U0001d56c ﬁle ²") == "na file 2"


def test_or_joins_the_terms_beside_it_and_binds_closer_than_and():
    assert parse_keywords("trafficking OR exploitation") == Keywords(
        (("trafficking", "exploitation"),)
    )
    parsed = parse_keywords('labor trafficking OR "forced work" OR exploitation')
    assert parsed == Keywords((("labor",), ("trafficking", "forced work", "exploitation")))
    assert parse_keywords("this or that") == all_of("this", "or", "that"), "only OR in capitals"
    assert parse_keywords('"OR"') == all_of("or")


def test_a_minus_before_a_word_or_phrase_excludes_it():
    parsed = parse_keywords('"forced labor" -webinar -"Q&A responses"')
    assert parsed == Keywords((("forced labor",),), ("webinar", "q a responses"))
    assert parse_keywords("anti-trafficking e-learning") == all_of("anti trafficking", "e learning")


def test_a_dangling_or_a_lone_minus_and_empty_terms_are_ignored():
    assert parse_keywords("OR a OR") == all_of("a")
    assert parse_keywords("a OR -b c") == Keywords((("a",), ("c",)), ("b",))
    assert parse_keywords("a - !!! -!! OR") == all_of("a")
    assert not parse_keywords("OR - --")


@given(st.text())
def test_parse_keywords_never_raises(text):
    parsed = parse_keywords(text)
    terms = [*(t for group in parsed.groups for t in group), *parsed.excluded]
    assert all(group for group in parsed.groups)
    assert all(term and term == term.strip() for term in terms)


@pytest.mark.parametrize("bad", ["21", "2021/03", "last year", "2021-3"])
def test_bad_periods_are_refused(bad):
    with pytest.raises(InputError, match=f"--since '{bad}'"):
        Filters.build(since=bad)
    with pytest.raises(InputError, match="--until"):
        Filters.build(until=bad)


def test_timeouts_and_invalid_links_count_as_broken():
    assert link_statuses({"links": [checked("timeout"), checked("invalid")]}) == {"broken"}
    assert link_statuses({"links": []}) == set()


def test_footer_of_an_empty_selection():
    assert displaying(Page([], 0, 0)) == "Displaying 0 of 0"
