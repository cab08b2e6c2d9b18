"""A derived SQLite index beside a large catalog, so that selecting is fast at any size.

The JSON file stays the one source of truth. The index records the file's
fingerprint (size, modification time, inode) and is brought up to date from
the file whenever that does not match — after a ``git pull`` or a hand edit,
entry by entry, or afresh when much changed; htcat's own writes update it in
place. Deleting it is always safe, and any trouble
with it (a read-only folder, a damaged file) falls back to reading the JSON.
Small catalogs never get one: reading them whole is faster than opening SQLite.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from htcat.fulltext import (
    WordsBuilder,
    copy_words,
    insert_words,
    scratch_database,
    unindex_words,
)
from htcat.model import Entry, fold, is_unicode_text
from htcat.query import (
    Filters,
    Order,
    Page,
    link_statuses,
    ordered,
    searched_text,
    select,
)
from htcat.store import ENTRIES_TABLE, Image, parse_image, read_catalog, resolve_id

if TYPE_CHECKING:  # sqlite3 is imported where used: most commands never open the index
    import sqlite3

INDEX_VERSION = "5"
DEFAULT_MIN_BYTES = 2_000_000
"""Catalogs smaller than this (about 1,000 entries) are read whole instead."""
SQLITE_MAX_INT = 2**63 - 1
"""The largest integer SQLite takes; any --limit or --offset beyond it means "all" or "none"."""

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE entries(
    doc_id INTEGER PRIMARY KEY, id TEXT NOT NULL, date TEXT NOT NULL, type TEXT NOT NULL,
    status TEXT NOT NULL, title_key TEXT NOT NULL, updated TEXT NOT NULL,
    link_statuses TEXT NOT NULL, body BLOB NOT NULL);
CREATE INDEX entries_id ON entries(id);
CREATE INDEX entries_date ON entries(date, id);
CREATE TABLE tags(tag TEXT NOT NULL, doc_id INTEGER NOT NULL);
CREATE INDEX tags_tag ON tags(tag, doc_id);
"""
_BATCH = 2000
"""Entries per batch of inserts: memory stays flat on catalogs of any size."""
_ORDER_SQL = {
    "date": ("date", "id"),
    "title": ("title_key", "id"),
    "type": ("type", "title_key", "id"),
    "updated": ("updated", "id"),
}


def index_path(catalog: Path) -> Path:
    return catalog.parent / f".{catalog.name}.index.sqlite"


def _min_bytes() -> int:
    return int(os.environ.get("HTCAT_INDEX_MIN_BYTES", DEFAULT_MIN_BYTES))


def fingerprint(stat: os.stat_result) -> str:
    return f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ino}"


def _rows(doc_id: int, entry: Entry) -> tuple[tuple[Any, ...], list[tuple[str, int]], str]:
    row = (
        doc_id,
        str(entry.get("id", "")),
        str(entry.get("date") or ""),
        str(entry.get("type") or ""),
        str(entry.get("status") or ""),
        fold(str(entry.get("title", ""))),
        str(entry.get("updated") or ""),
        " " + " ".join(sorted(link_statuses(entry))) + " ",
        orjson.dumps(entry),
    )
    return row, [(tag, doc_id) for tag in entry.get("tags", ())], searched_text(entry)


def _insert(
    conn: sqlite3.Connection,
    docs: Iterable[tuple[int, Entry]],
    put_words: Callable[[list[tuple[int, str]]], None] | None = None,
) -> None:
    """Add entries' rows; their searched text goes to ``put_words``, or into ``conn`` too."""
    docs = iter(docs)
    while batch := list(itertools.islice(docs, _BATCH)):
        rows, tags, words = [], [], []
        for doc_id, entry in batch:
            row, entry_tags, text = _rows(doc_id, entry)
            rows.append(row)
            tags.extend(entry_tags)
            words.append((doc_id, text))
        if put_words is None:
            insert_words(conn, words)
        else:
            put_words(words)
        conn.executemany("INSERT INTO entries VALUES (?,?,?,?,?,?,?,?,?)", rows)
        conn.executemany("INSERT INTO tags VALUES (?,?)", tags)


@contextlib.contextmanager
def _updating(path: Path) -> Iterator[sqlite3.Connection]:
    """The index, in a write transaction; rolled back unless `_reindex` commits it."""
    with contextlib.closing(_connect(path)) as conn:
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")


def _reindex(
    conn: sqlite3.Connection,
    stale: list[int],
    entries: dict[str, Entry],
    fresh: list[int],
    stamp: str,
) -> None:
    """Drop the ``stale`` entries' rows, add the ``fresh`` ones', record the file's ``stamp``."""
    _delete(conn, stale)
    _insert(conn, ((doc_id, entries[str(doc_id)]) for doc_id in fresh))
    conn.execute("UPDATE meta SET value = ? WHERE key = 'fingerprint'", (stamp,))
    conn.execute("COMMIT")


def _delete(conn: sqlite3.Connection, doc_ids: list[int]) -> None:
    """Remove entries' rows; their words are unindexed with the text they were indexed with."""
    for doc_id in doc_ids:
        found = conn.execute("SELECT body FROM entries WHERE doc_id = ?", (doc_id,)).fetchone()
        if found is not None:
            unindex_words(conn, doc_id, orjson.loads(found[0]))
    for table in ("entries", "tags"):
        conn.executemany(f"DELETE FROM {table} WHERE doc_id = ?", [(d,) for d in doc_ids])


def _meta(conn: sqlite3.Connection) -> dict[str, str]:
    """The index's version and the fingerprint of the file it holds (empty if it is no index)."""
    import sqlite3

    try:
        return dict(conn.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.DatabaseError:
        return {}


def _stored_fingerprint(conn: sqlite3.Connection) -> str | None:
    meta = _meta(conn)
    return meta.get("fingerprint") if meta.get("version") == INDEX_VERSION else None


def _connect(path: Path) -> sqlite3.Connection:
    import sqlite3

    return sqlite3.connect(index_path(path), timeout=30, isolation_level=None)


_BUILDS = ("build", "words")
"""Suffixes of a builder's files, after its pid; not ``.tmp``, which is the catalog writer's."""


def _build_file(target: Path, part: str) -> Path:
    return target.with_name(f"{target.name}.{os.getpid()}.{part}")


def _remove_abandoned_builds(target: Path) -> None:
    """Delete half-built indexes whose builder was killed."""
    for part in _BUILDS:
        for leftover in target.parent.glob(f"{target.name}.*.{part}"):
            pid = leftover.name.removeprefix(f"{target.name}.").removesuffix(f".{part}")
            if not pid.isdigit():
                continue
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                leftover.unlink(missing_ok=True)
            except (PermissionError, OverflowError):
                pass


def _refresh(path: Path) -> None:
    """Bring the index up to date with the file: entry by entry when it can, else afresh.

    The stored fingerprint is that of the bytes actually read.
    """
    with open(path, "rb") as file:
        stamp = fingerprint(os.fstat(file.fileno()))
        entries = parse_image(file.read(), path)[ENTRIES_TABLE]
    if not _catch_up(path, stamp, entries):
        _rebuild(path, stamp, entries)


_CATCH_UP_SHARE = 4
"""Catch up when at most one entry in this many changed; beyond, building afresh is faster."""
_CATCH_UP_ALWAYS = 2000
"""Up to this many changed entries, catching up is quick whatever the catalog's size."""


def _catch_up(path: Path, stamp: str, entries: dict[str, Entry]) -> bool:
    """Carry an outside change into the existing index, entry by entry; False if it cannot.

    A ``git pull`` or a hand edit changes a few entries of many. Each entry is
    compared with the body the index holds for it, as orjson writes both, and
    only those that differ are indexed again: at 100,000 entries, seconds
    instead of a rebuild's quarter of a minute. One transaction: a reader sees
    the index before or after, and a killed catch-up leaves it as it was.
    """
    import sqlite3

    if not index_path(path).exists():
        return False
    limit = max(_CATCH_UP_ALWAYS, len(entries) // _CATCH_UP_SHARE)
    try:
        with _updating(path) as conn:
            meta = _meta(conn)
            if meta.get("version") != INDEX_VERSION or meta.get("fingerprint") == stamp:
                return meta.get("version") == INDEX_VERSION  # caught up meanwhile by another
            stale: list[int] = []
            same: set[int] = set()
            for doc_id, body in conn.execute("SELECT doc_id, body FROM entries"):
                entry = entries.get(str(doc_id))
                if entry is not None and orjson.dumps(entry) == body:
                    same.add(doc_id)
                else:
                    stale.append(doc_id)
            changed = [int(key) for key in entries if int(key) not in same]
            if len(stale) > limit or len(changed) > limit:
                return False
            _reindex(conn, stale, entries, changed, stamp)
            return True
    except sqlite3.Error:
        return False


def _rebuild(path: Path, stamp: str, entries: dict[str, Entry]) -> None:
    """Build the index afresh from the file's entries, then put it in place with a rename.

    It is built in files of its own with no journal, which makes it several
    times faster, and its full-text table in a second process (see
    `htcat.fulltext`); a crash leaves only temporary files.
    """
    target = index_path(path)
    _remove_abandoned_builds(target)
    building, side = (_build_file(target, part) for part in _BUILDS)
    for leftover in (building, side):
        leftover.unlink(missing_ok=True)
    words = WordsBuilder(side)
    try:
        with contextlib.closing(scratch_database(building)) as conn:
            conn.execute("BEGIN")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            _insert(conn, ((int(k), doc) for k, doc in entries.items()), words.put)
            conn.execute("COMMIT")
            words.finish()
            copy_words(conn, side)
            conn.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [("version", INDEX_VERSION), ("fingerprint", stamp)],
            )
        # A journal left by a writer killed mid-update belongs to the old file.
        Path(f"{target}-journal").unlink(missing_ok=True)
        # Renamed over an old file, ext4 would write the new one out first (auto_da_alloc):
        # 1.5 s at 100,000 entries, for a file that can always be built again.
        target.unlink(missing_ok=True)
        os.replace(building, target)
    except BaseException:
        words.abandon()
        raise
    finally:
        building.unlink(missing_ok=True)
        side.unlink(missing_ok=True)


def open_index(path: Path) -> sqlite3.Connection | None:
    """A fresh index of the catalog at ``path``, or None where reading the file is the way.

    A missing or corrupt catalog raises from here exactly as reading it would;
    a damaged index is rebuilt.
    """
    try:
        stat = path.stat()
    except OSError:
        return None
    if stat.st_size < _min_bytes():
        return None
    import sqlite3

    try:
        if not _holds(path, stat):
            _refresh(path)
        return _connect(path)
    except (sqlite3.Error, OSError):
        return None


def vouches_for(path: Path, stat: os.stat_result) -> bool:
    """Whether the index was built from, or kept up with, the very file ``stat`` describes.

    Every entry of such a file passed `htcat.model.shape_problem` when the index
    took it in (a rebuild reads the file whole; htcat's own writes validate what
    they change), so a reader may skip that check: half a second at 100,000
    entries. Bump INDEX_VERSION when the shape rules tighten.
    """
    if stat.st_size < _min_bytes() or not index_path(path).exists():
        return False
    import sqlite3

    try:
        return _holds(path, stat)
    except sqlite3.Error:
        return False


def _holds(path: Path, stat: os.stat_result) -> bool:
    """Whether the index holds the very file ``stat`` describes (opening creates it empty)."""
    with contextlib.closing(_connect(path)) as conn:
        return _stored_fingerprint(conn) == fingerprint(stat)


def update_index(path: Path, before: str, image: Image, changed: set[int]) -> None:
    """Carry htcat's own write into the index, if it was fresh before the write.

    Called under the catalog lock right after the file was replaced. An index
    that was already stale stays stale and is brought up to date by the next reader.
    """
    import sqlite3

    if not index_path(path).exists():
        return
    with contextlib.suppress(sqlite3.Error, OSError), _updating(path) as conn:
        if _stored_fingerprint(conn) != before:
            return
        ids = sorted(changed)
        raw = image[ENTRIES_TABLE]
        kept = [d for d in ids if str(d) in raw]
        _reindex(conn, ids, raw, kept, fingerprint(path.stat()))


def _where(filters: Filters) -> tuple[str, list[Any]]:
    """SQL for `htcat.query.matches`, clause by clause."""
    clauses: list[str] = []
    params: list[Any] = []
    for column, values in (("type", filters.types), ("status", filters.statuses)):
        if values:
            clauses.append(f"{column} IN ({','.join('?' * len(values))})")
            params.extend(values)
    for tag in filters.tags:
        clauses.append("doc_id IN (SELECT doc_id FROM tags WHERE tag = ?)")
        params.append(tag)
    if filters.since or filters.until:
        clauses.append("date != ''")
    if filters.since:
        clauses.append("substr(date, 1, length(?)) >= substr(?, 1, length(date))")
        params += [filters.since, filters.since]
    if filters.until:
        clauses.append("substr(date, 1, length(?)) <= substr(?, 1, length(date))")
        params += [filters.until, filters.until]
    if filters.link_statuses:
        clauses.append(
            "(" + " OR ".join("link_statuses LIKE ?" for _ in filters.link_statuses) + ")"
        )
        params += [f"% {s} %" for s in filters.link_statuses]
    if filters.keywords:
        clauses.append("doc_id IN (SELECT rowid FROM words WHERE words MATCH ?)")
        params.append(" AND ".join(f'"{term}"*' for term in filters.keywords))
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _select_indexed(conn: sqlite3.Connection, filters: Filters, order: Order) -> Page:
    ordered([], order)  # validates the sort key exactly as the in-memory path does
    where, params = _where(filters)
    newest_first = order.sort in ("date", "updated")
    direction = "DESC" if newest_first != order.reverse else "ASC"
    order_by = ", ".join(f"{c} {direction}" for c in _ORDER_SQL[order.sort])
    total = conn.execute(f"SELECT count(*) FROM entries{where}", params).fetchone()[0]
    limit = -1 if order.limit is None else min(order.limit, SQLITE_MAX_INT)
    rows = conn.execute(
        f"SELECT body FROM entries{where} ORDER BY {order_by} LIMIT ? OFFSET ?",
        [*params, limit, min(order.offset, SQLITE_MAX_INT)],
    ).fetchall()
    return Page([orjson.loads(r[0]) for r in rows], total, order.offset)


def select_entries(path: Path, filters: Filters, order: Order) -> Page:
    """The page of entries of the catalog at ``path`` that ``filters`` and ``order`` give."""
    if (order.limit is not None and order.limit < 0) or order.offset < 0:
        return select([], filters, order)  # raises the same error as the in-memory path
    conn = open_index(path)
    if conn is None:
        return select(read_catalog(path).entries(), filters, order)
    with contextlib.closing(conn):
        return _select_indexed(conn, filters, order)


def get_entry(path: Path, prefix: str) -> Entry:
    """The entry whose id is or begins with ``prefix``."""
    if not is_unicode_text(prefix):
        resolve_id(prefix, [])  # no id holds such text: raises "no entry with id"
    conn = open_index(path)
    if conn is None:
        return read_catalog(path).get(prefix)
    with contextlib.closing(conn):
        rows = conn.execute(
            "SELECT id FROM entries WHERE id = ? OR (id > ? AND id < ?) ORDER BY id LIMIT 12",
            (prefix, prefix, prefix + "\U0010ffff"),
        ).fetchall()
        ident = resolve_id(prefix, [r[0] for r in rows])
        body = conn.execute("SELECT body FROM entries WHERE id = ?", (ident,)).fetchone()[0]
        entry: Entry = orjson.loads(body)
        return entry


def tag_counts(path: Path) -> Iterator[tuple[str, int]]:
    """Every tag with the number of entries that carry it."""
    conn = open_index(path)
    if conn is None:
        counts: dict[str, int] = {}
        for entry in read_catalog(path).entries():
            for tag in entry.get("tags", ()):
                counts[tag] = counts.get(tag, 0) + 1
        yield from counts.items()
        return
    with contextlib.closing(conn):
        yield from conn.execute("SELECT tag, count(*) FROM tags GROUP BY tag").fetchall()
