"""An entry's rows in the index (columns, tags, searched words), added and dropped in batches."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import orjson

from htcat.fulltext import insert_words
from htcat.index.database import BATCH, read_meta
from htcat.index.freshness import Knowledge
from htcat.model import Entry, fold
from htcat.query import link_statuses, searched_text
from htcat.store.layout import Scan

if TYPE_CHECKING:
    import sqlite3


COLUMNS: dict[str, Callable[[Entry], str]] = {
    "id": lambda entry: str(entry.get("id", "")),
    "date": lambda entry: str(entry.get("date") or ""),
    "type": lambda entry: str(entry.get("type") or ""),
    "status": lambda entry: str(entry.get("status") or ""),
    "title_key": lambda entry: fold(str(entry.get("title", ""))),
    "updated": lambda entry: str(entry.get("updated") or ""),
    "link_statuses": lambda entry: " " + " ".join(sorted(link_statuses(entry))) + " ",
}
"""The entries table's columns between ``doc_id`` and ``words_rowid``, in order, as values
of an entry: what filters and sort keys compare, in SQL and in memory alike (`htcat.filters`)."""
_COLUMN_VALUES = tuple(COLUMNS.values())


def entry_rows(
    doc_id: int, entry: Entry, words: int, body: bool
) -> tuple[tuple[Any, ...], list[tuple[str, int]]]:
    """An entry's row of the entries table (its searched text at rowid ``words``, its
    body kept if ``body``), and its rows of the tags table."""
    row = (
        doc_id,
        *(value(entry) for value in _COLUMN_VALUES),
        words,
        orjson.dumps(entry) if body else None,
    )
    return row, [(tag, doc_id) for tag in entry.get("tags", ())]


def insert_entries(
    conn: sqlite3.Connection,
    docs: Iterable[tuple[int, Entry]],
    *,
    bodies: bool,
    first_words: int,
) -> None:
    """Add entries' rows and their words, which take the rowids from ``first_words`` on, so
    that none is ever used twice (`reindex`; a fresh build gives each entry's words its
    document id)."""
    docs = iter(docs)
    while batch := list(itertools.islice(docs, BATCH)):
        insert_batch(conn, batch, bodies=bodies, first_words=first_words)
        first_words += len(batch)


def insert_batch(
    conn: sqlite3.Connection,
    batch: Iterable[tuple[int, Entry]],
    *,
    bodies: bool,
    first_words: int | None = None,
    words_here: bool = True,
) -> None:
    """Add one batch of entries' rows (`insert_entries`), and their searched text to the
    full-text table unless a fresh build's other process takes it in (``words_here``,
    `htcat.fulltext.WordsBuilder`)."""
    rows, tags, words = [], [], []
    for n, (doc_id, entry) in enumerate(batch):
        rowid = doc_id if first_words is None else first_words + n
        row, entry_tags = entry_rows(doc_id, entry, rowid, bodies)
        rows.append(row)
        tags.extend(entry_tags)
        if words_here:
            words.append((rowid, searched_text(entry)))
    if words_here:
        insert_words(conn, words)
    conn.executemany("INSERT INTO entries VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
    conn.executemany("INSERT INTO tags VALUES (?,?)", tags)


def reindex(
    conn: sqlite3.Connection,
    stale: list[int],
    entries: dict[str, Entry],
    fresh: list[int],
    knowledge: Knowledge,
) -> None:
    """Drop the ``stale`` entries' rows, add the ``fresh`` ones', record what is known.

    The words of a dropped entry stay in the full-text table, which without
    their text cannot take them out, and are never found again: no entry holds
    their rowid. Once they are more than a quarter of the entries kept (or
    `GARBAGE_ALWAYS`), the index is left for the next reader to build afresh.
    """
    meta = read_meta(conn)
    next_words, garbage = (int(meta.get(key) or 0) for key in ("words_next", "garbage"))
    garbage += delete_entries(conn, stale)
    insert_entries(
        conn,
        ((doc_id, entries[str(doc_id)]) for doc_id in fresh),
        bodies=not knowledge.canonical,
        first_words=next_words,
    )
    live = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
    words = [("words_next", str(next_words + len(fresh))), ("garbage", str(garbage))]
    conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [*knowledge.meta(), *words])
    if garbage > max(GARBAGE_ALWAYS, live // GARBAGE_SHARE):
        conn.execute("DELETE FROM meta WHERE key = 'version'")  # no catch-up takes it
    conn.execute("COMMIT")


GARBAGE_SHARE = 4
"""The index is built afresh once the words of dropped entries pass a quarter of those kept…"""
GARBAGE_ALWAYS = 2000
"""…or this many, whichever is more."""


def words_meta(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """What a fresh build records of its full-text table: the next free rowid, no garbage."""
    last = conn.execute("SELECT coalesce(max(doc_id), 0) FROM entries").fetchone()[0]
    return [("words_next", str(last + 1)), ("garbage", "0")]


def put_spans(conn: sqlite3.Connection, scanned: Scan | None) -> None:
    """Record where every entry lies, with its bytes' digest (none if not canonical)."""
    conn.execute("DELETE FROM spans")
    found = scanned or Scan({}, {}, {}, b"")
    rows = ((d, start, length, found.digests[d]) for d, (start, length) in found.spans.items())
    while batch := list(itertools.islice(rows, BATCH)):
        conn.executemany("INSERT INTO spans VALUES (?,?,?,?)", batch)


def delete_entries(conn: sqlite3.Connection, doc_ids: list[int]) -> int:
    """Remove entries' rows; how many there were (their words stay, found by no entry)."""
    ids = [(d,) for d in doc_ids]
    conn.executemany("DELETE FROM tags WHERE doc_id = ?", ids)
    return conn.executemany("DELETE FROM entries WHERE doc_id = ?", ids).rowcount
