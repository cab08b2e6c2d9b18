"""Where each entry lies in a canonical file, as the index records it: what a splice of a few
entries asks, and how htcat's own writes carry into the index."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from htcat.index.database import (
    BATCH,
    connect,
    index_path,
    min_bytes,
    read_meta,
    stored_fingerprint,
    updating,
)
from htcat.index.freshness import is_canonical, stat_decides, written_knowledge
from htcat.index.rows import put_spans, reindex
from htcat.model import Entry
from htcat.store.ids import shared_id_error
from htcat.store.image import ENTRIES_TABLE, Image
from htcat.store.layout import Span, Splice, digest, scan_bytes

if TYPE_CHECKING:
    import sqlite3


class SpansView:
    """The index of a canonical file it proves it holds, open for a change of a few entries:
    which document each id names, and where each entry lies."""

    def __init__(self, conn: sqlite3.Connection, size: int) -> None:
        self._conn = conn
        self.size = size

    def close(self) -> None:
        self._conn.close()

    @property
    def connection(self) -> sqlite3.Connection:
        """The index itself, for a selection by filters (`htcat.filters.indexed_doc_ids`)."""
        return self._conn

    def doc_id_of(self, ident: str) -> int | None:
        """The document holding ``ident``; an id two entries hold (a hand edit) names neither."""
        found = self._conn.execute(
            "SELECT doc_id FROM entries WHERE id = ? LIMIT 2", (ident,)
        ).fetchall()
        if len(found) > 1:
            raise shared_id_error(ident, len(found))
        return int(found[0][0]) if found else None

    def ids_with_prefix(self, prefix: str) -> list[str]:
        """The ids that begin with ``prefix``, in order (a dozen at most: enough to name it)."""
        rows = self._conn.execute(
            "SELECT id FROM entries WHERE id > ? AND id < ? ORDER BY id LIMIT 12",
            (prefix, prefix + "\U0010ffff"),
        )
        return [r[0] for r in rows]

    def all_ids(self) -> dict[str, int]:
        return dict(self._conn.execute("SELECT id, doc_id FROM entries").fetchall())

    def span(self, doc_id: int) -> tuple[Span, bytes] | None:
        """Where the entry lies, and the digest of its bytes."""
        found = self._conn.execute(
            "SELECT start, length, digest FROM spans WHERE doc_id = ?", (doc_id,)
        ).fetchone()
        return None if found is None else ((found[0], found[1]), found[2])

    def before(self, doc_id: int) -> Span | None:
        """The span of the entry whose key sorts last before ``doc_id``'s, as keys are sorted."""
        found = self._conn.execute(
            "SELECT start, length FROM spans WHERE CAST(doc_id AS TEXT) < ? "
            "ORDER BY start DESC LIMIT 1",
            (str(doc_id),),
        ).fetchone()
        return None if found is None else (found[0], found[1])

    def ends(self) -> tuple[Span, Span]:
        """The spans of the first and the last entry in the file."""
        found = [
            self._conn.execute(f"SELECT start, length FROM spans ORDER BY start {o} LIMIT 1")
            for o in ("ASC", "DESC")
        ]
        (first_start, first_length), (last_start, last_length) = (f.fetchone() for f in found)
        return (first_start, first_length), (last_start, last_length)

    def max_doc_id(self) -> int:
        found = self._conn.execute("SELECT max(doc_id) FROM spans").fetchone()[0]
        return int(found or 0)


def spans_for(path: Path, stat: os.stat_result) -> SpansView | None:
    """The spans of the file ``stat`` describes, if its stat alone proves the index holds
    it and it is in canonical form; else None, and the file is read whole."""
    if stat.st_size < min_bytes() or not index_path(path).exists():
        return None
    import sqlite3

    try:
        conn = connect(path)
    except sqlite3.Error:
        return None
    try:
        meta = read_meta(conn)
        canonical = stat_decides(meta, stat) is True and is_canonical(meta)
        if canonical and conn.execute("SELECT 1 FROM spans LIMIT 1").fetchone():
            return SpansView(conn, stat.st_size)
    except sqlite3.Error:
        pass
    conn.close()
    return None


def update_index(
    path: Path,
    before: str,
    image: Image,
    changed: set[int],
    data: bytes,
    written: os.stat_result | None,
) -> None:
    """Carry htcat's own write of ``data`` into the index, if it was fresh before the write.

    Called under the catalog lock right after the file was replaced. An index
    that was already stale stays stale and is brought up to date by the next reader.
    """
    import sqlite3

    if written is None or not index_path(path).exists():
        return
    knowledge = written_knowledge(path, written, data)
    with contextlib.suppress(sqlite3.Error, OSError), updating(path) as conn:
        if stored_fingerprint(conn) != before:
            return
        ids = sorted(changed)
        raw = image[ENTRIES_TABLE]
        kept = [d for d in ids if str(d) in raw]
        put_spans(conn, scan_bytes(data))
        reindex(conn, ids, raw, kept, knowledge)


_SHIFTS_IN_SQL = 16
"""Up to this many ranges of entries move by one statement each (a scan of the table);
beyond, they are moved in Python and written back in one pass."""


def _shift_spans(conn: sqlite3.Connection, shifts: list[tuple[int, int, int]]) -> None:
    """Move the spans whose offset is in each ``[from, to)`` by its delta."""
    if len(shifts) <= _SHIFTS_IN_SQL:
        # Each range moves aside to a negative offset first, so none moves into the next.
        conn.executemany(
            "UPDATE spans SET start = -1 - (start + ?) WHERE start >= ? AND start < ?",
            [(delta, start, end) for start, end, delta in shifts],
        )
        conn.execute("UPDATE spans SET start = -1 - start WHERE start < 0")
        return
    import bisect

    starts = [start for start, _, _ in shifts]
    rows = []
    for doc_id, start, length, found in conn.execute("SELECT * FROM spans").fetchall():
        n = bisect.bisect_right(starts, start) - 1
        if n >= 0 and start < shifts[n][1]:
            start += shifts[n][2]
        rows.append((doc_id, start, length, found))
    conn.execute("DELETE FROM spans")
    for n in range(0, len(rows), BATCH):
        conn.executemany("INSERT INTO spans VALUES (?,?,?,?)", rows[n : n + BATCH])


def record_splice(
    path: Path,
    before: str,
    splice: Splice,
    changes: Mapping[int, Entry | None],
    written: os.stat_result | None,
) -> None:
    """Carry htcat's own spliced write into the index: the changed entries' rows, and
    the entries after each change moved by as many bytes as it added or took away."""
    import sqlite3

    if written is None:
        return
    knowledge = written_knowledge(path, written, None)
    with contextlib.suppress(sqlite3.Error, OSError), updating(path) as conn:
        if stored_fingerprint(conn) != before:
            return
        conn.executemany("DELETE FROM spans WHERE doc_id = ?", [(d,) for d in changes])
        _shift_spans(conn, splice.shifts)
        conn.executemany(
            "INSERT INTO spans VALUES (?,?,?,?)",
            [(d, at, len(c), digest(c)) for d, (at, c) in splice.chunks.items()],
        )
        entries = {str(d): e for d, e in changes.items() if e is not None}
        reindex(conn, sorted(changes), entries, sorted(int(d) for d in entries), knowledge)
