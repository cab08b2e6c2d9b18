"""An entry's rows in the index (columns, tags, searched words), added and dropped in batches."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import orjson

from htcat.fulltext import insert_words, unindex_words
from htcat.index.database import BATCH
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
"""The entries table's columns between ``doc_id`` and ``body``, in order, as values of an entry:
what filters and sort keys compare, in SQL and in memory alike (`htcat.filters`)."""
_COLUMN_VALUES = tuple(COLUMNS.values())


def entry_rows(doc_id: int, entry: Entry) -> tuple[tuple[Any, ...], list[tuple[str, int]], str]:
    """An entry's row of the entries table, its rows of the tags table, and its searched text."""
    row = (doc_id, *(value(entry) for value in _COLUMN_VALUES), orjson.dumps(entry))
    return row, [(tag, doc_id) for tag in entry.get("tags", ())], searched_text(entry)


def insert_entries(
    conn: sqlite3.Connection,
    docs: Iterable[tuple[int, Entry]],
    put_words: Callable[[list[tuple[int, str]]], None] | None = None,
) -> None:
    """Add entries' rows; their searched text goes to ``put_words``, or into ``conn`` too."""
    docs = iter(docs)
    while batch := list(itertools.islice(docs, BATCH)):
        insert_batch(conn, batch, put_words)


def insert_batch(
    conn: sqlite3.Connection,
    batch: Iterable[tuple[int, Entry]],
    put_words: Callable[[list[tuple[int, str]]], None] | None = None,
) -> None:
    """Add one batch of entries' rows (`insert_entries`): a build streaming the file
    hands over each batch as it has parsed it."""
    rows, tags, words = [], [], []
    for doc_id, entry in batch:
        row, entry_tags, text = entry_rows(doc_id, entry)
        rows.append(row)
        tags.extend(entry_tags)
        words.append((doc_id, text))
    if put_words is None:
        insert_words(conn, words)
    else:
        put_words(words)
    conn.executemany("INSERT INTO entries VALUES (?,?,?,?,?,?,?,?,?)", rows)
    conn.executemany("INSERT INTO tags VALUES (?,?)", tags)


def reindex(
    conn: sqlite3.Connection,
    stale: list[int],
    entries: dict[str, Entry],
    fresh: list[int],
    knowledge: Knowledge,
) -> None:
    """Drop the ``stale`` entries' rows, add the ``fresh`` ones', record what is known."""
    delete_entries(conn, stale)
    insert_entries(conn, ((doc_id, entries[str(doc_id)]) for doc_id in fresh))
    conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", knowledge.meta())
    conn.execute("COMMIT")


def put_spans(conn: sqlite3.Connection, scanned: Scan | None) -> None:
    """Record where every entry lies, with its bytes' digest (none if not canonical)."""
    conn.execute("DELETE FROM spans")
    found = scanned or Scan({}, {}, {}, b"")
    rows = ((d, start, length, found.digests[d]) for d, (start, length) in found.spans.items())
    while batch := list(itertools.islice(rows, BATCH)):
        conn.executemany("INSERT INTO spans VALUES (?,?,?,?)", batch)


def delete_entries(conn: sqlite3.Connection, doc_ids: list[int]) -> None:
    """Remove entries' rows; their words are unindexed with the text they were indexed with."""
    for doc_id in doc_ids:
        found = conn.execute("SELECT body FROM entries WHERE doc_id = ?", (doc_id,)).fetchone()
        if found is not None:
            unindex_words(conn, doc_id, orjson.loads(found[0]))
    for table in ("entries", "tags"):
        conn.executemany(f"DELETE FROM {table} WHERE doc_id = ?", [(d,) for d in doc_ids])
