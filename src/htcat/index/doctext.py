"""The full-text store of fetched documents: their text per page, keyed by SHA-256.

A derived SQLite file beside the catalog (``.catalog.json.doctext.sqlite``,
which ``htcat git setup`` has git ignore), rebuildable from the archive. A
document is named by the hash of its bytes, so one already stored is never
read again; each page is a row of an FTS5 table whose rowid is the document's
number shifted left by `PAGE_BITS` plus the page's, so a document's rows are
one rowid range. The text is stored with its index: snippets are cut from it.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

TextState = Literal["read", "locked", "unreadable", "no-text"]
_CJK = re.compile(
    "([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f])"
)
_SPACED_CJK = re.compile(
    "([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f]"
    "[\x02\x03]?) (?=[\x02\x03]?"
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f])"
)
"""A space `spaced_cjk` put between two CJK characters, a snippet's mark perhaps beside it."""

if TYPE_CHECKING:  # sqlite3 is imported where used: most commands never open the store
    import sqlite3

PAGE_BITS = 20
"""Pages per document the rowids leave room for: about a million (`DocumentLimits` stays below)."""
MARK_START, MARK_END = "\x02", "\x03"
"""What surrounds a match in a snippet, for the command to show as it may."""
SNIPPET_TOKENS = 24
SCHEMA = """
CREATE TABLE IF NOT EXISTS documents(
    doc_id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, state TEXT NOT NULL,
    page_count INTEGER NOT NULL, text_pages INTEGER NOT NULL, empty_pages INTEGER NOT NULL,
    limited TEXT, error TEXT);
CREATE VIRTUAL TABLE IF NOT EXISTS pages USING fts5(
    text, tokenize = 'unicode61 remove_diacritics 2');
PRAGMA user_version = 1;
"""


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
    return " ".join(_CJK.sub(r" \1 ", term).split())


def unspaced_cjk(text: str) -> str:
    """Text from the store as people write it: no space between CJK characters."""
    return _SPACED_CJK.sub(r"\1", text)


def doctext_path(catalog: Path) -> Path:
    return catalog.parent / f".{catalog.name}.doctext.sqlite"


@contextlib.contextmanager
def opened(catalog: Path) -> Iterator[sqlite3.Connection]:
    """The store beside ``catalog``, created when missing, closed on leaving."""
    import sqlite3

    conn = sqlite3.connect(doctext_path(catalog), timeout=30, isolation_level=None)
    try:
        conn.executescript(SCHEMA)
        yield conn
    finally:
        conn.close()


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


def stored_hashes(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT sha256 FROM documents")}


def put(conn: sqlite3.Connection, sha256: str, text: DocumentText) -> None:
    """Store ``text`` as the document ``sha256``'s, replacing what it had."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        _delete(conn, sha256)
        cursor = conn.execute(
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
        first = (cursor.lastrowid or 0) << PAGE_BITS
        conn.executemany(
            "INSERT INTO pages(rowid, text) VALUES (?, ?)",
            [(first + number, page) for number, page in enumerate(text.texts) if page],
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def forget(conn: sqlite3.Connection, hashes: Iterable[str]) -> int:
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


def _delete(conn: sqlite3.Connection, sha256: str) -> int:
    row = conn.execute("SELECT doc_id FROM documents WHERE sha256 = ?", (sha256,)).fetchone()
    if row is None:
        return 0
    first = row[0] << PAGE_BITS
    conn.execute(
        "DELETE FROM pages WHERE rowid >= ? AND rowid < ?", (first, first + (1 << PAGE_BITS))
    )
    conn.execute("DELETE FROM documents WHERE doc_id = ?", (row[0],))
    return 1


def documents(conn: sqlite3.Connection, hashes: Iterable[str]) -> dict[str, StoredDocument]:
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
    conn: sqlite3.Connection, match: str, wanted: set[str], limit: int | None
) -> list[PageHit]:
    """The pages of the documents ``wanted`` that FTS5's ``match`` finds, best first (bm25).

    The documents wanted go into a temporary table, so that SQLite keeps only
    the best ``limit`` pages as it ranks them rather than handing every match over.
    """
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS wanted(doc_id INTEGER PRIMARY KEY)")
    conn.execute("BEGIN")
    conn.execute("DELETE FROM temp.wanted")
    conn.executemany(
        "INSERT INTO temp.wanted SELECT doc_id FROM documents WHERE sha256 = ?",
        ((sha256,) for sha256 in wanted),
    )
    conn.execute("COMMIT")
    ranked = conn.execute(
        f"SELECT rowid, rank FROM pages WHERE pages MATCH ? AND (rowid >> {PAGE_BITS})"
        " IN temp.wanted ORDER BY rank LIMIT ?",
        (match, -1 if limit is None else limit),
    ).fetchall()
    chosen = [(rowid, _hash_of(conn, rowid >> PAGE_BITS), rank) for rowid, rank in ranked]
    hits = []
    for rowid, sha256, rank in chosen:
        snippet = conn.execute(
            "SELECT snippet(pages, 0, ?, ?, '…', ?) FROM pages WHERE pages MATCH ? AND rowid = ?",
            (MARK_START, MARK_END, SNIPPET_TOKENS, match, rowid),
        ).fetchone()[0]
        page = (rowid & ((1 << PAGE_BITS) - 1)) + 1
        hits.append(PageHit(sha256, page, snippet, rank))
    return hits


def _hash_of(conn: sqlite3.Connection, doc_id: int) -> str:
    found: str = conn.execute(
        "SELECT sha256 FROM documents WHERE doc_id = ?", (doc_id,)
    ).fetchone()[0]
    return found


def sizes(conn: sqlite3.Connection) -> tuple[int, int]:
    """The text's characters and the store's bytes, to weigh one against the other."""
    chars = conn.execute("SELECT coalesce(sum(length(text)), 0) FROM pages").fetchone()[0]
    pages, page_size = (
        conn.execute(f"PRAGMA {name}").fetchone()[0] for name in ("page_count", "page_size")
    )
    return chars, pages * page_size
