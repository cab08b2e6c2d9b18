"""The index's SQLite file: where it lies, its tables, and a connection in a write transaction."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # sqlite3 is imported where used: most commands never open the index
    import sqlite3

INDEX_VERSION = "7"
DEFAULT_MIN_BYTES = 2_000_000
"""Catalogs smaller than this (about 1,000 entries) are read whole instead."""
SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE entries(
    doc_id INTEGER PRIMARY KEY, id TEXT NOT NULL, date TEXT NOT NULL, type TEXT NOT NULL,
    status TEXT NOT NULL, title_key TEXT NOT NULL, updated TEXT NOT NULL,
    link_statuses TEXT NOT NULL, words_rowid INTEGER NOT NULL, body BLOB);
CREATE INDEX entries_id ON entries(id);
CREATE INDEX entries_date ON entries(date, id);
CREATE TABLE tags(tag TEXT NOT NULL, doc_id INTEGER NOT NULL);
CREATE INDEX tags_tag ON tags(tag, doc_id);
CREATE TABLE spans(
    doc_id INTEGER PRIMARY KEY, start INTEGER NOT NULL, length INTEGER NOT NULL,
    digest BLOB NOT NULL);
"""
"""An entry's ``body`` is kept only for a file not in canonical form: a canonical file's
entries are read where the spans table says they lie, their digests checked. ``words_rowid``
is the rowid of its searched text in the full-text table (`htcat.fulltext`)."""
BATCH = 2000
"""Entries per batch of inserts: memory stays flat on catalogs of any size."""


def index_path(catalog: Path) -> Path:
    return catalog.parent / f".{catalog.name}.index.sqlite"


def min_bytes() -> int:
    return int(os.environ.get("HTCAT_INDEX_MIN_BYTES", DEFAULT_MIN_BYTES))


def connect(path: Path) -> sqlite3.Connection:
    import sqlite3

    return sqlite3.connect(index_path(path), timeout=30, isolation_level=None)


def read_meta(conn: sqlite3.Connection) -> dict[str, str]:
    """The index's version and the fingerprint of the file it holds (empty if it is no index)."""
    import sqlite3

    try:
        return dict(conn.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.DatabaseError:
        return {}


def stored_fingerprint(conn: sqlite3.Connection) -> str | None:
    meta = read_meta(conn)
    return meta.get("fingerprint") if meta.get("version") == INDEX_VERSION else None


@contextlib.contextmanager
def updating(path: Path) -> Iterator[sqlite3.Connection]:
    """The index, in a write transaction; rolled back unless `reindex` commits it."""
    with contextlib.closing(connect(path)) as conn:
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
