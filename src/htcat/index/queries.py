"""The index's answers in SQL: an entry by id, ids by prefix, tag counts.

A page of selected entries is asked by `htcat.filters`, each filter's SQL beside its Python.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO

from htcat.index.entries import entries_of
from htcat.model import Entry
from htcat.store.ids import resolve_id

if TYPE_CHECKING:
    import sqlite3


def entry_named(conn: sqlite3.Connection, prefix: str, file: BinaryIO) -> Entry:
    """The indexed entry whose id is or begins with ``prefix``, of the catalog open as
    ``file``; `NotAsIndexed` if the file changed meanwhile."""
    rows = conn.execute(
        "SELECT id FROM entries WHERE id = ? OR (id > ? AND id < ?) ORDER BY id LIMIT 12",
        (prefix, prefix, prefix + "\U0010ffff"),
    ).fetchall()
    ident = resolve_id(
        prefix,
        [r[0] for r in rows],
        lambda: (r[0] for r in conn.execute("SELECT id FROM entries")),
    )
    row = conn.execute("SELECT doc_id, body FROM entries WHERE id = ?", (ident,)).fetchone()
    return entries_of(conn, [row], file)[0]


def ids_starting(conn: sqlite3.Connection, prefix: str) -> list[str]:
    """The indexed ids that begin with ``prefix``, A to Z."""
    rows = conn.execute(
        "SELECT id FROM entries WHERE id >= ? AND id < ? ORDER BY id",
        (prefix, prefix + "\U0010ffff"),
    ).fetchall()
    return [r[0] for r in rows]


def tag_counts(conn: sqlite3.Connection) -> Iterator[tuple[str, int]]:
    """Every indexed tag with the number of entries that carry it."""
    yield from conn.execute("SELECT tag, count(*) FROM tags GROUP BY tag").fetchall()
