"""The text of fetched documents: read page by page, normalized, stored by hash, searched."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.texdocs import IMAGE_ONLY, cjk_pdf, encrypted, latex_pdf
from htcat.docsearch import match_expression
from htcat.index import doctext
from htcat.links.config import DocumentLimits
from htcat.links.documents import document_text, main_text, normalized
from htcat.query import parse_keywords

REAL = Path(__file__).parent / "documents"
LIMITS = DocumentLimits()


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three pages: a hyphenated word and ligatures, a scan-like page, accents."""
    return latex_pdf(
        tmp_path_factory.mktemp("tex"),
        [
            "Offices of financial investigators. "
            "Internationalization antitrafficking counterinterrogation "
            "internationalization antitrafficking counterinterrogation.",
            IMAGE_ONLY,
            r"Debt bondage in agriculture: the caf\'e workers of S\~ao Paulo.",
        ],
    )


def found(catalog: Path, query: str, hashes: set[str]) -> list[tuple[str, int, str]]:
    match = match_expression(parse_keywords(query))
    with doctext.opened(catalog) as conn:
        hits = doctext.search_pages(conn, match, sorted(hashes), None)
    return [(hit.sha256[:1], hit.page, hit.snippet) for hit in hits]


def test_normalizing_joins_hyphenated_words_and_unfolds_ligatures() -> None:
    assert normalized("traf-\nficking and traf\u00adficking") == "trafficking and trafficking"
    assert normalized("the \ufb01nancial o\ufb03ce") == "the financial office"
    assert normalized("PDFium's hyphen: agri\ufffeculture") == "PDFium's hyphen: agriculture"


def test_a_hyphen_before_a_capital_or_inside_a_line_stays() -> None:
    assert normalized("Anti-\nSlavery Day and well-known") == "Anti-Slavery Day and well-known"


def test_cjk_characters_are_spaced_apart_and_joined_again_in_snippets() -> None:
    assert normalized("防止人口贩运 law") == "防 止 人 口 贩 运 law"
    assert doctext.unspaced_cjk("防 止 \x02人 口\x03 贩") == "防止\x02人口\x03贩"


def test_each_pdf_page_gives_its_text_and_a_page_without_text_is_counted(report: Path) -> None:
    text = document_text(report, LIMITS)

    assert (text.state, text.pages, text.empty, text.text_pages) == ("read", 3, 1, 2)
    assert text.texts[0].startswith("Offices of financial investigators.")
    assert text.texts[1] == ""
    assert "café workers of São Paulo" in text.texts[2]


def test_tex_hyphenated_the_words_at_line_ends_and_they_come_back_whole(report: Path) -> None:
    import pypdfium2

    document = pypdfium2.PdfDocument(report)
    raw = document[0].get_textpage().get_text_range()
    document.close()
    assert "\ufffe" in raw or "-\r\n" in raw  # the column is narrow enough to cut words
    words = normalized(raw).lower().replace(".", "").split()
    assert words.count("internationalization") == 2
    assert words.count("counterinterrogation") == 2


def test_a_document_with_only_image_pages_has_no_text(tmp_path: Path) -> None:
    text = document_text(latex_pdf(tmp_path, [IMAGE_ONLY, IMAGE_ONLY]), LIMITS)

    assert (text.state, text.pages, text.empty, text.text_pages) == ("no-text", 2, 2, 0)


def test_an_encrypted_pdf_is_locked_not_guessed(report: Path) -> None:
    locked = document_text(encrypted(report, user_password="secret"), LIMITS)
    real = document_text(REAL / "libreoffice-writer-password.pdf", LIMITS)

    assert (locked.state, locked.texts, locked.error) == ("locked", (), "needs a password")
    assert real.state == "locked"


def test_a_pdf_encrypted_without_a_user_password_is_read(report: Path) -> None:
    text = document_text(encrypted(report, user_password=""), LIMITS)

    assert text.state == "read"
    assert "Debt bondage" in text.texts[2]


def test_a_file_that_is_no_pdf_pdfium_reads_is_unreadable(tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50)

    assert document_text(broken, LIMITS).state == "unreadable"


def test_the_page_limit_reads_the_first_pages_and_says_so(report: Path) -> None:
    text = document_text(report, DocumentLimits(max_pages=2))

    assert (text.pages, len(text.texts)) == (3, 2)
    assert text.limited == "read the first 2 of 3 pages"
    assert document_text(report, DocumentLimits(max_pages=3)).limited is None


def test_the_character_limit_cuts_the_text_and_stops_reading(report: Path) -> None:
    text = document_text(report, DocumentLimits(max_chars=20))

    assert text.texts == ("Offices of financial",)
    assert text.limited is not None and "20 characters" in text.limited


def test_an_html_transcript_gives_its_reading_text_without_scripts_or_menus(
    tmp_path: Path,
) -> None:
    page = tmp_path / "transcript.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>T</title><style>p{}</style></head><body>"
        "<nav>Home | About</nav><script>var bondage = 1;</script>"
        "<main><h1>Webinar transcript</h1><p>SPEAKER: Debt bondage in "
        "agri&shy;culture.</p><p>人口贩运</p></main><footer>© site</footer></body></html>",
        encoding="utf-8",
    )
    text = document_text(page, LIMITS)

    assert text.state == "read" and text.pages == 1
    assert text.texts[0] == "Webinar transcript SPEAKER: Debt bondage in agriculture. 人 口 贩 运"
    assert "Home" not in main_text(page.read_text())


def test_plain_text_is_taken_as_it_is_and_empty_text_has_none(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Forced labour\nindicators.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("  \n", encoding="utf-8")

    assert document_text(tmp_path / "a.txt", LIMITS).texts == ("Forced labour indicators.",)
    assert document_text(tmp_path / "b.txt", LIMITS).state == "no-text"


def test_real_pdfs_give_each_page_its_own_text() -> None:
    columns = document_text(REAL / "multicolumn.pdf", LIMITS)
    google = document_text(REAL / "google-doc-document.pdf", LIMITS)

    assert [("Helsinki" in page) for page in columns.texts] == [False, False, True]
    assert "Beautiful is better than ugly." in google.texts[0]


def test_search_finds_the_page_with_a_marked_snippet(tmp_path: Path, report: Path) -> None:
    catalog = tmp_path / "catalog.json"
    with doctext.opened(catalog) as conn:
        doctext.put(conn, "a" * 64, document_text(report, LIMITS))
        doctext.put(conn, "b" * 64, document_text(REAL / "multicolumn.pdf", LIMITS))
    both = {"a" * 64, "b" * 64}

    assert found(catalog, '"debt bondage" sao', both) == [
        ("a", 3, "\x02Debt bondage\x03 in agriculture: the café workers of \x02São\x03 Paulo.")
    ]
    assert [(h, p) for h, p, _ in found(catalog, "helsinki OR vienna", both)] == [("b", 3)]
    assert [p for _, p, _ in found(catalog, "antitraffick", both)] == [1]
    assert [p for _, p, _ in found(catalog, "office financial", both)] == [1]
    assert found(catalog, "helsinki", {"a" * 64}) == []
    assert found(catalog, "bondage -paulo", both) == []


def test_cjk_words_are_found_inside_a_run_of_characters(tmp_path: Path) -> None:
    text = "关于防止人口贩运的报告。日本語のテキスト 한국어로"
    (tmp_path / "zh.txt").write_text(text, encoding="utf-8")
    catalog = tmp_path / "catalog.json"
    with doctext.opened(catalog) as conn:
        doctext.put(conn, "c" * 64, document_text(tmp_path / "zh.txt", LIMITS))

    assert [p for _, p, _ in found(catalog, "人口贩运", {"c" * 64})] == [1]
    assert [p for _, p, _ in found(catalog, "テキスト", {"c" * 64})] == [1]
    assert [p for _, p, _ in found(catalog, "국어", {"c" * 64})] == [1]  # folding splits Hangul
    assert found(catalog, "贩人", {"c" * 64}) == []


def test_a_chinese_pdf_is_found_inside_its_run_of_characters(tmp_path: Path) -> None:
    pdf = cjk_pdf(tmp_path, "关于防止人口贩运的报告")
    catalog = tmp_path / "catalog.json"
    with doctext.opened(catalog) as conn:
        doctext.put(conn, "c" * 64, document_text(pdf, LIMITS))

    hits = found(catalog, "人口贩运", {"c" * 64})
    assert [(page, doctext.unspaced_cjk(snippet)) for _, page, snippet in hits] == [
        (1, "关于防止\x02人口贩运\x03的报告")
    ]


@pytest.mark.parametrize(
    ("written", "asked", "marked"),
    [
        ("Die Straße nach Athen", "strasse", "Straße"),
        ("Die STRASSE nach Athen", "straße", "STRASSE"),
        ("ΑΘΗΝΑ, 2004", "Αθήνα", "ΑΘΗΝΑ"),
        ("στην Αθήνα το 2004", "ΑΘΗΝΑ", "Αθήνα"),
        ("Ἀθῆναι in polytonic Greek", "αθηναι", "Ἀθῆναι"),
        ("the ﬁnal Größe of it", "GROSSE", "Größe"),
    ],
)
def test_a_word_is_found_however_its_letters_fold_and_shown_as_written(
    tmp_path: Path, written: str, asked: str, marked: str
) -> None:
    """The store folds as the query does (ß is ss, Greek loses its accents), and the
    snippet is the page's own text with the word marked where it stands."""
    catalog = tmp_path / "catalog.json"
    with doctext.opened(catalog) as conn:
        doctext.put(conn, "a" * 64, doctext.DocumentText("read", 1, (written,)))

    assert found(catalog, asked, {"a" * 64}) == [
        ("a", 1, written.replace(marked, f"\x02{marked}\x03"))
    ]


def test_a_document_stored_again_replaces_its_rows_and_forget_removes_them(
    tmp_path: Path,
) -> None:
    (tmp_path / "one.txt").write_text("first words", encoding="utf-8")
    (tmp_path / "two.txt").write_text("second words", encoding="utf-8")
    catalog = tmp_path / "catalog.json"
    with doctext.opened(catalog) as conn:
        doctext.put(conn, "d" * 64, document_text(tmp_path / "one.txt", LIMITS))
        doctext.put(conn, "e" * 64, document_text(tmp_path / "one.txt", LIMITS))
        doctext.put(conn, "d" * 64, document_text(tmp_path / "two.txt", LIMITS))
        assert doctext.stored_hashes(conn) == {"d" * 64, "e" * 64}
        assert doctext.forget(conn, ["e" * 64, "f" * 64]) == 1
        pages = conn.execute("SELECT count(*) FROM pages").fetchone()[0]

    assert pages == 1
    assert found(catalog, "words", {"d" * 64, "e" * 64}) == [("d", 1, "second \x02words\x03")]


def test_a_store_of_the_first_version_is_indexed_again_folded_and_keeps_its_text(
    tmp_path: Path,
) -> None:
    catalog = tmp_path / "catalog.json"
    old = sqlite3.connect(doctext.doctext_path(catalog))
    old.executescript(
        """CREATE TABLE documents(
        doc_id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, state TEXT NOT NULL,
        page_count INTEGER NOT NULL, text_pages INTEGER NOT NULL, empty_pages INTEGER NOT NULL,
        limited TEXT, error TEXT);
        CREATE VIRTUAL TABLE pages USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');
        INSERT INTO documents VALUES (1, '%s', 'read', 2, 2, 0, NULL, NULL);
        INSERT INTO pages(rowid, text) VALUES (1048576, 'Große Straße'), (1048577, 'zwei');
        PRAGMA user_version = 1;"""
        % ("a" * 64)
    )
    old.close()

    assert found(catalog, "strasse", {"a" * 64}) == [("a", 1, "Große \x02Straße\x03")]
    with doctext.opened(catalog) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (doctext.STORE_VERSION,)
        assert doctext.sizes(conn)[0] == len("Große Straße") + len("zwei")
        doctext.forget(conn, ["a" * 64])
        left = conn.execute("SELECT count(*) FROM pages WHERE pages MATCH 'zwei'").fetchone()
    assert left == (0,)


def test_a_store_an_older_htcat_set_back_to_the_first_version_is_indexed_again(
    tmp_path: Path,
) -> None:
    catalog = tmp_path / "catalog.json"
    with doctext.opened(catalog) as conn:
        doctext.put(conn, "a" * 64, doctext.DocumentText("read", 1, ("Große Straße",)))
        conn.execute("PRAGMA user_version = 1")  # what the first version wrote on every opening

    assert found(catalog, "strasse", {"a" * 64}) == [("a", 1, "Große \x02Straße\x03")]
    with doctext.opened(catalog) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (doctext.STORE_VERSION,)


def test_the_store_is_sqlite_beside_the_catalog(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.json"
    with doctext.opened(catalog):
        pass

    conn = sqlite3.connect(tmp_path / ".catalog.json.doctext.sqlite")
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert {"documents", "pages"} <= tables


def test_a_query_of_only_excluded_words_is_refused() -> None:
    from htcat.errors import InputError

    with pytest.raises(InputError, match="at least one word"):
        match_expression(parse_keywords("-bondage"))


WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZàéîõüçñÅØ", min_size=1)
CJK_RUN = st.text(alphabet="人口贩运防止劳动日本語のテキスト한국어", min_size=1, max_size=6)


@given(words=st.lists(WORD | CJK_RUN, min_size=1, max_size=12), junk=st.text(max_size=40))
@settings(max_examples=60)
def test_every_word_of_a_document_is_found_as_written(
    tmp_path_factory: pytest.TempPathFactory, words: list[str], junk: str
) -> None:
    """Whatever else a page holds (any text at all, read from the web), each word is found."""
    folder = tmp_path_factory.mktemp("words")
    (folder / "page.txt").write_text(f"{junk} {' '.join(words)}\n", encoding="utf-8")
    catalog = folder / "catalog.json"
    with doctext.opened(catalog) as conn:
        doctext.put(conn, "a" * 64, document_text(folder / "page.txt", LIMITS))

    for word in words:
        assert [page for _, page, _ in found(catalog, f'"{word}"', {"a" * 64})] == [1], word


def test_a_damaged_store_is_named_with_what_to_do(tmp_path: Path) -> None:
    from htcat.errors import CatalogError

    catalog = tmp_path / "catalog.json"
    doctext.doctext_path(catalog).write_bytes(b"not a database " * 100)

    damaged = r"doctext\.sqlite is damaged .*htcat rebuild-text"
    with pytest.raises(CatalogError, match=damaged), doctext.opened(catalog):
        pass


FOLDING_WORD = st.text(
    alphabet="abcdefzABCDEFZßàéîõüçñÅØﬁﬂ" + "άέήίόύώΈΉΊΌΎΏδλπΣςΔΛΠ", min_size=1, max_size=8
)


@given(words=st.lists(FOLDING_WORD, min_size=1, max_size=10), chosen=st.integers(0, 9))
@settings(max_examples=60)
def test_the_snippet_marks_the_word_found_as_the_page_writes_it(
    tmp_path_factory: pytest.TempPathFactory, words: list[str], chosen: int
) -> None:
    """The index holds the folded text, the snippet is cut from the text as written: the
    word searched for is marked where it stands, whatever its letters fold to."""
    catalog = tmp_path_factory.mktemp("fold") / "catalog.json"
    with doctext.opened(catalog) as conn:
        doctext.put(conn, "a" * 64, doctext.DocumentText("read", 1, (" ".join(words),)))
    word = words[chosen % len(words)]

    [(_, _, snippet)] = found(catalog, f'"{word}"', {"a" * 64})

    assert snippet.replace("\x02", "").replace("\x03", "") == " ".join(words)
    assert f"\x02{word}\x03" in snippet


def test_a_store_of_a_newer_htcat_is_refused_by_name_and_left_as_it_is(tmp_path: Path) -> None:
    from htcat.errors import CatalogError

    catalog = tmp_path / "catalog.json"
    with doctext.opened(catalog) as conn:
        conn.execute(f"PRAGMA user_version = {doctext.STORE_VERSION + 1}")

    with pytest.raises(CatalogError, match="written by a newer htcat"), doctext.opened(catalog):
        pass
    newer = sqlite3.connect(doctext.doctext_path(catalog))
    assert newer.execute("PRAGMA user_version").fetchone() == (doctext.STORE_VERSION + 1,)
    newer.close()
