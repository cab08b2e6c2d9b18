"""A derived SQLite index beside a large catalog, so that selecting is fast at any size.

The JSON file stays the one source of truth; the index is built from what
the store reads and trusted only while it can prove it holds the very bytes
on disk. It records the file's stat (size, modification and change times,
inode, device) and when it knew the bytes; a change time no user command can
set back decides alone, except within a clock tick of that moment, where a
digest of the bytes decides (git's "racy" files). Otherwise it is brought up to
date from the file — after a ``git pull`` or a hand edit, entry by entry, or
afresh when much changed; htcat's own writes update it in place. It also
records where each entry's bytes lie in a file of canonical form, so that a
change of one entry can copy the rest (`htcat.layout`). Deleting it is always
safe, and any trouble with it (a read-only folder, a damaged file) falls back
to reading the JSON. Small catalogs never get one: reading them whole is faster
than opening SQLite.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import orjson

from htcat.fulltext import (
    WordsBuilder,
    copy_words,
    insert_words,
    scratch_database,
    unindex_words,
)
from htcat.layout import (
    Scan,
    Span,
    Splice,
    digest,
    entry_chunk,
    entry_of_chunk,
    scan,
    scan_bytes,
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
from htcat.store import (
    ENTRIES_TABLE,
    SCHEMA_VERSION,
    Image,
    check_entries,
    ctime_is_fine,
    dump_json,
    opened,
    parse_image,
    read_bytes,
    read_catalog,
    resolve_id,
    shared_id_error,
)

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
CREATE TABLE spans(
    doc_id INTEGER PRIMARY KEY, start INTEGER NOT NULL, length INTEGER NOT NULL,
    digest BLOB NOT NULL);
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
    """The stat data that a change of the file moves: no user command sets ``ctime`` back."""
    return f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}:{stat.st_ino}:{stat.st_dev}"


COARSE_TICK_NS = 2_000_000_000
"""How long a change time may stand still where it is not fine-grained (FAT: 2 s)."""


@dataclass(frozen=True)
class Knowledge:
    """What the index knows of the file: its stat, since when, and its bytes' digest.

    ``digest`` is empty when htcat wrote the file without reading it back whole:
    then only the stat can vouch for it.
    """

    fingerprint: str
    known_ns: int
    fine: bool
    digest: str
    canonical: bool

    def meta(self) -> list[tuple[str, str]]:
        return [
            ("fingerprint", self.fingerprint),
            ("known", str(self.known_ns)),
            ("fine", "1" if self.fine else "0"),
            ("digest", self.digest),
            ("canonical", "1" if self.canonical else "0"),
            ("schema", str(SCHEMA_VERSION)),
        ]


def _stat_decides(meta: Mapping[str, str], stat: os.stat_result) -> bool | None:
    """True when the stat proves the file is the one the index knows, False when it
    proves it is not, None when only its bytes can tell.

    Its change time, set by the kernel at every change, moves on at any later change
    where it is fine-grained; elsewhere it may stand still for a clock tick, so a
    file changed within a tick of the moment the index knew it is "racy".
    """
    if meta.get("version") != INDEX_VERSION or meta.get("fingerprint") != fingerprint(stat):
        return False
    known = int(meta.get("known", "0"))
    tick = 0 if meta.get("fine") == "1" else COARSE_TICK_NS
    return True if stat.st_ctime_ns + tick < known else None


def _canonical(meta: Mapping[str, str]) -> bool:
    """Whether the file the index knows is in the form this htcat writes, schema and all:
    a file an older schema wrote is read whole, and migrated when next written."""
    return meta.get("canonical") == "1" and meta.get("schema") == str(SCHEMA_VERSION)


def file_digest(path: Path) -> tuple[str, os.stat_result]:
    """The digest of the file's bytes, streamed, and the stat taken after reading them."""
    with opened(path) as file:
        found = hashlib.sha1(usedforsecurity=False)
        while block := file.read(1 << 20):
            found.update(block)
        return found.hexdigest(), os.fstat(file.fileno())


def _knowledge(
    path: Path, stat: os.stat_result, known_ns: int, raw: bytes, image: Image
) -> tuple[Knowledge, Scan | None]:
    """What reading ``raw`` whole taught, and each entry's span if the file is canonical."""
    spans = scan_bytes(raw) if dump_json(image) == raw else None
    if spans is not None and {str(d) for d in spans.spans} != set(image[ENTRIES_TABLE]):
        spans = None
    fine = ctime_is_fine(path.parent)
    found = hashlib.sha1(raw, usedforsecurity=False).hexdigest()
    return Knowledge(fingerprint(stat), known_ns, fine, found, spans is not None), spans


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
    knowledge: Knowledge,
) -> None:
    """Drop the ``stale`` entries' rows, add the ``fresh`` ones', record what is known."""
    _delete(conn, stale)
    _insert(conn, ((doc_id, entries[str(doc_id)]) for doc_id in fresh))
    conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", knowledge.meta())
    conn.execute("COMMIT")


def _put_spans(conn: sqlite3.Connection, scanned: Scan | None) -> None:
    """Record where every entry lies, with its bytes' digest (none if not canonical)."""
    conn.execute("DELETE FROM spans")
    found = scanned or Scan({}, {}, {}, b"")
    rows = ((d, start, length, found.digests[d]) for d, (start, length) in found.spans.items())
    while batch := list(itertools.islice(rows, _BATCH)):
        conn.executemany("INSERT INTO spans VALUES (?,?,?,?)", batch)


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


def _proves(conn: sqlite3.Connection, path: Path, stat: os.stat_result) -> bool:
    """Whether the index holds the very file ``stat`` describes, by its stat or its bytes.

    When the bytes had to decide and did, well past the file's last change,
    that moment is recorded, so the next command need not read them again.
    """
    import sqlite3

    meta = _meta(conn)
    decided = _stat_decides(meta, stat)
    if decided is not None:
        return decided
    if not meta.get("digest"):
        return False
    started = time.time_ns()
    found, after = file_digest(path)
    if found != meta["digest"] or fingerprint(after) != fingerprint(stat):
        return False
    with contextlib.suppress(sqlite3.Error):
        conn.execute("UPDATE meta SET value = ? WHERE key = 'known'", (str(started),))
    return True


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

    What it records is what the bytes actually read prove.
    """
    known_ns = time.time_ns()
    with opened(path) as file:
        if _catch_up_from_file(path, file, known_ns):
            return
        file.seek(0)
        raw, stat = read_bytes(file, path)
    image = parse_image(raw, path)
    knowledge, spans = _knowledge(path, stat, known_ns, raw, image)
    entries = image[ENTRIES_TABLE]
    del raw
    if not _catch_up(path, knowledge, entries, spans):
        _rebuild(path, knowledge, entries, spans)


def _catch_up_from_file(path: Path, file: BinaryIO, known_ns: int) -> bool:
    """Carry an outside change of a canonical file into the index, parsing only the entries
    whose bytes changed; False if the file is not in canonical form or much changed.

    After a ``git pull`` each entry's bytes are found where a canonical file puts
    them, a block at a time, and their digests compared with the ones the index
    holds; an entry whose bytes are the same is the entry the index already took
    in, checked. The rest of the file (the other tables) is parsed and must be
    canonical too.
    """
    import sqlite3

    if not index_path(path).exists():
        return False
    try:
        with _updating(path) as conn:
            meta = _meta(conn)
            if meta.get("version") != INDEX_VERSION or not _canonical(meta):
                return False
            known = {row[0]: row[1:] for row in conn.execute("SELECT * FROM spans")}
            scanned = scan(file.read, known)
            stat = os.fstat(file.fileno())
            if scanned is None:
                return False
            outside = scanned.outside
            if dump_json(parse_image(outside, path)) != outside:
                return False
            limit = max(_CATCH_UP_ALWAYS, len(scanned.spans) // _CATCH_UP_SHARE)
            if len(scanned.changed) > limit:
                return False
            changed = {}
            for doc_id, chunk in scanned.changed.items():
                entry = entry_of_chunk(chunk)
                if entry_chunk(doc_id, entry) != chunk:
                    return False
                changed[str(doc_id)] = entry
            check_entries(changed, path)
            rows = [
                (doc_id, *span, scanned.digests[doc_id])
                for doc_id, span in scanned.spans.items()
                if known.get(doc_id) != (*span, scanned.digests[doc_id])
            ]
            gone = [d for d in known if d not in scanned.spans]
            # No digest of the whole file was taken while scanning: where the stat cannot
            # decide later (a change within a tick of now), the next reader reads it again.
            fine = ctime_is_fine(path.parent)
            knowledge = Knowledge(fingerprint(stat), known_ns, fine, "", True)
            conn.executemany("DELETE FROM spans WHERE doc_id = ?", [(d,) for d in gone])
            for n in range(0, len(rows), _BATCH):
                batch = rows[n : n + _BATCH]
                conn.executemany("INSERT OR REPLACE INTO spans VALUES (?,?,?,?)", batch)
            fresh = sorted(int(d) for d in changed)
            _reindex(conn, sorted({*gone, *fresh}), changed, fresh, knowledge)
            return True
    except (sqlite3.Error, orjson.JSONDecodeError):
        return False


_CATCH_UP_SHARE = 4
"""Catch up when at most one entry in this many changed; beyond, building afresh is faster."""
_CATCH_UP_ALWAYS = 2000
"""Up to this many changed entries, catching up is quick whatever the catalog's size."""


def _catch_up(
    path: Path,
    knowledge: Knowledge,
    entries: dict[str, Entry],
    spans: Scan | None,
) -> bool:
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
            if meta.get("version") != INDEX_VERSION:
                return False
            if (meta.get("fingerprint"), meta.get("digest")) == (
                knowledge.fingerprint,
                knowledge.digest,
            ):
                return True  # caught up meanwhile by another, from the same bytes
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
            _put_spans(conn, spans)
            _reindex(conn, stale, entries, changed, knowledge)
            return True
    except sqlite3.Error:
        return False


def _rebuild(
    path: Path,
    knowledge: Knowledge,
    entries: dict[str, Entry],
    spans: Scan | None,
) -> None:
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
            conn.execute("BEGIN")
            _put_spans(conn, spans)
            conn.executemany(
                "INSERT INTO meta VALUES (?, ?)", [("version", INDEX_VERSION), *knowledge.meta()]
            )
            conn.execute("COMMIT")
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
    except (sqlite3.Error, OSError):
        return False


def _holds(path: Path, stat: os.stat_result) -> bool:
    """Whether the index holds the very file ``stat`` describes (opening creates it empty)."""
    with contextlib.closing(_connect(path)) as conn:
        return _proves(conn, path, stat)


class SpansView:
    """The index of a canonical file it proves it holds, open for a change of a few entries:
    which document each id names, and where each entry lies."""

    def __init__(self, conn: sqlite3.Connection, size: int) -> None:
        self._conn = conn
        self.size = size

    def close(self) -> None:
        self._conn.close()

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
    if stat.st_size < _min_bytes() or not index_path(path).exists():
        return None
    import sqlite3

    try:
        conn = _connect(path)
    except sqlite3.Error:
        return None
    try:
        meta = _meta(conn)
        canonical = _stat_decides(meta, stat) is True and _canonical(meta)
        if canonical and conn.execute("SELECT 1 FROM spans LIMIT 1").fetchone():
            return SpansView(conn, stat.st_size)
    except sqlite3.Error:
        pass
    conn.close()
    return None


def _written_knowledge(path: Path, written: os.stat_result, data: bytes | None) -> Knowledge:
    """What htcat knows of the file it just wrote (``data``, if it holds them whole)."""
    known_ns = time.time_ns()
    found = "" if data is None else hashlib.sha1(data, usedforsecurity=False).hexdigest()
    fine = ctime_is_fine(path.parent)
    return Knowledge(fingerprint(written), known_ns, fine, found, True)


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
    knowledge = _written_knowledge(path, written, data)
    with contextlib.suppress(sqlite3.Error, OSError), _updating(path) as conn:
        if _stored_fingerprint(conn) != before:
            return
        ids = sorted(changed)
        raw = image[ENTRIES_TABLE]
        kept = [d for d in ids if str(d) in raw]
        _put_spans(conn, scan_bytes(data))
        _reindex(conn, ids, raw, kept, knowledge)


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
    for n in range(0, len(rows), _BATCH):
        conn.executemany("INSERT INTO spans VALUES (?,?,?,?)", rows[n : n + _BATCH])


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
    knowledge = _written_knowledge(path, written, None)
    with contextlib.suppress(sqlite3.Error, OSError), _updating(path) as conn:
        if _stored_fingerprint(conn) != before:
            return
        conn.executemany("DELETE FROM spans WHERE doc_id = ?", [(d,) for d in changes])
        _shift_spans(conn, splice.shifts)
        conn.executemany(
            "INSERT INTO spans VALUES (?,?,?,?)",
            [(d, at, len(c), digest(c)) for d, (at, c) in splice.chunks.items()],
        )
        entries = {str(d): e for d, e in changes.items() if e is not None}
        _reindex(conn, sorted(changes), entries, sorted(int(d) for d in entries), knowledge)


def _any_of(terms: Iterable[str]) -> str:
    """An FTS5 query that matches where any of `Keywords`' ``terms`` does.

    A term is words and single spaces only (`htcat.query.tokens`), so quoting
    it cannot go wrong; the ``*`` makes its last word a prefix.
    """
    return "(" + " OR ".join(f'"{term}"*' for term in terms) + ")"


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
    keywords = filters.keywords
    if keywords.groups:
        clauses.append("doc_id IN (SELECT rowid FROM words WHERE words MATCH ?)")
        params.append(" AND ".join(_any_of(group) for group in keywords.groups))
    if keywords.excluded:
        clauses.append("doc_id NOT IN (SELECT rowid FROM words WHERE words MATCH ?)")
        params.append(_any_of(keywords.excluded))
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
        ident = resolve_id(
            prefix,
            [r[0] for r in rows],
            lambda: (r[0] for r in conn.execute("SELECT id FROM entries")),
        )
        body = conn.execute("SELECT body FROM entries WHERE id = ?", (ident,)).fetchone()[0]
        entry: Entry = orjson.loads(body)
        return entry


def ids_starting(path: Path, prefix: str) -> list[str]:
    """The ids that begin with ``prefix``, A to Z: what shell completion offers."""
    conn = open_index(path)
    if conn is None:
        return sorted(i for i in read_catalog(path).ids() if i.startswith(prefix))
    with contextlib.closing(conn):
        rows = conn.execute(
            "SELECT id FROM entries WHERE id >= ? AND id < ? ORDER BY id",
            (prefix, prefix + "\U0010ffff"),
        ).fetchall()
        return [r[0] for r in rows]


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
