"""The full-text store of fetched documents: their text per page, keyed by SHA-256.

A derived SQLite file beside the catalog (``.catalog.json.doctext.sqlite``,
which ``htcat git setup`` has git ignore), rebuildable from the archive. A
document is named by the hash of its bytes, so one already stored is never
read again; each page is a row whose rowid is the document's number shifted
left by `PAGE_BITS` plus the page's, so a document's rows are one rowid range.

A page's text is kept as it was read (``page_text``: snippets are cut from it)
and indexed as the catalog's own full-text index folds text (`fts_form`), so
that ß, Greek accents and the like are found whichever way they are typed.
The FTS5 table ``pages`` takes its content from ``page_text``: a snippet
tokenizes the text as read and marks the words at the positions the folded
text matched, which are the same words (folding keeps every word a word).

The store is opened through apsw, whose SQLite is current whatever Python
was built with: its FTS5 ranks a word found on most pages in 60% of the time
of Debian's 3.40 (docs/performance.md).
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

from htcat.errors import CatalogError
from htcat.fulltext import fts_form

TextState = Literal["read", "locked", "unreadable", "no-text"]
_CJK = "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f]"
"""The characters written without spaces between words: kana, CJK ideographs, Hangul."""

if TYPE_CHECKING:  # apsw is imported where used: most commands never open the store
    import apsw

PAGE_BITS = 20
"""Pages per document the rowids leave room for: about a million (`DocumentLimits` stays below)."""
MARK_START, MARK_END = "\x02", "\x03"
"""What surrounds a match in a snippet, for the command to show as it may."""
SNIPPET_TOKENS = 24
STORE_VERSION = 2
"""1 indexed the text as read; 2 indexes it folded (`fts_form`) and keeps it apart.

A page leaves the index through FTS5's 'delete', given the folded text it was
indexed with: should `fts_form` fold differently, this goes up, so that every
store is indexed again (as from 1) rather than left with words no 'delete' finds."""
PAGES_TABLE = """CREATE VIRTUAL TABLE pages USING fts5(
    text, content = 'page_text', content_rowid = 'page_id',
    tokenize = 'unicode61 remove_diacritics 2')"""
SCHEMA = (
    """CREATE TABLE IF NOT EXISTS documents(
    doc_id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, state TEXT NOT NULL,
    page_count INTEGER NOT NULL, text_pages INTEGER NOT NULL, empty_pages INTEGER NOT NULL,
    limited TEXT, error TEXT)""",
    "CREATE TABLE page_text(page_id INTEGER PRIMARY KEY, text TEXT NOT NULL)",
    PAGES_TABLE,
)


@dataclass(frozen=True)
class DocumentText:
    """A document's text, one string per page (one page for anything but a PDF).

    ``pages`` is the document's page count; ``texts`` may hold fewer when the
    limit on pages was hit. ``empty`` counts the pages read that had no text.
    ``limited`` says which limit cut the text short, for people; ``error``
    says why a document could not be read.
    """

    state: TextState
    pages: int = 0
    texts: tuple[str, ...] = ()
    empty: int = 0
    limited: str | None = None
    error: str | None = None

    @property
    def text_pages(self) -> int:
        return len(self.texts) - self.empty


def spaced_cjk(term: str) -> str:
    """A search term as the store's text is spaced: each CJK character a word of its own."""
    return " ".join(_cjk_patterns()[0].sub(r" \1 ", term).split())


def unspaced_cjk(text: str) -> str:
    """Text from the store as people write it: no space between CJK characters."""
    return _cjk_patterns()[1].sub(r"\1", text)


@functools.cache
def _cjk_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A CJK character; a space `spaced_cjk` put between two, a snippet's mark perhaps beside it.

    Compiled when first needed: their ranges take ``re`` 10 ms to compile, which
    every command would pay at start-up, since this module is imported by `show`.
    """
    return re.compile(f"({_CJK})"), re.compile(f"({_CJK}[\x02\x03]?) (?=[\x02\x03]?{_CJK})")


def doctext_path(catalog: Path) -> Path:
    return catalog.parent / f".{catalog.name}.doctext.sqlite"


@contextlib.contextmanager
def opened(catalog: Path) -> Iterator[apsw.Connection]:
    """The store beside ``catalog``, created when missing, closed on leaving.

    SQLite's errors become a `CatalogError` naming the file, one that is not a
    database or is damaged with what to do: it is rebuilt from the archive.
    """
    import apsw

    path = doctext_path(catalog)
    try:
        conn = apsw.Connection(str(path))
    except apsw.Error as exc:
        raise CatalogError(f"the documents' text store {path}: {exc}") from exc
    conn.set_busy_timeout(30_000)
    try:
        if _version(conn) != STORE_VERSION:
            _bring_up_to_date(conn, path)
        yield conn
    except (apsw.NotADBError, apsw.CorruptError) as exc:
        raise CatalogError(
            f"the documents' text store {path} is damaged ({exc}): delete it and run "
            "htcat rebuild-text to read the archived documents again"
        ) from exc
    except apsw.Error as exc:
        raise CatalogError(f"the documents' text store {path}: {exc}") from exc
    finally:
        conn.close()


def _version(conn: apsw.Connection) -> int:
    return _number(conn, "PRAGMA user_version")


def _number(conn: apsw.Connection, query: str) -> int:
    """The one number ``query`` gives."""
    found: int = conn.execute(query).get
    return found


def _bring_up_to_date(conn: apsw.Connection, path: Path) -> None:
    """Create the store's tables, or index an older store's text as this one does.

    Under the write lock, so that two commands opening a new store do it once;
    a search, which opens a store already up to date, takes no lock. A store
    of the first version keeps its text in ``pages``; one of a later version
    (or of this one, set back to 1 by the first htcat, which wrote its version
    on every opening) has it apart already: only the index is made again.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = _version(conn)
        if version > STORE_VERSION:
            raise CatalogError(
                f"the documents' text store {path} was written by a newer htcat (store version"
                f" {version}): upgrade htcat, or delete it and run htcat rebuild-text"
            )
        if version == 0:
            for statement in SCHEMA:
                conn.execute(statement)
        elif version < STORE_VERSION:
            if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'page_text'").fetchone():
                conn.execute(SCHEMA[1])
                conn.execute("INSERT INTO page_text SELECT rowid, text FROM pages")
            conn.execute("DROP TABLE pages")
            conn.execute(PAGES_TABLE)
            _index(conn, conn.execute("SELECT page_id, text FROM page_text"))
        if version != STORE_VERSION:
            conn.execute(f"PRAGMA user_version = {STORE_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _index(conn: apsw.Connection, pages: Iterable[tuple[int, str]]) -> None:
    """Index each (rowid, text as read) folded, as the query is (`fts_form`)."""
    conn.executemany(
        "INSERT INTO pages(rowid, text) VALUES (?, ?)",
        ((rowid, fts_form(text)) for rowid, text in pages),
    )


@dataclass(frozen=True)
class StoredDocument:
    """What the store knows of one document, as `show` and `doctor` tell it."""

    sha256: str
    state: str
    pages: int
    text_pages: int
    empty_pages: int
    limited: str | None
    error: str | None

    @property
    def shortfall(self) -> str | None:
        """Why the document's text is missing or short, for people; None when it is whole."""
        if self.state in ("locked", "unreadable"):
            return f"no text: {self.error}"
        if self.state == "no-text":
            return f"no text on any of its {self.pages:,} page{'' if self.pages == 1 else 's'}"
        if self.limited:
            return f"text cut short: {self.limited}"
        return None


@dataclass(frozen=True)
class PageHit:
    """A page whose text matches: its document, its number (from 1), a marked snippet."""

    sha256: str
    page: int
    snippet: str
    rank: float


@dataclass(frozen=True)
class DocumentHit:
    """A page that matches, with the entry and link it was fetched for.

    ``snippet`` marks each match between `MARK_START` and `MARK_END`.
    """

    entry_id: str
    title: str
    label: str
    url: str
    sha256: str
    page: int
    snippet: str


def stored_hashes(conn: apsw.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT sha256 FROM documents")}


def put(conn: apsw.Connection, sha256: str, text: DocumentText) -> None:
    """Store ``text`` as the document ``sha256``'s, replacing what it had."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        _delete(conn, sha256)
        conn.execute(
            "INSERT INTO documents(sha256, state, page_count, text_pages, empty_pages,"
            " limited, error) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                sha256,
                text.state,
                text.pages,
                text.text_pages,
                text.empty,
                text.limited,
                text.error,
            ),
        )
        first = conn.last_insert_rowid() << PAGE_BITS
        pages = [(first + number, page) for number, page in enumerate(text.texts) if page]
        conn.executemany("INSERT INTO page_text(page_id, text) VALUES (?, ?)", pages)
        _index(conn, pages)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def forget(conn: apsw.Connection, hashes: Iterable[str]) -> int:
    """Remove the documents ``hashes`` name (those no link holds any more); how many were."""
    removed = 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        for sha256 in hashes:
            removed += _delete(conn, sha256)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return removed


def _delete(conn: apsw.Connection, sha256: str) -> int:
    row = conn.execute("SELECT doc_id FROM documents WHERE sha256 = ?", (sha256,)).fetchone()
    if row is None:
        return 0
    pages = (row[0] << PAGE_BITS, (row[0] + 1) << PAGE_BITS)
    indexed = cast(
        list[tuple[int, str]],
        conn.execute(
            "SELECT page_id, text FROM page_text WHERE page_id >= ? AND page_id < ?", pages
        ).fetchall(),
    )
    conn.executemany(
        "INSERT INTO pages(pages, rowid, text) VALUES ('delete', ?, ?)",
        [(rowid, fts_form(text)) for rowid, text in indexed],
    )
    conn.execute("DELETE FROM page_text WHERE page_id >= ? AND page_id < ?", pages)
    conn.execute("DELETE FROM documents WHERE doc_id = ?", (row[0],))
    return 1


def documents(conn: apsw.Connection, hashes: Iterable[str]) -> dict[str, StoredDocument]:
    """The stored documents among ``hashes``, by hash."""
    found = {}
    for sha256 in set(hashes):
        row = conn.execute(
            "SELECT sha256, state, page_count, text_pages, empty_pages, limited, error"
            " FROM documents WHERE sha256 = ?",
            (sha256,),
        ).fetchone()
        if row is not None:
            found[sha256] = StoredDocument(*row)
    return found


def search_pages(
    conn: apsw.Connection,
    match: str,
    wanted: Sequence[str],
    limit: int | None,
    *,
    in_order: bool = False,
) -> list[PageHit]:
    """The pages of the documents ``wanted`` that FTS5's ``match`` finds, best (bm25) first;
    with ``in_order``, those of a document earlier in ``wanted`` first, best first within.

    SQLite keeps the best ``limit`` pages as it ranks them, and cuts a snippet
    only from a page that is among the best so far. ``bm25()`` ranks as FTS5's
    ``rank`` does, in half the time: ``ORDER BY rank`` has FTS5 sort every
    match itself first. The documents wanted are joined to the pages only when
    they are not the whole store (the join is a lookup for every match).
    """
    numbers = dict(conn.execute("SELECT sha256, doc_id FROM documents WHERE text_pages > 0"))
    positions: dict[int, int] = {}
    for position, sha256 in enumerate(wanted):
        if sha256 in numbers:
            positions.setdefault(numbers[sha256], position)
    if not positions:
        return []
    marked = f"snippet(pages, 0, ?, ?, '…', {SNIPPET_TOKENS})"
    if in_order or len(positions) < len(numbers):
        _choose(conn, positions)
        order = "position, bm25(pages)" if in_order else "bm25(pages)"
        query = (
            f"SELECT pages.rowid, {marked}, bm25(pages) FROM pages CROSS JOIN temp.wanted"
            f" ON doc_id = pages.rowid >> {PAGE_BITS} WHERE pages MATCH ? ORDER BY {order}"
        )
    else:
        query = f"SELECT rowid, {marked}, bm25(pages) FROM pages WHERE pages MATCH ?"
        query += " ORDER BY bm25(pages)"
    ranked = cast(
        list[tuple[int, str, float]],
        conn.execute(
            f"{query} LIMIT ?", (MARK_START, MARK_END, match, -1 if limit is None else limit)
        ).fetchall(),
    )
    hashes = {number: sha256 for sha256, number in numbers.items()}
    low = (1 << PAGE_BITS) - 1
    return [
        PageHit(hashes[rowid >> PAGE_BITS], (rowid & low) + 1, snippet, rank)
        for rowid, snippet, rank in ranked
    ]


def _choose(conn: apsw.Connection, positions: dict[int, int]) -> None:
    """Put the documents a search wants, each with its place in the order, in a temp table."""
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS wanted(doc_id INTEGER PRIMARY KEY, position INTEGER)"
    )
    conn.execute("BEGIN")
    conn.execute("DELETE FROM temp.wanted")
    conn.executemany("INSERT INTO temp.wanted VALUES (?, ?)", positions.items())
    conn.execute("COMMIT")


def sizes(conn: apsw.Connection) -> tuple[int, int]:
    """The text's characters and the store's bytes, to weigh one against the other."""
    chars = _number(conn, "SELECT coalesce(sum(length(text)), 0) FROM page_text")
    return chars, _number(conn, "PRAGMA page_count") * _number(conn, "PRAGMA page_size")
