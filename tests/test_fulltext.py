"""The catalog's full-text table finds exactly the words `tokens` finds, however written."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from typing import Any

import apsw
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from htcat.fulltext import FOLDED_ALIKE, fts_form
from htcat.query import tokens


@pytest.fixture(scope="module", params=["sqlite3", "apsw"])
def fts(request: pytest.FixtureRequest) -> Iterator[Any]:
    """An FTS5 table made as the index makes it, and its words in order, row by row: in
    Python's SQLite (the catalog's index) and apsw's (the documents' text store)."""
    opened = (
        sqlite3.connect(":memory:") if request.param == "sqlite3" else apsw.Connection(":memory:")
    )
    with contextlib.closing(opened) as conn:
        conn.execute(
            "CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'unicode61 remove_diacritics 2')"
        )
        conn.execute("CREATE VIRTUAL TABLE words USING fts5vocab(t, 'instance')")
        yield conn


def fts_words(conn: Any, texts: list[str]) -> list[str]:
    """Each text's words as FTS5 reads them, joined as `tokens` joins them."""
    conn.execute("DELETE FROM t")
    conn.executemany("INSERT INTO t(rowid, x) VALUES (?, ?)", enumerate(texts))
    found = [[] for _ in texts]  # type: list[list[str]]
    for doc, term in conn.execute("SELECT doc, term FROM words ORDER BY doc, offset"):
        found[doc].append(term)
    return [" ".join(words) for words in found]


def test_fts5_reads_each_character_said_to_fold_alike_as_tokens_does(fts):
    """Text of these characters is given to FTS5 as it is: a newer SQLite that reads one
    of them otherwise fails here, naming it."""
    chars = [chr(c) for a, b in FOLDED_ALIKE for c in range(max(a, 1), b + 1)]
    texts = [f"a{c}b {c} x {c}y {c}{c}" for c in chars]
    differ = [
        f"U+{ord(c):04X}"
        for c, text, read in zip(chars, texts, fts_words(fts, texts), strict=True)
        if read != tokens(text)
    ]
    assert differ == []


words = st.text(
    st.one_of(
        st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]),
        st.sampled_from("ßﬁﬂ²½ÆæŒœΆάΈέΉήΊίΌόΎύΏώ ÄäÉéñÑçİıſẞ要。ʻễ\uff1a\u2019\u2013\u201c"),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(words, min_size=1, max_size=8))
def test_fts5_finds_in_the_fts_form_of_any_text_the_words_tokens_finds(fts, texts):
    assert fts_words(fts, [fts_form(t) for t in texts]) == [tokens(t) for t in texts]
